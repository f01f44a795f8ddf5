-- Form 06 counts (Thông tư 01/2020/TT-VPCP, Biểu số 06) for one period, per group.
-- Withdrawn (7), stopped (8) and refused (3) dossiers carry no closing date in exports, so they
-- are counted in the period they were received in and never carried over.
-- The group keys and GROUP BY clause come from the allowlist GROUPS in queries/dossiers.py;
-- `u` is the unit's directory row, for grouping by level (cấp tỉnh / cấp xã).
WITH scoped AS (
    SELECT d.*, {group_select}
    FROM dossiers d
    LEFT JOIN units u ON u.unit_code = d.unit_code
    WHERE d.is_received
      AND d.received_date <= $end
      AND {scope_sql}
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
)
SELECT
    {key_columns},
    count(*) FILTER (in_period AND is_online) AS received_online,
    count(*) FILTER (in_period AND NOT is_online) AS received_direct,
    count(*) FILTER (carried_over) AS carried_over,
    count(*) FILTER (in_period OR carried_over) AS received_total,
    count(*) FILTER (resolved AND timeliness = 'early') AS resolved_early,
    count(*) FILTER (resolved AND timeliness = 'on_time') AS resolved_on_time,
    count(*) FILTER (resolved AND timeliness = 'late') AS resolved_late,
    count(*) FILTER (resolved) AS resolved_total,
    count(*) FILTER (pending AND NOT coalesce(due_before_end, FALSE)) AS pending_within,
    count(*) FILTER (pending AND coalesce(due_before_end, FALSE)) AS pending_overdue,
    count(*) FILTER (pending) AS pending_total,
    count(*) FILTER (in_period AND closed_other) AS withdrawn_stopped_refused
FROM flags
WHERE in_period OR carried_over OR resolved OR pending
GROUP BY {group_by}
ORDER BY {group_names}
