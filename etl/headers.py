"""ETL header mapping: raw export headers → canonical columns via the alias map; no I/O besides config."""
from __future__ import annotations

from dataclasses import dataclass

from core.installation import cached, read_rows
from core.labels import column_label  # noqa: F401  (re-exported for the pipeline)
from core.text import fold

# Columns that only number the rows in a printed export ("STT" = số thứ tự).
IGNORED_HEADERS = frozenset({"stt", "tt", "sott", "sothutu", "no", "index"})


@dataclass(frozen=True)
class HeaderMap:
    """Folded alias → {kind: canonical column} (one header may mean a column in several kinds)."""

    aliases: dict[str, dict[str, str]]

    def lookup(self, raw: str | None) -> dict[str, str]:
        return self.aliases.get(fold(raw), {})

    def canonical(self, raw: str | None, kind: str) -> str | None:
        return self.lookup(raw).get(kind)


@cached
def header_map() -> HeaderMap:
    aliases: dict[str, dict[str, str]] = {}
    for row in read_rows("header_aliases.csv"):
        aliases.setdefault(fold(row["alias"]), {}).setdefault(row["kind"], row["canonical"])
    for row in read_rows("survey_questions.csv"):
        aliases.setdefault(fold(row["question"]), {}).setdefault("survey", "q:" + row["question_code"])
    for row in read_rows("rating_criteria.csv"):
        aliases.setdefault(fold(row["header"]), {}).setdefault("rating", "c:" + row["criterion_code"])
    return HeaderMap(aliases)
