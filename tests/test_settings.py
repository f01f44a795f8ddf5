"""Settings declared once (core.settings) and the installation's folder laid over the bundled defaults
(core.installation): help text, the template `init` writes, typed errors, and file-by-file overlay."""
from __future__ import annotations

import tomllib

import pytest

from core.installation import read_rows, use
from core.settings import SettingsError, declared, parse, settings, settings_template


def test_every_setting_has_help_text_and_a_typed_default():
    rows = declared()
    assert len(rows) >= 30
    for section, key, default, help_text in rows:
        assert len(help_text) > 20, f"[{section}] {key} has no help text"
        assert isinstance(default, (bool, int, float, str)), f"[{section}] {key}"


def test_the_template_is_valid_toml_and_uncommenting_a_line_takes_effect():
    text = settings_template()
    assert tomllib.loads(text) == {section: {} for section in {s for s, *_ in declared()}}
    changed = text.replace("# due_soon_working_days = 2", "due_soon_working_days = 3")
    assert parse(tomllib.loads(changed), "settings.toml").late.due_soon_working_days == 3


@pytest.mark.parametrize("text, message", [
    ("[late]\ndue_son_working_days = 3\n", "Có phải là «due_soon_working_days»?"),
    ("[lat]\nx = 1\n", "Có phải là «late»?"),
    ("[late]\ndue_soon_working_days = \"3\"\n", "phải là một số nguyên"),
    ("[late]\ndue_soon_working_days = 2.5\n", "phải là một số nguyên"),
    ("[late]\nmin_resolved_to_rank = 0\n", "nằm ngoài khoảng cho phép"),
    ("[timeliness]\ncompare_date = \"ngay_tra\"\n", "\"finished\", \"returned\""),
    ("[privacy]\nshow_personal_data = 1\n", "true hoặc false"),
    ("[calendar]\noffice_end = \"5 giờ chiều\"\n", "không phải giờ dạng HH:MM"),
])
def test_a_wrong_setting_is_an_error_naming_the_file_and_key(text, message):
    with pytest.raises(SettingsError) as error:
        parse(tomllib.loads(text), "/x/config/settings.toml")
    assert "/x/config/settings.toml" in str(error.value) and message in str(error.value)


def test_a_float_setting_accepts_a_whole_number():
    assert parse({"upload": {"max_file_mb": 50}}, "s").upload.max_file_mb == 50.0


def test_without_a_settings_folder_the_bundled_defaults_apply(tmp_path):
    use(tmp_path / "cchc.duckdb")
    assert settings().late.due_soon_working_days == 2
    assert any(r["raw"] == "Đã trả kết quả" for r in read_rows("statuses.csv"))


def test_the_folder_overrides_one_map_by_key_and_keeps_the_other_rows(tmp_path):
    use(tmp_path / "cchc.duckdb")
    bundled = read_rows("statuses.csv")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "statuses.csv").write_text("raw,status_code\nĐã duyệt xong,10\nda tra ket qua,9\n",
                                                      encoding="utf-8")
    rows = read_rows("statuses.csv")  # the cache follows the folder's files
    spellings = {r["raw"]: r["status_code"] for r in rows}
    assert spellings["Đã duyệt xong"] == "10"
    assert spellings["da tra ket qua"] == "9" and "Đã trả kết quả" not in spellings  # same key, folded: replaced
    assert len(rows) == len(bundled) + 1


def test_settings_follow_an_edit_of_the_folder(tmp_path):
    use(tmp_path / "cchc.duckdb")
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "settings.toml"
    path.write_text("[late]\ndue_soon_working_days = 4\n")
    assert settings().late.due_soon_working_days == 4
    path.write_text("[late]\ndue_soon_working_days = 5\n# edited\n")
    assert settings().late.due_soon_working_days == 5
    assert settings().late.min_resolved_to_rank == 20  # keys not written keep their default
