"""The search page at / in a real browser: Debian's headless Chromium driven by Selenium.

Chromium and chromedriver are Debian's (`chromium`, `chromium-driver`); the Service path is given, so
Selenium Manager downloads nothing. Non-loopback traffic is sent to a closed local proxy port, so the page
cannot depend on anything outside the server.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import COLLECTION, REPO, GlossaServer, unavailable

CHROMIUM = os.environ.get("GLOSSA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GLOSSA_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOT = REPO / "Benchmarks" / "results" / "serve-search-page.png"
WAIT = 30  # seconds for any one thing on the page

RUSSIAN_IDS = {"ru-baikal", "ru-gagarin", "ru-mendeleev"}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            unavailable(f"{path} is missing (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=en-US",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--no-pings",
        # Anything not on the loopback address goes to a closed local port and fails.
        "--proxy-server=http://127.0.0.1:9",
    ):
        options.add_argument(argument)
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser: webdriver.Chrome, server: GlossaServer) -> None:
    browser.get(f"{server.url}/")
    wait = WebDriverWait(browser, WAIT)
    for element_id in ("collection", "query", "filter-key", "filter-value", "search", "hits", "status"):
        wait.until(EC.presence_of_element_located((By.ID, element_id)), f"#{element_id} is not on the page")
    # The collection list is filled in from the server.
    wait.until(
        lambda driver: any(
            COLLECTION in (option.get_attribute("value") or "", option.text)
            for option in driver.find_elements(By.CSS_SELECTOR, "#collection option")
        ),
        f"#collection never offered {COLLECTION!r}",
    )


def choose_collection(browser: webdriver.Chrome, name: str) -> None:
    select = Select(browser.find_element(By.ID, "collection"))
    values = [option.get_attribute("value") for option in select.options]
    if name in values:
        select.select_by_value(name)
    else:
        select.select_by_visible_text(name)


def fill(browser: webdriver.Chrome, element_id: str, text: str) -> None:
    element = browser.find_element(By.ID, element_id)
    element.clear()
    if text:
        element.send_keys(text)
    assert element.get_attribute("value") == text, (element_id, element.get_attribute("value"))


def search(
    browser: webdriver.Chrome, query: str, filter_key: str = "", filter_value: str = "", collection: str = COLLECTION
) -> list[dict]:
    """Type the query (and filter), click #search, wait for fresh .hit elements and read them."""
    choose_collection(browser, collection)
    fill(browser, "query", query)
    fill(browser, "filter-key", filter_key)
    fill(browser, "filter-value", filter_value)
    old = browser.find_elements(By.CSS_SELECTOR, "#hits .hit")
    browser.find_element(By.ID, "search").click()
    wait = WebDriverWait(browser, WAIT)
    try:
        if old:
            wait.until(EC.staleness_of(old[0]))
        wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#hits .hit"))
    except TimeoutException:
        status = browser.find_element(By.ID, "status").text
        pytest.fail(f"no fresh .hit elements {WAIT} s after clicking #search for {query!r}; #status says {status!r}")
    return [read_hit(element) for element in browser.find_elements(By.CSS_SELECTOR, "#hits .hit")]


def read_hit(element: WebElement) -> dict:
    def part(name: str) -> str:
        found = element.find_elements(By.CSS_SELECTOR, f".{name}")
        assert found, f"a .hit without .{name}: {element.get_attribute('outerHTML')[:500]}"
        return found[0].text.strip()

    return {
        "id": part("hit-id"),
        "title": part("hit-title"),
        "score": part("hit-score"),
        "text": part("hit-text"),
        "metadata": part("hit-metadata"),
    }


def metadata_lang(rendered: str) -> str | None:
    """The lang value shown in .hit-metadata, whether the page renders JSON or `key: value` pairs."""
    try:
        value = json.loads(rendered)
        if isinstance(value, dict):
            return value.get("lang")
    except json.JSONDecodeError:
        pass
    match = re.search(r"\blang\b\W{0,4}([A-Za-z-]+)", rendered)
    return match.group(1) if match else None


def loaded_from_outside(browser: webdriver.Chrome, server: GlossaServer) -> list[str]:
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [name for name in names if not name.startswith(server.url) and not name.startswith("data:")]


def test_german_query_finds_the_eiffel_tower(browser: webdriver.Chrome, server: GlossaServer) -> None:
    open_page(browser, server)
    hits = search(browser, "Wann wurde der Eiffelturm fertiggestellt?")
    assert hits[0]["id"] == "en-eiffel", [hit["id"] for hit in hits]
    assert hits[0]["title"] == "Eiffel Tower", hits[0]
    assert "1889" in hits[0]["text"], hits[0]
    assert re.search(r"\d\.\d", hits[0]["score"]), f"score not shown as a number: {hits[0]['score']!r}"
    assert len({hit["id"] for hit in hits}) == len(hits), "a hit is shown twice"
    assert loaded_from_outside(browser, server) == []
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT)), f"could not write {SCREENSHOT}"
    assert SCREENSHOT.stat().st_size > 10_000


def test_metadata_filter_lang_ru(browser: webdriver.Chrome, server: GlossaServer) -> None:
    open_page(browser, server)
    hits = search(browser, "Wer war der erste Mensch im Weltraum?", "lang", "ru")
    assert hits, "no hits with lang=ru"
    assert hits[0]["id"] == "ru-gagarin", [hit["id"] for hit in hits]
    for hit in hits:
        assert hit["id"] in RUSSIAN_IDS, f"{hit['id']} is not a Russian passage"
        assert metadata_lang(hit["metadata"]) == "ru", f"{hit['id']}: .hit-metadata says {hit['metadata']!r}"


def test_filter_cleared_searches_everything_again(browser: webdriver.Chrome, server: GlossaServer) -> None:
    open_page(browser, server)
    search(browser, "Wer war der erste Mensch im Weltraum?", "lang", "ru")
    hits = search(browser, "富士山の高さは？")
    assert hits[0]["id"] == "ja-fuji", [hit["id"] for hit in hits]
    langs = {metadata_lang(hit["metadata"]) for hit in hits}
    assert len(langs) > 1, f"without a filter the hits should span languages: {langs}"


def test_page_with_api_keys(browser: webdriver.Chrome, auth_server: GlossaServer) -> None:
    """With keys, the page loads but the API answers 401 until a key is typed into #api-key."""
    from selenium.webdriver.common.keys import Keys

    from conftest import READ_ONLY_KEY

    browser.get(f"{auth_server.url}/")
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda driver: driver.find_element(By.ID, "status").text.strip(), "#status never said why nothing loaded")
    assert not browser.find_elements(By.CSS_SELECTOR, "#collection option")
    key = browser.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(READ_ONLY_KEY, Keys.TAB)  # the page reloads the collections when the key changes
    wait.until(
        lambda driver: any(
            option.get_attribute("value") == COLLECTION
            for option in driver.find_elements(By.CSS_SELECTOR, "#collection option")
        ),
        "the collections did not load after the read-only key was typed",
    )
    hits = search(browser, "Wann wurde der Eiffelturm fertiggestellt?")
    assert hits[0]["id"] == "en-eiffel", [hit["id"] for hit in hits]
    browser.execute_script("localStorage.clear()")


def test_document_html_is_shown_as_text(browser: webdriver.Chrome, server: GlossaServer) -> None:
    """Titles, texts and metadata are data: markup in them is shown, never run."""
    title = '<img src=x onerror="window.__glossa_xss = 1"><b>Fett</b>'
    text = 'Der <script>window.__glossa_xss = 2</script> Eiffelturm & "Paris" <i>1889</i>'
    if server.get("/collections/markup").status_code == 404:
        server.create_collection(
            "markup", [{"id": "html-1", "title": title, "text": text, "metadata": {"note": "<u>x</u>"}}]
        )
    open_page(browser, server)
    hits = search(browser, "Eiffelturm", collection="markup")
    assert hits[0]["title"] == title and hits[0]["text"] == text, hits[0]
    assert "<u>x</u>" in hits[0]["metadata"], hits[0]
    assert browser.execute_script("return window.__glossa_xss === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#hits b, #hits i, #hits img, #hits script, #hits u")
