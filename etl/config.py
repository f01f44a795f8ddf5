"""ETL configuration: reads the data files in etl/config (maps, settings); no database access."""
from __future__ import annotations

import csv
import tomllib
from functools import lru_cache
from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "config"


def config_path(name: str) -> Path:
    return CONFIG_DIR / name


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV map in etl/config, as dicts of stripped strings."""
    with config_path(name).open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@lru_cache(maxsize=1)
def settings() -> dict:
    with config_path("settings.toml").open("rb") as handle:
        return tomllib.load(handle)
