DROP TABLE disposals;
