DROP TABLE stocktake_scans;
DROP TABLE stocktakes;
