-- Dossiers of the selection with the late-page flags (queries/late.py wraps this in WITH … AS).
-- Bound: $as_of (today), $today_seq (its working-day number) and $late_seq (the same, a day off counting as
-- the next working morning: an open dossier counts as if finished now), $start / $end (the period),
-- $soon_days, plus the scope and selection (queries.late._params).
-- {scope_sql} / {selection_sql} are queries.filters.SCOPE_SQL / SELECTION_SQL (code, not user text);
-- {rows} is one of queries.late.ROWS: which dossiers are read at all.
base AS (
    SELECT d.*,
        -- DOMAIN.md, Apology: the slip must be issued at least one day before the due date.
        CASE WHEN d.apology_issued_at IS NULL THEN 'none'
             WHEN CAST(d.apology_issued_at AS DATE) < d.due_date THEN 'on_time'
             ELSE 'too_late' END AS apology_state
    FROM ({rows}) d
    WHERE {scope_sql} AND {selection_sql}
), flagged AS (
    SELECT b.*,
        coalesce(b.is_resolved AND b.finished_date BETWEEN $start AND $end AND b.timeliness = 'late', FALSE)
            AS is_resolved_late,
        coalesce(b.is_resolved AND b.finished_date BETWEEN $start AND $end, FALSE) AS is_resolved_in_period,
        coalesce(b.is_open AND b.due_date < $as_of::DATE, FALSE) AS is_overdue,
        coalesce(b.is_open AND b.due_date >= $as_of::DATE AND b.due_wd_seq <= $today_seq::INTEGER + $soon_days, FALSE)
            AS is_due_soon
    FROM base b
), late AS (
    SELECT f.*,
        CASE WHEN f.is_resolved_late THEN f.late_working_days
             WHEN f.is_overdue THEN $late_seq::INTEGER - f.due_wd_seq END AS days_late,
        (f.is_resolved_late OR f.is_overdue) AND f.apology_state <> 'on_time' AS is_without_apology
    FROM flagged f
)
