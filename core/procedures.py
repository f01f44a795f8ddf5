"""Core layer: the procedure catalogue (bundled procedures.csv with the installation's additions),
keyed by the national catalogue code. Reads configuration only."""
from __future__ import annotations

from core.installation import cached, read_rows
from core.text import fold


def procedure_key(code: str | None) -> str:
    """'1.001612.000.00.00.H48' → '1.001612': the first two parts identify a procedure in the national
    catalogue; the rest names the province's copy of it (DOMAIN.md, 'Procedure')."""
    return ".".join((code or "").strip().split(".")[:2])


@cached
def procedure_catalogue() -> dict[str, dict[str, str]]:
    """National catalogue key → procedure row (the installation's row wins for the same key)."""
    return {procedure_key(r["procedure_code"]): r for r in read_rows("procedures.csv")}


def day_kind(code: str | None) -> str:
    """'working' or 'calendar': how the procedure's processing time counts (working when unknown)."""
    return (procedure_catalogue().get(procedure_key(code)) or {}).get("day_kind") or "working"


@cached
def procedures_by_name() -> dict[str, str]:
    """Folded procedure name → its code in procedures.csv (see procedure_name_index)."""
    return procedure_name_index(read_rows("procedures.csv"))


def procedure_name_index(rows: list[dict[str, str]]) -> dict[str, str]:
    """Folded name (no accents, case, spaces or punctuation) → code, for the names that belong to
    exactly one catalogue entry; a name two entries share matches nothing, rather than a guess."""
    codes: dict[str, set[str]] = {}
    for row in rows:
        if key := fold(row.get("procedure_name")):
            codes.setdefault(key, set()).add(row["procedure_code"])
    return {key: next(iter(found)) for key, found in codes.items() if len(found) == 1}
