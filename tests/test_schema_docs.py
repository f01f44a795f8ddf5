"""The declared schema is what the database has, and the README documents every column."""
from pathlib import Path

import duckdb

from etl.load import load_files
from etl.schema import documented_columns, markdown

ROOT = Path(__file__).resolve().parent.parent


def test_views_have_exactly_the_declared_columns(tmp_path):
    export = tmp_path / "one.csv"
    export.write_text("Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái\n"
                      "X1,Phường Hải Châu,02/11/2026,05/11/2026,Đang xử lý\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    load_files([export], db)
    con = duckdb.connect(str(db), read_only=True)
    for name, columns in documented_columns().items():
        actual = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
        assert actual == [c.name for c in columns], name


def test_readme_sql_surface_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown() in readme, "run: .venv/bin/python tools/schema_doc.py"


def test_every_column_has_a_description():
    for name, columns in documented_columns().items():
        for column in columns:
            assert column.doc and column.label is not None, f"{name}.{column.name} has no description"
