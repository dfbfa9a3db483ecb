DROP TABLE audit_checkpoint_keys;
DROP TABLE audit_checkpoints;
