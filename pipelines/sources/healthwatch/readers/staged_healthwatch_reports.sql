-- A batch of reports into staged.healthwatch_reports, one row per document: its register entry, geography,
-- findings kept and quarantined, and the characters of its kept findings.
-- Inputs (temp): _hw_files (one row per document read), _hw_meta (its register entry), _hw_counts (findings
-- per file), _hw_ok (the findings that passed the row rules).
INSERT INTO staged.healthwatch_reports BY NAME
SELECT f.report_id, f.document_format, f.pages, m.local_healthwatch, m.local_authority_code,
       m.local_authority_name, m.sub_icb_code, m.icb_code, m.publication_date, m.service_type, m.title,
       m.register_file, c.findings, c.findings_quarantined,
       coalesce((SELECT sum(length(o.text)) FROM _hw_ok o WHERE o.source_file = f.source_file), 0) AS characters,
       f.source_file, f.file_sha256
FROM _hw_files f JOIN _hw_meta m USING (file_key) JOIN _hw_counts c USING (source_file)
