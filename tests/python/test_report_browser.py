"""The HTML report as a reader sees it: opened in headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by selenium) at a 1200 px window, in English and in Danish.

Skipped, with the reason, where Chromium is not installed; under CI (`CI=true`, set by .ci/run,
which installs both packages) a missing browser is a failure instead.
"""

from __future__ import annotations

import base64
import copy
import io
import re
import shutil

import pytest
from conftest import TINY, unavailable

import tvaer

WIDTH = 1200


def _unavailable(reason: str) -> None:
    unavailable(reason, ".ci/run installs chromium and chromium-driver")


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        _unavailable("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install selenium, or .[test])")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},900"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    b = webdriver.Chrome(options=options, service=Service(driver))
    yield b
    b.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    # The tiny scenario whose solution changes nothing but adds 12 FTE at 1,000,000 DKK a year
    # (children's budget): 12,000 thousand DKK more a year in the tables, 1,200,000 DKK per
    # family-year (10 places always full), 24 mio. DKK over the 24 months.
    data = copy.deepcopy(TINY)
    data["interventions"] = []
    data["organisation"] = {"staff_fte": 12, "salary_per_fte_year": 1_000_000.0, "salary_key": {"children": 1.0}}
    data["uncertain"] = {"organisation.staff_fte": {"low": 10, "high": 14.5}}
    res = tvaer.simulate(tvaer.Scenario(data), replications=8, seed=3, progress=False)
    folder = tmp_path_factory.mktemp("pages")
    # Helsingør's budget table is the widest a shipped scenario writes: an efficiency requirement
    # column beside the rest, and in Danish the longest headers (effektiviseringskrav).
    wide = tvaer.simulate(tvaer.default_scenario("helsingoer"), replications=3, seed=1, progress=False)
    return {"en": tvaer.write_report(res, folder / "en.html"),
            "da": tvaer.write_report(res, folder / "da.html", lang="da", start_year=2027),
            "helsingoer-en": tvaer.write_report(wide, folder / "helsingoer-en.html"),
            "helsingoer-da": tvaer.write_report(wide, folder / "helsingoer-da.html", lang="da")}


def _open(browser, path: str) -> None:
    browser.set_window_size(WIDTH, 900)
    browser.get_log("browser")  # what an earlier page said is not this page's
    browser.get("file://" + path)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_page_loads_without_console_errors(browser, pages, lang):
    _open(browser, pages[lang])
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "tvaer: tiny"
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_chart_is_a_decodable_png_that_is_not_blank(browser, pages, lang):
    from PIL import Image

    _open(browser, pages[lang])
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight, "
        "i.getBoundingClientRect().right, i.src])")
    assert len(images) == 4
    page_width = browser.execute_script("return document.documentElement.clientWidth")
    for complete, width, height, right, src in images:
        assert complete and width > 0 and height > 0
        assert right <= page_width  # not cut off at the right
        head, data = src.split(",", 1)
        assert head == "data:image/png;base64"
        png = Image.open(io.BytesIO(base64.b64decode(data)))
        assert png.format == "PNG" and png.size == (width, height)
        lo, hi = png.convert("L").getextrema()
        assert hi - lo > 100  # ink on paper: not one colour


@pytest.mark.parametrize("lang", ["en", "da", "helsingoer-en", "helsingoer-da"])
def test_no_table_is_wider_than_the_page(browser, pages, lang):
    _open(browser, pages[lang])
    page_width = browser.execute_script("return document.documentElement.clientWidth")
    tables = browser.execute_script(
        "return Array.from(document.querySelectorAll('table')).map(t => [t.scrollWidth, "
        "t.getBoundingClientRect().right])")
    assert len(tables) == 3
    for scroll_width, right in tables:
        assert scroll_width <= page_width and right <= page_width, (scroll_width, right, page_width)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= page_width


def test_the_danish_page_writes_numbers_the_danish_way(browser, pages):
    _open(browser, pages["da"])
    text = browser.find_element("tag name", "body").text
    # 12,000 thousand DKK a year in the tables, 12,000,000 / 10 = 1,200,000 DKK per family-year
    assert re.search(rf"(?m)^2027 .*\b{'12.000'}\b", text.replace("\u00a0", " ")), text
    assert "1.200.000 kr. pr. familieår" in text
    assert "24,0 mio. kr." in text and "(1.000 kr.)" in text
    assert "Beskæftigelse" in text and "Børn og unge" in text and "I alt" in text
    assert "uniform (low 10, high 14,5)" in text
    # thousands by a dot, decimals by a comma: no English grouping or decimal point in a number
    assert re.findall(r"\d{1,3}(?:\.\d{3})+(?!\d)", text)
    assert not re.search(r"\d,\d{3}(?!\d)", text), re.search(r".{30}\d,\d{3}(?!\d).{30}", text)
    assert not re.search(r"\b\d+\.\d{1,2}\b(?! ?[a-zA-Z])", text.replace("tvaer.", ""))
    assert "year" not in text and "mio. DKK" not in text


def test_the_english_page_uses_one_grouping_for_every_number(browser, pages):
    _open(browser, pages["en"])
    text = browser.find_element("tag name", "body").text
    assert "1,200,000 DKK per family-year" in text and re.search(r"(?m)^year 1 .*\b12,000\b", text), text
    assert "\u202f" not in text and not re.search(r"\d\.\d{3}(?!\d)", text)
