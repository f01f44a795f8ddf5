"""ETL helpers for text: Unicode clean-up and the folded keys used to match names; no I/O."""
from __future__ import annotations

import re
import unicodedata

import polars as pl

_SPACES = re.compile(r"\s+")
# Characters that survive NFD decomposition but are not ASCII letters.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def clean(value: str | None) -> str | None:
    """NFC, non-breaking and repeated spaces collapsed, trimmed; empty becomes None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ").replace("\ufeff", "")
    text = _SPACES.sub(" ", text).strip()
    return text or None


def fold(value: str | None) -> str:
    """Key for matching: no diacritics, lower case, letters and digits only."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFD", str(value).translate(_FOLD_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


def fold_words(value: str | None) -> str:
    """Like fold() but keeps single spaces between words (for prefix stripping)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFD", str(value).translate(_FOLD_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _SPACES.sub(" ", re.sub(r"[^a-z0-9]+", " ", text)).strip()


def clean_expr(column: str) -> pl.Expr:
    """Vectorised clean(): NFC, NBSP/BOM removed, spaces collapsed, empty → null."""
    expr = (
        pl.col(column)
        .str.normalize("NFC")
        .str.replace_all("[\u00a0\ufeff\t\r\n]", " ")
        .str.replace_all(" {2,}", " ")
        .str.strip_chars()
    )
    return pl.when(expr == "").then(None).otherwise(expr).alias(column)


def fmt_int(value: int | None) -> str:
    """Vietnamese thousands separator: 1234567 → '1.234.567'."""
    return "—" if value is None else f"{value:,}".replace(",", ".")
