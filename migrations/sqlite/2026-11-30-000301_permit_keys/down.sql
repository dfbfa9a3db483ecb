DROP TABLE permit_keys;
