-- Marts: what the query layer reads. Each section, headed by a "-- @name" line, is used by
-- etl/marts.py, which fills in the placeholders:
--   {finished_expr}, {due_date_expr}: chosen from allowlists (settings timeliness.compare_date and
--       timeliness.due_on_day_off);
--   {source}: a relation with the stored dossier columns (a file's incoming rows, or mart_dossiers
--       itself when every row is recomputed);
--   {rating_where}, {dossier_where}: which ratings to (re)compute, TRUE for all.
-- A load writes the derived columns of the dossiers it adds or changes, and the ratings those
-- touch; a change of the rules below (calendar, status groups, settings) recomputes every row.

-- @mart_dossiers
WITH next_working AS (  -- each calendar day → the first working day on or after it
    SELECT cal_date,
           min(CASE WHEN is_working_day THEN cal_date END)
               OVER (ORDER BY cal_date ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_working_day
    FROM ref_calendar
),
base AS (
    SELECT
        d.*,
        coalesce(d.resolving_unit_code, d.receiving_unit_code) AS unit_code,
        s.status_group,
        CAST(d.received_at AS DATE) AS received_date,
        {due_date_expr} AS due_date,
        CAST({finished_expr} AS DATE) AS finished_date
    FROM {source} d
    LEFT JOIN ref_status_codes s USING (status_code)
    LEFT JOIN next_working nw ON nw.cal_date = CAST(d.due_at AS DATE)
)
SELECT
    b.*,
    (b.status_code IN (9, 10) AND b.finished_date IS NOT NULL) AS is_resolved,
    -- Status meanings (status_codes.csv, status_group), so that queries say what they mean:
    -- received = accepted to handle (everything but 'not_received', i.e. submitted online and not
    -- yet accepted); closed otherwise = refused, withdrawn or stopped (Biểu số 06 balance);
    -- open = received, not resolved, not closed otherwise (a dossier waiting for a supplement is open).
    coalesce(b.status_group <> 'not_received', FALSE) AS is_received,
    coalesce(b.status_group IN ('refused', 'withdrawn', 'stopped'), FALSE) AS is_closed_other,
    coalesce(b.status_group <> 'not_received' AND b.status_group NOT IN ('refused', 'withdrawn', 'stopped')
             AND NOT (b.status_code IN (9, 10) AND b.finished_date IS NOT NULL), FALSE) AS is_open,
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

-- @mart_ratings
-- Ratings: one source for the satisfaction page. A rating export's row wins over the rating a
-- dossier export carries for the same dossier; a dossier export's rating is dated when the
-- result was returned (else finished), since those exports carry no rating date.
SELECT r.rating_key, 'rating_export' AS source, r.rating_id, r.dossier_code,
       d.dossier_code IS NOT NULL AS is_linked, coalesce(r.unit_code, d.unit_code) AS unit_code,
       d.field_code, r.rated_at, CAST(r.rated_at AS DATE) AS rating_date, r.rating_code,
       r.rating_code IN (2, 3) AS is_satisfied, r.comment, r.load_id, r.source_file, r.source_row
FROM stg_ratings r
LEFT JOIN mart_dossiers d ON d.dossier_code = r.dossier_code
WHERE {rating_where}
UNION ALL
SELECT 'hs:' || d.dossier_code, 'dossier_export', NULL, d.dossier_code, TRUE, d.unit_code, d.field_code,
       coalesce(d.returned_at, d.finished_at), CAST(coalesce(d.returned_at, d.finished_at) AS DATE), d.rating_code,
       d.rating_code IN (2, 3), NULL, d.load_id, d.source_file, d.source_row
FROM mart_dossiers d
WHERE d.rating_code IS NOT NULL AND coalesce(d.returned_at, d.finished_at) IS NOT NULL
  AND d.dossier_code NOT IN (SELECT dossier_code FROM stg_ratings WHERE dossier_code IS NOT NULL)
  AND {dossier_where};

-- @views
CREATE OR REPLACE VIEW dossiers AS SELECT * FROM mart_dossiers;
CREATE OR REPLACE VIEW survey_responses AS SELECT * EXCLUDE (row_hash) FROM stg_survey_responses;
-- A question first loaded unmapped picks up its code and factor once it is added to
-- survey_questions.csv and `python -m etl rebuild` has refreshed ref_survey_questions
-- (matched on the wording folded: no diacritics, case, spaces or punctuation).
CREATE OR REPLACE VIEW survey_answers AS
SELECT a.response_key, coalesce(a.question_code, q.question_code) AS question_code, a.question_text,
       coalesce(a.factor_code, q.factor_code) AS factor_code, a.score
FROM stg_survey_answers a
LEFT JOIN (
    SELECT regexp_replace(lower(strip_accents(replace(replace(question, 'đ', 'd'), 'Đ', 'd'))), '[^a-z0-9]', '', 'g')
               AS folded, any_value(question_code) AS question_code, any_value(factor_code) AS factor_code
    FROM ref_survey_questions GROUP BY ALL
) q ON a.question_code IS NULL
   AND q.folded = regexp_replace(lower(strip_accents(replace(replace(a.question_text, 'đ', 'd'), 'Đ', 'd'))),
                                 '[^a-z0-9]', '', 'g');
CREATE OR REPLACE VIEW units AS SELECT * FROM ref_units;
CREATE OR REPLACE VIEW fields AS
    SELECT field_code, field_name, TRUE AS in_catalogue FROM ref_fields
    UNION ALL
    SELECT field_code, field_name, FALSE FROM ref_fields_discovered
    WHERE field_code NOT IN (SELECT field_code FROM ref_fields);
CREATE OR REPLACE VIEW calendar AS SELECT * FROM ref_calendar;
CREATE OR REPLACE VIEW status_codes AS SELECT * FROM ref_status_codes;
CREATE OR REPLACE VIEW procedures AS SELECT * FROM ref_procedures;
CREATE OR REPLACE VIEW ratings AS SELECT * FROM mart_ratings;
CREATE OR REPLACE VIEW rating_criteria AS
SELECT c.rating_key, c.criterion_code, n.criterion_name, c.criterion_text, c.score
FROM stg_rating_criteria c
LEFT JOIN (SELECT criterion_code, any_value(criterion_name) AS criterion_name FROM ref_rating_criteria GROUP BY ALL) n
    USING (criterion_code);
