"""ETL helpers for text: Unicode clean-up and the folded keys used to match names; no I/O."""
from __future__ import annotations

import codecs
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


_ODD_SPACE = "[\u00a0\ufeff\t\r\n]"
_MARKS = "[\u0300-\u036f]"  # combining marks: present only in decomposed (NFD) text


def clean_columns(frame: pl.DataFrame, columns: list[str], needless: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Vectorised clean() over text columns: NFC, NBSP/BOM removed, spaces collapsed, empty → null.

    Cheap scans find which columns need which repair; the costly ones (NFC above all) run only
    where some value needs them, which on real exports is rare. Measured on 1M rows × 30
    columns: 0.7 s instead of 9 s for repairing every column unconditionally. `needless`
    {'rare'}: the caller knows that no value holds a combining mark or an odd space (the CSV
    reader reads it off the raw bytes, etl/extract.py), so that scan is skipped; {'doubled'}: nor
    two spaces in a row.
    """
    if not columns or frame.height == 0:
        return frame
    if "rare" in needless:
        rare = dict.fromkeys(columns, False)
    else:
        rare = _probe(frame, columns, lambda c: pl.col(c).str.contains(_MARKS + "|" + _ODD_SPACE))
    repairs = []
    for c in (c for c in columns if rare[c]):
        expr = pl.col(c).str.normalize("NFC").str.replace_all(_ODD_SPACE, " ")
        repairs.append(expr.str.replace_all(" {2,}", " ").alias(c))
    frame = frame.with_columns(repairs) if repairs else frame
    # One scan for the three cheap repairs. Collapsing spaces keeps a space at an edge, and only a
    # value with one (or an empty one) can be empty once stripped.
    found = frame.select(
        *(pl.col(c).str.contains("  ", literal=True).any().alias(f"d{i}") for i, c in enumerate(columns)
          if not rare[c] and "doubled" not in needless),
        *((pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any().alias(f"e{i}")
          for i, c in enumerate(columns)),
        *((pl.col(c) == "").any().alias(f"z{i}") for i, c in enumerate(columns)),
    ).row(0, named=True)
    fixes = []
    for i, c in enumerate(columns):
        doubled, edges, empty = found.get(f"d{i}", False), found[f"e{i}"], found[f"z{i}"]
        expr = pl.col(c).str.replace_all(" {2,}", " ") if doubled else pl.col(c)
        expr = expr.str.strip_chars() if edges else expr
        expr = pl.when(expr != "").then(expr) if edges or empty else expr
        if doubled or edges or empty:
            fixes.append(expr.alias(c))
    return frame.with_columns(fixes) if fixes else frame


def _probe(frame: pl.DataFrame, columns: list[str], test) -> dict[str, bool]:
    if not columns:
        return {}
    row = frame.select(test(c).any().alias(c) for c in columns).row(0, named=True)
    return {c: bool(v) for c, v in row.items()}


# --- dossier codes -----------------------------------------------------------------------------------

# Characters that print as nothing but make two equal-looking codes differ: zero-width space,
# non-joiner, joiner, word joiner and the byte-order mark (as pasted from web pages and Word).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_CODE_JUNK = f"[\\s{ZERO_WIDTH}]"
_CODE_JUNK_RE = re.compile(_CODE_JUNK)


def normalize_dossier_code(value: str | None) -> str | None:
    """The one rule that makes a dossier code a key, wherever a code is read (dossier, survey and
    rating exports, a ?hs= link): Unicode NFKC (fullwidth "ＨＳ－０１" → "HS-01"), every
    whitespace and zero-width character removed (a code is one token: agency code, yyMMdd,
    sequence), upper case. Nothing else changes: dots, dashes and leading zeros stay. Empty → None."""
    if value is None:
        return None
    text = _CODE_JUNK_RE.sub("", unicodedata.normalize("NFKC", str(value))).upper()
    return text or None


def normalize_dossier_codes(codes: pl.Series) -> pl.Series:
    """normalize_dossier_code over a text column, vectorised (same rule, same results). NFKC
    changes nothing in ASCII text, and codes are nearly always ASCII: it runs only when a code is not."""
    out = codes.str.normalize("NFKC") if codes.str.contains(r"[^\x00-\x7F]").any() else codes
    out = out.str.replace_all(_CODE_JUNK, "").str.to_uppercase()
    return out.set(out == "", None)


# --- encodings ----------------------------------------------------------------------------------------

# Byte-order marks, longest first (the UTF-32 LE mark begins like the UTF-16 LE one). Excel's
# "Unicode Text" (Lưu dạng «Văn bản Unicode») writes UTF-16 LE with its mark, tab-separated.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def bom_encoding(raw: bytes) -> tuple[str, int] | None:
    """(encoding, length of the mark) when `raw` starts with a byte-order mark, else None."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    return None


def fmt_int(value: int | None) -> str:
    """Vietnamese thousands separator: 1234567 → '1.234.567'."""
    return "—" if value is None else f"{value:,}".replace(",", ".")
