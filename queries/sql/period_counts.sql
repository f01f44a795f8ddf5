-- Form 06 counts (Thông tư 01/2020/TT-VPCP, Biểu số 06) for one period, per group.
-- Withdrawn (7), stopped (8) and refused (3) dossiers carry no closing date in exports, so they
-- are counted in the period they were received in and never carried over.
-- The group keys and GROUP BY clause come from the allowlist GROUPS in queries/dossiers.py;
-- `u` is the unit's directory row, for grouping by level (cấp tỉnh / cấp xã): {units_join} joins it
-- only when a group key reads it (queries.dossiers._sql), not to every dossier for nothing.
-- Only the dossiers a count can concern are read: received in the period, or received before it
-- and either still open or resolved on or after its start (one received before the start and closed
-- before it, or closed otherwise, counts nowhere). Each part is a plain column condition DuckDB
-- applies inside the table scan, so row groups outside the dates are skipped and the wide columns
-- are read for matching rows only; the parts are disjoint, so no dossier is counted twice.
WITH concerned AS (
    SELECT * FROM dossiers WHERE is_received AND received_date BETWEEN $start AND $end
    UNION ALL
    SELECT * FROM dossiers WHERE is_open AND received_date < $start
    UNION ALL
    SELECT * FROM dossiers WHERE is_received AND is_resolved AND finished_date >= $start AND received_date < $start
),
scoped AS (
    SELECT d.*, {group_select}
    FROM concerned d
    {units_join}
    WHERE {scope_sql}
      AND {selection_sql}
),
flags AS (
    SELECT
        {group_names},
        received_date BETWEEN $start AND $end AS in_period,
        received_date < $start
            AND NOT is_closed_other
            AND NOT (is_resolved AND finished_date < $start) AS carried_over,
        is_resolved AND finished_date BETWEEN $start AND $end AS resolved,
        timeliness,
        NOT is_closed_other
            AND NOT (is_resolved AND finished_date <= $end)
            AND (received_date >= $start OR NOT (is_resolved AND finished_date < $start)) AS pending,
        -- pending: accepted by the period end, neither closed otherwise nor finished by then
        due_date < $cut AS due_before_end,  -- $cut: the period end, or today while the period runs
        is_closed_other AS closed_other,
        is_online
    FROM scoped
),
keyed AS (
    -- The dossiers counted per group and combination of flags first (a few per group), then each count
    -- summed from those: one count per dossier instead of twelve (a year of 20M dossiers: about 15% less).
    SELECT {group_names}, in_period, is_online, carried_over, resolved, timeliness, pending,
           coalesce(due_before_end, FALSE) AS due_before_end, closed_other, count(*) AS n
    FROM flags
    WHERE in_period OR carried_over OR resolved OR pending
    GROUP BY ALL
)
SELECT
    {key_columns},
    coalesce(sum(n) FILTER (in_period AND is_online), 0) AS received_online,
    coalesce(sum(n) FILTER (in_period AND NOT is_online), 0) AS received_direct,
    coalesce(sum(n) FILTER (carried_over), 0) AS carried_over,
    coalesce(sum(n) FILTER (in_period OR carried_over), 0) AS received_total,
    coalesce(sum(n) FILTER (resolved AND timeliness = 'early'), 0) AS resolved_early,
    coalesce(sum(n) FILTER (resolved AND timeliness = 'on_time'), 0) AS resolved_on_time,
    coalesce(sum(n) FILTER (resolved AND timeliness = 'late'), 0) AS resolved_late,
    coalesce(sum(n) FILTER (resolved), 0) AS resolved_total,
    coalesce(sum(n) FILTER (pending AND NOT due_before_end), 0) AS pending_within,
    coalesce(sum(n) FILTER (pending AND due_before_end), 0) AS pending_overdue,
    coalesce(sum(n) FILTER (pending), 0) AS pending_total,
    coalesce(sum(n) FILTER (in_period AND closed_other), 0) AS withdrawn_stopped_refused
FROM keyed
GROUP BY {group_by}
ORDER BY {group_names}
