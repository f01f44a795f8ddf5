"""Query layer: SQL templates that mask applicants' personal data inside the query; no query runs here.

DuckDB expressions, one per personal column, with `{col}` standing for the column (replaced by
`masked()`, never by user text). They work on NFC or NFD text and on stray non-breaking spaces:

- name: family name kept, every other word cut to its initial: "Nguyễn Văn An" → "Nguyễn V. A.";
  a one-word name keeps only its initial ("An" → "A."), since a lone given name identifies more;
- phone: first two and last three digits: "0912345123" → "09xx xxx 123" (under six digits: "xxx");
- ID number: every character but the last three replaced by x: "048095001234" → "xxxxxxxxx234";
- address: only the last two comma-separated parts ("12 Lê Lợi, Phường Hải Châu, TP Đà Nẵng" →
  "Phường Hải Châu, TP Đà Nẵng"); the first part (house and street) is never shown, so a two-part
  address keeps only its last part and a one-part address shows as "(đã ẩn)".

- free text (comments): a run of 9 or more digits, with single spaces, dots or dashes between
  them (a phone or ID number a citizen wrote in), becomes "[số đã ẩn]"; names in free text cannot
  be told apart from other words and stay as written.

Empty or blank values give NULL. Unmasked only when the viewer's `Scope.personal_data` is True:
UNLESS_ALLOWED wraps a template in `CASE WHEN $personal_data THEN … ELSE … END` (bound parameter).
"""
from __future__ import annotations

_WS = "'[\\s\u00a0]+'"  # any run of whitespace, non-breaking spaces included (RE2)
_CLEAN = f"nullif(trim(regexp_replace(nfc_normalize({{col}}), {_WS}, ' ', 'g')), '')"

MASKS = {
    "applicant_name": (
        f"array_to_string(list_transform(string_split({_CLEAN}, ' '), lambda w, i: "
        f"CASE WHEN i = 1 AND len(string_split({_CLEAN}, ' ')) > 1 THEN w ELSE left(w, 1) || '.' END), ' ')"
    ),
    "applicant_phone": (
        "CASE WHEN nullif(regexp_replace({col}, '[^0-9]', '', 'g'), '') IS NULL THEN NULL "
        "WHEN length(regexp_replace({col}, '[^0-9]', '', 'g')) < 6 THEN 'xxx' "
        "ELSE left(regexp_replace({col}, '[^0-9]', '', 'g'), 2) || 'xx xxx ' "
        "|| right(regexp_replace({col}, '[^0-9]', '', 'g'), 3) END"
    ),
    "applicant_id_number": (
        f"CASE WHEN nullif(regexp_replace({{col}}, {_WS}, '', 'g'), '') IS NULL THEN NULL "
        f"ELSE repeat('x', greatest(length(regexp_replace({{col}}, {_WS}, '', 'g')) - 3, 0)) "
        f"|| CASE WHEN length(regexp_replace({{col}}, {_WS}, '', 'g')) > 3 "
        f"THEN right(regexp_replace({{col}}, {_WS}, '', 'g'), 3) "
        f"ELSE repeat('x', length(regexp_replace({{col}}, {_WS}, '', 'g'))) END END"
    ),
    "applicant_address": (
        f"CASE WHEN len(list_filter(list_transform(string_split({_CLEAN}, ','), lambda p: trim(p)), "
        f"lambda p: p <> '')) = 0 THEN NULL "
        f"WHEN len(list_filter(list_transform(string_split({_CLEAN}, ','), lambda p: trim(p)), "
        f"lambda p: p <> '')) = 1 THEN '(đã ẩn)' "
        f"ELSE array_to_string(list_slice(list_filter(list_transform(string_split({_CLEAN}, ','), "
        f"lambda p: trim(p)), lambda p: p <> ''), -2 + CASE WHEN len(list_filter(list_transform("
        f"string_split({_CLEAN}, ','), lambda p: trim(p)), lambda p: p <> '')) = 2 THEN 1 ELSE 0 END, -1), ', ') END"
    ),
    "comment": "regexp_replace({col}, '[0-9](?:[ .-]?[0-9]){8,}', '[số đã ẩn]', 'g')",
}

# Diacritic-insensitive form of a text for search: NFC, lower case, accents stripped, đ → d,
# whitespace runs collapsed. Applied in SQL to both the column and the bound search text.
FOLD = (f"trim(regexp_replace(replace(strip_accents(lower(nfc_normalize({{col}}))), 'đ', 'd'), {_WS}, ' ', 'g'))")

# The column as stored when the scope allows personal data, else its mask; {mask} is a MASKS entry.
UNLESS_ALLOWED = "CASE WHEN $personal_data THEN {col} ELSE {mask} END"
