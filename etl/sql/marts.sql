-- Marts: what the query layer reads. Rebuilt after every load inside the working copy.
-- {finished_expr} is chosen from an allowlist in etl/marts.py (settings: timeliness.compare_date).
CREATE OR REPLACE TABLE mart_dossiers AS
WITH base AS (
    SELECT
        d.*,
        coalesce(d.resolving_unit_code, d.receiving_unit_code) AS unit_code,
        s.status_group,
        CAST(d.received_at AS DATE) AS received_date,
        CAST(d.due_at AS DATE) AS due_date,
        CAST({finished_expr} AS DATE) AS finished_date
    FROM stg_dossier_current d
    LEFT JOIN ref_status_codes s USING (status_code)
)
SELECT
    b.*,
    (b.status_code IN (9, 10) AND b.finished_date IS NOT NULL) AS is_resolved,
    -- Form 06 (Thông tư 01/2020/TT-VPCP): early = before the due day, on time = on it, late = after.
    CASE
        WHEN NOT (b.status_code IN (9, 10) AND b.finished_date IS NOT NULL) OR b.due_date IS NULL THEN NULL
        WHEN b.finished_date < b.due_date THEN 'early'
        WHEN b.finished_date = b.due_date THEN 'on_time'
        ELSE 'late'
    END AS timeliness,
    -- Working days late; finishing on a day off counts as the next working morning.
    CASE
        WHEN b.status_code IN (9, 10) AND b.finished_date > b.due_date
        THEN cf.wd_seq + CASE WHEN cf.is_working_day THEN 0 ELSE 1 END - cd.wd_seq
    END AS late_working_days,
    cd.wd_seq AS due_wd_seq,
    b.channel_code = 2 AS is_online
FROM base b
LEFT JOIN ref_calendar cd ON cd.cal_date = b.due_date
LEFT JOIN ref_calendar cf ON cf.cal_date = b.finished_date;

CREATE OR REPLACE VIEW dossiers AS SELECT * FROM mart_dossiers;
CREATE OR REPLACE VIEW survey_responses AS SELECT * EXCLUDE (row_hash) FROM stg_survey_responses;
CREATE OR REPLACE VIEW survey_answers AS SELECT * FROM stg_survey_answers;
CREATE OR REPLACE VIEW units AS SELECT * FROM ref_units;
CREATE OR REPLACE VIEW fields AS
    SELECT field_code, field_name, TRUE AS in_catalogue FROM ref_fields
    UNION ALL
    SELECT field_code, field_name, FALSE FROM ref_fields_discovered
    WHERE field_code NOT IN (SELECT field_code FROM ref_fields);
CREATE OR REPLACE VIEW calendar AS SELECT * FROM ref_calendar;
CREATE OR REPLACE VIEW status_codes AS SELECT * FROM ref_status_codes;
CREATE OR REPLACE VIEW procedures AS SELECT * FROM ref_procedures;
