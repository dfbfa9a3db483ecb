ALTER INDEX equipment_model_trgm RESET (gin_pending_list_limit);
ALTER INDEX equipment_name_trgm RESET (gin_pending_list_limit);
CREATE INDEX equipment_tag_prefix ON equipment (asset_tag text_pattern_ops);
ALTER TABLE equipment ALTER COLUMN asset_tag TYPE TEXT COLLATE "default";
