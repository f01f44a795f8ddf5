"""Real browser (Debian's Chromium via Playwright) on the briefing: the landing page's own path opens
with no English dialog, a quarter reads as quarters, the page fits a phone (a screenshot is kept
in tests/artifacts/, git-ignored), and the upload widget speaks Vietnamese."""
import re
from pathlib import Path

import pytest

from tests.app_support import new_page, settle, streamlit_server
from ui.briefing_view import NUMBER_PX, OVERDUE_PX, UNIT_PX
from ui.widget_texts import UPLOAD_BUTTON

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 390, "height": 844}
TEXTS = "nodes => nodes.map(n => n.textContent)"  # SVG text has no innerText


@pytest.fixture(scope="module")
def server(demo_db):
    with streamlit_server(demo_db) as url:
        yield url



def no_english_dialog(page) -> None:
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("dialog").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def test_the_landing_pages_own_path_opens_without_a_dialog(browser, demo_db):
    # A fresh server, and /giao-ban as its very first request: the case that drew Streamlit's
    # English "Page not found" dialog over the briefing.
    with streamlit_server(demo_db) as url:
        page = new_page(browser)
        page.goto(f"{url}/giao-ban")
        page.get_by_role("heading", name="Giao ban tuần").wait_for(timeout=30_000)
        settle(page)
        no_english_dialog(page)
        # The same path with a view in the address keeps the view.
        page.goto(f"{url}/giao-ban?ky=month&tu=2026-10-01&den=2026-10-31")
        page.get_by_role("heading", name="Giao ban tháng").wait_for(timeout=30_000)
        settle(page)
        no_english_dialog(page)
        assert "ky=month" in page.url and "tu=2026-10-01" in page.url


def test_a_quarter_reads_as_quarters(browser, server):
    page = new_page(browser)
    page.goto(f"{server}/giao-ban?ky=quarter&tu=2026-07-01&den=2026-09-30")
    page.get_by_role("heading", name="Giao ban quý").wait_for(timeout=30_000)
    settle(page)
    no_english_dialog(page)
    # The menu keeps the page's name; the title, the caption and the sidebar's pick name the quarter.
    assert page.locator("[data-testid='stSidebarNav']").get_by_text("Giao ban tuần").count() == 1
    page.get_by_text("Quý 3/2026 · Toàn tỉnh").wait_for(timeout=10_000)
    picker = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Chọn kỳ")
    assert picker.locator("input").input_value() == "Quý 3/2026"
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has_text="Tiếp nhận và giải quyết theo quý")
    ticks = chart.locator(".xtick text").evaluate_all(TEXTS)
    assert ticks and all(re.fullmatch(r"Quý [1-4]/20\d\d", t) for t in ticks), ticks
    assert ticks[-1] == "Quý 3/2026" and len(ticks) < 12  # from the first quarter loaded, none empty before it
    # The count axis: whole numbers, each once (not '0 1 1 2 2', not '0,5').
    values = chart.locator("g.ytick text").evaluate_all(TEXTS)  # the count axis (the rate's is g.y2tick)
    assert values and all(re.fullmatch(r"\d{1,3}(\.\d{3})*", v) for v in values), values
    assert len(set(values)) == len(values)


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


CLIPPED = """charts => charts.map(chart => {
    const box = r => { const b = r.getBoundingClientRect(); return {x: b.x, y: b.y, width: b.width, height: b.height}; };
    const svg = chart.querySelector('.main-svg');
    const parts = [...chart.querySelectorAll('.gtitle, .gtitle-subtitle, .xtick text, .ytick text, .y2tick text, .legendtext')];
    return {svg: box(svg), parts: parts.map(p => ({text: p.textContent, box: box(p)}))};
})"""


def test_the_briefing_fits_a_phone(browser, server):
    page = new_page(browser)
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/giao-ban")
    page.get_by_role("heading", name="Giao ban tuần").wait_for(timeout=30_000)
    settle(page)
    no_english_dialog(page)
    # Cards stack: one per row, each within the screen.
    page.locator("[data-testid='stMetric']").nth(7).wait_for(timeout=30_000)
    cards = [m.bounding_box() for m in page.locator("[data-testid='stMetric']").all()]
    assert len(cards) == 8
    assert all(c["x"] >= 0 and c["x"] + c["width"] <= PHONE["width"] for c in cards)
    assert all(b["y"] >= a["y"] + a["height"] for a, b in zip(cards, cards[1:])), "cards side by side"
    # Chart titles, axis labels and legends are inside their chart.
    charts = page.locator("[data-testid='stPlotlyChart']").evaluate_all(CLIPPED)
    assert charts
    for chart in charts:
        assert chart["svg"]["x"] >= 0 and chart["svg"]["x"] + chart["svg"]["width"] <= PHONE["width"]
        out = [p["text"] for p in chart["parts"] if p["text"] and not inside(p["box"], chart["svg"])]
        assert not out, f"clipped: {out}"
    # The attention table: its first columns are the ones to act on, and together they fit the
    # table's width on the phone (the remaining columns follow on a swipe).
    table = page.locator("[data-testid='stDataFrame']").first
    table.scroll_into_view_if_needed()
    headers = table.evaluate("e => [...e.querySelectorAll('[role=columnheader]')].map(h => h.innerText)")
    assert headers[:4] == ["Đơn vị", "Quá hạn", "Chưa xin lỗi", "Sắp đến hạn"]
    width = table.bounding_box()["width"]
    assert UNIT_PX + OVERDUE_PX + 2 * NUMBER_PX <= width <= PHONE["width"]
    # The whole page at phone width, kept for a person to look at.
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => (document.querySelector('[data-testid=stMain]') ||"
                           " document.querySelector('[data-testid=stAppViewContainer]')).scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": height + 100})
    settle(page)
    target = ARTIFACTS / "briefing_phone.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 50_000


def test_the_upload_widget_speaks_vietnamese(browser, server):
    page = new_page(browser)
    page.goto(f"{server}/du-lieu")
    zone = page.locator("[data-testid='stFileUploaderDropzone']")
    zone.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    label = zone.locator("button [data-testid='stMarkdownContainer'] p")
    limits = page.locator("[data-testid='stFileUploaderDropzoneInstructions'] span").first
    # Streamlit's English stays in the DOM but is drawn at size 0; the Vietnamese is what shows.
    for element in (label, limits):
        assert element.evaluate("e => getComputedStyle(e).fontSize") == "0px"
        assert float(element.evaluate("e => parseFloat(getComputedStyle(e, '::after').fontSize)")) > 10
    assert label.evaluate("e => getComputedStyle(e, '::after').content") == f'"{UPLOAD_BUTTON}"'
    shown = limits.evaluate("e => getComputedStyle(e, '::after').content")
    assert "tối đa 200 MB mỗi tệp" in shown and "per file" not in shown
    # While a file is dragged over the zone, its overlay says so in Vietnamese too.
    page.evaluate("""() => {
        const zone = document.querySelector('[data-testid=stFileUploaderDropzone]');
        const data = new DataTransfer();
        data.items.add(new File(['x'], 'hoso.csv', {type: 'text/csv'}));
        zone.dispatchEvent(new DragEvent('dragenter', {bubbles: true, dataTransfer: data}));
    }""")
    overlay = zone.locator(":scope > div:not([data-testid]) span").first
    overlay.wait_for(timeout=5_000)
    assert overlay.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    assert overlay.evaluate("e => getComputedStyle(e, '::after').content") == '"Thả tệp vào đây"'
    ARTIFACTS.mkdir(exist_ok=True)
    zone.screenshot(path=str(ARTIFACTS / "upload_dragging.png"))
