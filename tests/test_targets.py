"""Yearly targets (core.targets): bundled targets.csv, an installation's rows over it, the
satisfaction fallback to settings.toml, and the ways a clerk writes a share."""
from __future__ import annotations

import pytest

from core.installation import ConfigError, use
from core.targets import SETTINGS_SOURCE, parse_share, target, targets_for
from queries.satisfaction import targets as satisfaction_targets


@pytest.mark.parametrize("text, share", [("90%", 0.9), ("90", 0.9), ("0,9", 0.9), ("0.9", 0.9), (" 92,5 % ", 0.925),
                                         ("1", 1.0), ("0", 0.0)])
def test_a_share_however_written(text, share):
    assert parse_share(text) == pytest.approx(share)


@pytest.mark.parametrize("text", ["chín mươi", "", "150%", "-5"])
def test_a_share_that_is_not_one(text):
    with pytest.raises(ConfigError, match="không phải tỷ lệ"):
        parse_share(text)


def test_bundled_targets_and_the_settings_fallback():
    assert target("online_share", 2026).value == pytest.approx(0.6)
    assert target("online_share", 2031) is None  # no row: no target, never a made-up one
    fallback = target("satisfaction", 2031)
    assert (fallback.value, fallback.source) == (0.9, SETTINGS_SOURCE)


def test_the_installations_rows_lie_over_the_bundled_ones(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "targets.csv").write_text("Năm,Chỉ tiêu,Mục tiêu\n2026,online_share,70%\n2027,satisfaction,0.95\n",
                                        encoding="utf-8")
    (folder / "settings.toml").write_text("[satisfaction]\ntarget = 0.8\n", encoding="utf-8")
    use(tmp_path / "cchc.duckdb")
    got = {m: (t.value if t else None) for m, t in targets_for(2026).items()}
    assert got == {"online_share": 0.7, "on_time_rate": 0.95, "satisfaction": 0.9}  # the rest still bundled
    assert target("satisfaction", 2027).value == 0.95
    assert target("satisfaction", 2028).value == 0.8  # settings.toml of this installation
    assert satisfaction_targets(2027).target == 0.95 and satisfaction_targets(2028).target == 0.8


def test_a_wrong_row_names_the_file_row_and_column(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "targets.csv").write_text("year,metric,target\n2026,truc_tuyen,60%\n", encoding="utf-8")
    use(tmp_path / "cchc.duckdb")
    with pytest.raises(ConfigError, match=r"thư mục thiết lập .*config\), dòng «2026, truc_tuyen, 60%», cột «Chỉ tiêu»"):
        target("online_share", 2026)
