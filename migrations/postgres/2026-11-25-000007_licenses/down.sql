DROP TABLE installations;
DROP TABLE install_requests;
DROP TABLE licenses;
DROP TABLE software;
