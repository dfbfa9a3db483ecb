DROP TABLE disposals;
DROP FUNCTION disposals_keep();
