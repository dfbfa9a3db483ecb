DROP TABLE inspection_findings;
DROP TABLE inspections;
DROP FUNCTION inspection_findings_signed_is_final();
DROP FUNCTION inspections_signed_is_final();
