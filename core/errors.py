"""Core layer: the one error type whose message a clerk can act on (file, sheet, row, column, what to do); no I/O."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EtlError(Exception):
    """A file (or part of it) that cannot be loaded: what is wrong, where, and what to do."""

    problem: str
    action: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"tệp «{self.file}»")
        if self.sheet:
            parts.append(f"trang tính «{self.sheet}»")
        if self.row:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột «{self.column}»")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        head = f"{where}: {self.problem}" if where else self.problem
        return f"{head} Cách xử lý: {self.action}"
