"""Dev tool: rewrite the README's SQL-surface section from etl/schema.py (a test checks it is current).

    .venv/bin/python tools/schema_doc.py
"""
from pathlib import Path

from etl.schema import markdown

START, END = "<!-- schema:start -->", "<!-- schema:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{markdown()}{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
