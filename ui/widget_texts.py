"""UI: Vietnamese for the texts Streamlit's widgets draw themselves, in English, with no parameter
to change them and no locale setting (Streamlit 1.67: st.file_uploader's button "Upload", its line
"200MB per file • XLSX" and, while a file is dragged over it, "Drag and drop files here").

The frame injects one style sheet (st.html with only a <style> takes no room on the page): each
English text is drawn at font size 0 and a Vietnamese one is drawn after it (CSS generated
content, which the browser shows and reads out to screen readers). Selectors use Streamlit's
data-testid attributes and the element structure under them, not its generated class names.
"""
from __future__ import annotations

import streamlit as st

from core import format as fmt
from core.settings import settings

UPLOAD_BUTTON = "Chọn tệp"
DROP_HERE = "Thả tệp vào đây"


def upload_limit_mb() -> float:
    """The largest file an upload accepts: the data desk's limit (settings.toml [upload]), within
    Streamlit's own cap (server.maxUploadSize), which the browser enforces first."""
    return min(settings().upload.max_file_mb, float(st.get_option("server.maxUploadSize")))


def instructions() -> str:
    return f"Kéo thả tệp vào đây hoặc bấm «{UPLOAD_BUTTON}» · tối đa {fmt.number(upload_limit_mb())} MB mỗi tệp"


def _css_text(text: str) -> str:
    """A CSS string literal (content: "…"): quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def style_sheet() -> str:
    zone = '[data-testid="stFileUploaderDropzone"]'
    replaced = (
        # the button's label (a markdown paragraph inside the dropzone's button)
        (f'{zone} button [data-testid="stMarkdownContainer"] p', UPLOAD_BUTTON, "0.875rem"),
        # the limits line
        ('[data-testid="stFileUploaderDropzoneInstructions"] span', instructions(), "0.875rem"),
        # the overlay shown while a file is dragged over the zone (the zone's only child div without a test id)
        (f"{zone} > div:not([data-testid]) span", DROP_HERE, "0.875rem"),
    )
    rules = []
    for selector, text, size in replaced:
        rules.append(f"{selector} {{ font-size: 0 !important; }}")
        rules.append(f"{selector}::after {{ content: {_css_text(text)}; font-size: {size}; }}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def vietnamese_widget_texts() -> None:
    """Put the style sheet on the page (the frame calls this once per run)."""
    st.html(style_sheet())
