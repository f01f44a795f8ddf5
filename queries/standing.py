"""Query layer: where units stand in a group — the anonymous aggregates a ranking returns beside the
rows its viewer may read by name (rank, group size, median, best, distribution); never imports Streamlit.

A rank means something only within a whole group: the emulation contest, the late-rate and the
satisfaction rankings are computed over every unit of the group, whatever the viewer's scope
(`Filters.group()`). What they return is cut to the viewer: the rows of his own units (or of every
unit, for a role with `see_peers`, queries.filters.Scope.peer_names) and this summary, which names
no unit: a commune chairman reads "hạng 13/93", the group's median and best, and how many units
fall in each bin of the value, never another unit's name or figure.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Literal

import polars as pl

DISTRIBUTION_SCHEMA = {"bin_low": pl.Float64, "bin_high": pl.Float64, "units": pl.Int64}


@dataclass(frozen=True, eq=False)
class GroupSummary:
    """The whole group, without names. `units`: units of the group listed (with data); `ranked`: those
    given a rank (the N of "hạng r/N"); `median` and `best` of the ranked units' value (best = the
    value of rank 1); `distribution`: bin_low, bin_high, units — how many ranked units fall in each
    bin (a bin holds its low end; the last one also its high end); `peers_named`: the rows returned
    beside this summary name every unit of the group (the viewer may see peers)."""

    units: int
    ranked: int
    median: float | None
    best: float | None
    distribution: pl.DataFrame
    peers_named: bool


def summarise(values: list[float], units: int, best: Literal["max", "min"], width: float, peers_named: bool,
              low: float | None = None, high: float | None = None) -> GroupSummary:
    """The summary of the ranked units' `values` (in display units: points, or percent for rates)."""
    top = (max if best == "max" else min)(values) if values else None
    middle = statistics.median(values) if values else None
    return GroupSummary(units, len(values), middle, top, distribution(values, width, low, high), peers_named)


def distribution(values: list[float], width: float, low: float | None = None,
                 high: float | None = None) -> pl.DataFrame:
    """How many values fall in each bin [low + k·width, low + (k+1)·width), from `low` (default: the
    lowest value rounded down to the width) to `high` (default: the highest value); the last bin holds
    its upper end, and values outside [low, high] count in the first or last bin. No values, no bins."""
    if not values:
        return pl.DataFrame(schema=DISTRIBUTION_SCHEMA)
    low = math.floor(min(values) / width) * width if low is None else low
    high = max(values) if high is None else high
    bins = max(1, math.ceil((high - low) / width - 1e-9))
    counts = [0] * bins
    for value in values:
        # The epsilon keeps 15.000000000000002 % of a 5-point bin from falling into [10, 15).
        k = math.floor((value - low) / width + 1e-9)
        counts[min(bins - 1, max(0, k))] += 1
    return pl.DataFrame({"bin_low": [low + k * width for k in range(bins)],
                         "bin_high": [min(high, low + (k + 1) * width) for k in range(bins)],
                         "units": counts}, schema=DISTRIBUTION_SCHEMA)


@dataclass(frozen=True, eq=False)
class Standing:
    """A group-wide ranking as the viewer may read it: `rows`, one per unit he may see by name (his
    scope and selection, or every unit of the group with `see_peers`), each with its group-wide rank;
    `summary`, the whole group without names."""

    rows: pl.DataFrame
    summary: GroupSummary
