"""Test support for the app: a demo database built through the real pipeline, AppTest runners, a real server."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_TODAY = date(2026, 11, 20)  # fixed so figures are reproducible; a Friday
DEMO_SCALE = 0.03
PINNED_TODAY = date(2026, 11, 21)  # the app's "today" in tests: the last complete week is 09–15/11
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}


def new_page(browser, **options):
    """A Vietnamese-locale page of the usual desktop size in `browser` (the `browser` fixture)."""
    return browser.new_page(viewport=VIEWPORT, locale="vi-VN", **options)


# True once the page has been quiet for `quiet` ms: no running script (the status widget, shown only
# after half a second of running), no element still marked stale by a rerun, no skeleton standing in
# for an element whose code is still loading (a metric's help, a dataframe), every Plotly chart drawn. A fixed pause is not enough on a busy
# machine: the script may not have started its rerun (or its queries) when the pause ends.
_QUIET = """quiet => {
    const busy = document.querySelector('[data-testid="stStatusWidget"]')
        || document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')
        || [...document.querySelectorAll('[data-testid=stPlotlyChart]')].some(c => !c.querySelector('.main-svg'));
    const now = Date.now();
    if (busy || window.__cchcQuietSince === undefined) window.__cchcQuietSince = now;
    return !busy && now - window.__cchcQuietSince >= quiet;
}"""


def settle(page, quiet: int = 1_000, timeout: int = 90_000) -> None:
    """Wait until Streamlit has finished the run (and any rerun it triggers) and the charts have drawn;
    fail on an exception shown on the page."""
    page.evaluate("() => { delete window.__cchcQuietSince; }")
    page.wait_for_function(_QUIET, arg=quiet, timeout=timeout, polling=100)
    assert page.locator("[data-testid='stException']").count() == 0


DASHBOARD = str(ROOT / "dashboard.py")
# What a browser on the server sends when it opens the app at http://127.0.0.1:8501.
LOCAL_BROWSER = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}


class BrowserConnection:
    """Stands in for Streamlit's client context (the browser's WebSocket handshake: headers and the
    TCP peer address), which AppTest does not have."""

    def __init__(self, remote_ip: str | None, headers: dict[str, str] | None = None):
        self.remote_ip = remote_ip
        self.headers = list((headers or {}).items())
        self.cookies: dict[str, str] = {}


def connect_from(monkeypatch, connection: BrowserConnection | None) -> None:
    """Run AppTest as if this browser connection opened the app (None: the server has no client
    context for the session); st.context.ip_address and st.context.headers read it too."""
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: connection)


def new_app(params: dict | None = None, timeout: float = 60):
    """The dashboard under AppTest, not run yet, with `params` in its address."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(DASHBOARD, default_timeout=timeout)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    return app


def open_app(params: dict | None = None, page: str | None = None, timeout: float = 60):
    """Run the frame, then switch to `page` if given: the frame (dashboard.py) must run first, it registers
    the pages (st.navigation) and sets the viewer's scope. The environment is the caller's."""
    app = new_app(params, timeout).run()
    return app.switch_page(page).run() if page else app


def run_app(monkeypatch, db: Path, page: str | None = None, params: dict | None = None, timeout: float = 60):
    """`open_app` reading `db`, with the app's today pinned to PINNED_TODAY."""
    monkeypatch.setenv("CCHC_DB", str(db))
    monkeypatch.setenv("CCHC_TODAY", PINNED_TODAY.isoformat())
    return open_app(params, page, timeout)


def metrics(app) -> dict[str, str]:
    """The metric cards drawn: label → value as shown."""
    return {m.label: m.value for m in app.metric}


def chart_titles(app) -> list[str]:
    """The titles of the Plotly charts drawn, in order."""
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]


def build_demo_db(folder: Path) -> Path:
    from etl.demo_build import build_demo

    db = folder / "cchc.duckdb"
    reports = build_demo(db, today=DEMO_TODAY, scale=DEMO_SCALE)
    failed = [r for r in reports if r.status == "failed"]
    assert not failed, [r.summary() for r in failed]
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(db: Path, address: str | None = "127.0.0.1", port: int | None = None):
    """`streamlit run dashboard.py` (through ui.server) on a free port, listening on `address` (None:
    the launcher decides), reading `db`; yields its base URL, always reached through 127.0.0.1."""
    port = port or free_port()
    env = {**os.environ, "CCHC_DB": str(db), "CCHC_TODAY": PINNED_TODAY.isoformat()}
    command = [sys.executable, "-m", "ui.server", "run", "dashboard.py", "--server.headless", "true",
               *(["--server.address", address] if address else []), "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not start: " + process.stdout.read1().decode(errors="replace"))
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- st.dataframe in a real browser -------------------------------------------------------------------
# The grid is drawn on a canvas; glide-data-grid mirrors it in a hidden accessible table whose cells
# (td[aria-colindex]) hold the *values* (1153, not the 1.153 drawn) of the rows in view, in the order
# shown, and mark the focused cell aria-selected. Row 0 sits under a header of about 35 px.
GRID_HEADER_Y, GRID_ROW_Y = 18, 52


def grid_column_values(grid, colindex: int) -> list[str]:
    """The values of one column (1-based) for the rows in view, top to bottom."""
    return grid.locator(f"td[aria-colindex='{colindex}']").all_inner_texts()


def grid_column_x(page, grid, colindex: int, step: int = 30) -> float:
    """The page x of the middle of a column: click along the first row and watch which cell is focused.
    Escape after each click clears the focus: a click on the cell already focused would open its
    overlay, which takes the next clicks."""
    box = grid.bounding_box()
    hits = []
    for x in range(8, int(box["width"]) - 4, step):
        page.mouse.click(box["x"] + x, box["y"] + GRID_ROW_Y)
        page.wait_for_timeout(350)
        focused = grid.locator("td[aria-selected='true']")
        if focused.count() and focused.first.get_attribute("aria-colindex") == str(colindex):
            hits.append(box["x"] + x)
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
    assert hits, f"column {colindex} not found in the grid"
    return sum(hits) / len(hits)


def sort_grid_by(page, grid, colindex: int) -> None:
    """Click a column's header (sorts ascending; a second click sorts descending)."""
    x = grid_column_x(page, grid, colindex)
    page.mouse.click(x, grid.bounding_box()["y"] + GRID_HEADER_Y)
    page.wait_for_timeout(600)
