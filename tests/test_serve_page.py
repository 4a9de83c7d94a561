"""The search page of `searchkit serve` in a real browser: Debian's Chromium, driven
headless by Playwright (never a browser Playwright downloads). A user types Vietnamese
with and without diacritics, reads highlighted results, opens a document, filters by
date, pages, goes Back, shares a URL; a Vietnamese input method composes syllables;
a hostile title stays text; the page fits 360 px and works from the keyboard alone.
What the page shows is compared with what the API answers, not with answers written here.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import shutil
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from helpers import CORPUS, Server, passages, start_server
from playwright.sync_api import Browser, Error, Page, Route, expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_SIZE = 10
# The passages of the demo articles indexed as JSON Lines records, one every five days
# from this day on (2024-01-01 … 2026-01), so that a date filter has something to cut.
FIRST_DAY = datetime.date(2024, 1, 1)
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
# The emoji (two UTF-16 units each, one code point) come before the matches: the page
# must turn the API's code point offsets into JavaScript's string offsets.
HOSTILE_TEXT = (
    '🚓🚨 Thử nghiệm xss: <script>window.pwned = "script"</script> <img src=y onerror="window.pwned = \'img\'"> '
    "hội thảo về an toàn thông tin của công an"
)
# A file name with markup in it (legal on Linux), shown as the path of its document.
HOSTILE_FILE = '"><svg onload=alert(3)>.txt'
LONG_WORD = "Siêudàikhôngngắtdòng" * 12
COPIED = "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt"

# Each rendered hit as data: what a reader sees of it.
SHOWN_HITS = """() => [...document.querySelectorAll('#results .hit')].map((hit) => ({
  rank: Number(hit.dataset.rank),
  title: hit.querySelector('.hit-link').textContent,
  path: hit.querySelector('.meta .path').textContent,
  date: hit.querySelector('.meta time')?.dateTime ?? null,
  file_date: Boolean(hit.querySelector('.meta .file-date')),
  snippet: hit.querySelector('.snippet').textContent,
  marks: [...hit.querySelectorAll('.snippet mark')].map((mark) => mark.textContent),
  also_at: [...hit.querySelectorAll('.also-at .path')].map((path) => path.textContent),
}))"""
SHOWN_DOCUMENT = """() => ({
  title: document.getElementById('document-title').textContent,
  path: document.getElementById('document-path').textContent,
  date: document.querySelector('#document-date time')?.dateTime ?? null,
  text: document.getElementById('document-text').textContent,
  marks: [...document.querySelectorAll('#document-text mark')].map((mark) => mark.textContent),
})"""
FITS_WIDTH = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"

# A slow CI machine may take longer than Playwright's 5 s to draw an answer.
expect.set_options(timeout=15_000)


@dataclass
class Site:
    """A folder of Vietnamese documents, its index, and `searchkit serve` of it."""

    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    def page_url(self, **params: str) -> str:
        return self.url + ("?" + urlencode(params) if params else "")

    def search(self, q: str, **params: str) -> dict[str, Any]:
        status, answer = self.server.json("/api/search", {"q": q, "limit": str(PAGE_SIZE), **params})
        assert status == 200, answer
        return answer

    def document(self, path: str, q: str) -> dict[str, Any]:
        status, answer = self.server.json("/api/document", {"path": path, "q": q})
        assert status == 200, answer
        return answer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo articles, passages of them as dated JSON Lines records, a document with
    markup for a title, text and path, and one with a very long title and path: indexed,
    and served from the folder above them (paths are shown as `site/...`)."""
    from searchkit.indexing import index_sources

    root = tmp_path_factory.mktemp("page")
    folder = root / "site"
    folder.mkdir()
    for article in CORPUS.glob("*.txt"):
        shutil.copyfile(article, folder / article.name)
    # A copy of one article elsewhere: one hit, "also at" the other file.
    (folder / "ban-sao").mkdir()
    shutil.copyfile(CORPUS / COPIED, folder / "ban-sao" / COPIED)
    records = [
        {"id": f"p{i:03d}", "title": p.title, "text": p.text, "date": str(FIRST_DAY + datetime.timedelta(days=5 * i))}
        for i, p in enumerate(passages(1200)[::8])
    ]
    records.append({"id": "<b>in đậm</b>", "title": HOSTILE_TITLE, "text": HOSTILE_TEXT, "date": "2025-06-01"})
    records.append(
        {"id": "x" * 200, "title": f"Tiêu đề {LONG_WORD}", "text": f"🚓🚨 {LONG_WORD} công an", "date": "2025-06-02"}
    )
    (folder / "bai-bao.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    (folder / HOSTILE_FILE).write_text(f"{HOSTILE_TITLE}\n\n{HOSTILE_TEXT}\n", encoding="utf-8")
    index_dir = root / "index"
    report = index_sources([folder], index_dir)
    assert report.indexed == len(records) + 7
    server = start_server(index_dir, cwd=root)
    yield Site(server)
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the session. Skipped where it is not installed,
    except in CI (CI=true), where that is a failure."""
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (the search page is tested in Debian's chromium package)"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that no page should: script errors and dialogs (alert())."""

    errors: list[str]
    dialogs: list[str]


@pytest.fixture
def watch() -> Watch:
    return Watch([], [])


@pytest.fixture
def open_page(browser: Browser, watch: Watch) -> Iterator[Callable[..., Page]]:
    """A new page in a fresh browser context (no history, no storage), at `width` px
    with the browser's language `locale`; the test fails if a script error or a
    dialog happened in it."""
    contexts = []

    def open_page(
        *, locale: str = "vi-VN", width: int = 1280, height: int = 900, scheme: Literal["light", "dark"] = "light"
    ) -> Page:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: watch.errors.append(str(error)))

        def dialog(shown: Any) -> None:
            watch.dialogs.append(shown.message)
            shown.dismiss()

        page.on("dialog", dialog)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert watch.errors == []
    assert watch.dialogs == []


# ---- what the page shows, against what the API answers -----------------------------------


def expected_hits(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits of an API answer as the page must show them: each highlight the text
    of its code point offsets (a Python slice counts code points, as the API does)."""
    return [
        {
            "rank": hit["rank"],
            "title": hit["title"],
            "path": hit["path"],
            "date": hit["date"],
            "file_date": hit["date_source"] == "file",
            "snippet": hit["snippet"],
            "marks": [hit["snippet"][start:end] for start, end in hit["highlights"]],
            "also_at": hit.get("also_at", []),
        }
        for hit in answer["hits"]
    ]


def shows_hits(page: Page, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Wait until the page lists the hits of `answer`; then what it shows of them,
    which must be what the API says, highlight for highlight."""
    expect(page.locator("#results .hit .meta .path")).to_have_text([hit["path"] for hit in answer["hits"]])
    shown = page.evaluate(SHOWN_HITS)
    assert shown == expected_hits(answer)
    return shown


def shows_document(page: Page, record: dict[str, Any]) -> dict[str, Any]:
    """Wait until the page shows the document `record` (from the API), every match of
    the query marked; and what it shows."""
    expect(page.locator("#document-title")).to_have_text(record["title"])
    shown = page.evaluate(SHOWN_DOCUMENT)
    assert shown == {
        "title": record["title"],
        "path": record["path"],
        "date": record["date"],
        "text": record["text"],
        "marks": [record["text"][start:end] for start, end in record["highlights"]],
    }
    return shown


def url_state(page: Page) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}


# ---- searching as you type ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["công an", "cong an"])
def test_typing_a_query_with_or_without_diacritics_shows_its_highlighted_results(
    site: Site, open_page: Callable[..., Page], typed: str
) -> None:
    answer = site.search(typed)
    assert answer["count"] > 2 * PAGE_SIZE and all(hit["highlights"] for hit in answer["hits"])
    page = open_page()
    page.goto(site.url)
    page.locator("#q").press_sequentially(typed, delay=20)

    shown = shows_hits(page, answer)
    assert all(mark.casefold() == "công an" for hit in shown for mark in hit["marks"])
    expect(page.locator("#status")).to_contain_text(f"{answer['count']} tài liệu")
    assert url_state(page) == {"q": typed}


def test_a_document_opened_from_the_results_has_every_match_marked(site: Site, open_page: Callable[..., Page]) -> None:
    query = "hội thảo quy chế"
    first = site.search(query)["hits"][0]
    record = site.document(first["path"], query)
    assert len(record["highlights"]) >= 10, "the test wants a document with many matches"
    page = open_page()
    page.goto(site.page_url(q=query))
    page.locator("#results .hit-link").first.click()

    shows_document(page, record)
    expect(page.locator("#document-matches")).to_contain_text(f"{len(record['highlights'])} chỗ khớp")
    assert url_state(page) == {"doc": first["path"], "q": query}


def test_a_date_filter_and_the_date_order_show_what_the_api_finds(site: Site, open_page: Callable[..., Page]) -> None:
    query = "công an"
    everything = site.search(query)
    filtered = site.search(query, since="2025-03", until="2025-04")
    # All on one page, to hold the date order against the filter's dates.
    assert 0 < filtered["count"] <= PAGE_SIZE < everything["count"]
    page = open_page()
    page.goto(site.url)
    page.locator("#q").press_sequentially(query, delay=20)
    shows_hits(page, everything)

    page.fill("#since", "2025-03")
    page.fill("#until", "2025-04")
    page.press("#until", "Enter")
    shown = shows_hits(page, filtered)
    assert all("2025-03-01" <= hit["date"] <= "2025-04-30" and not hit["file_date"] for hit in shown)
    expect(page.locator("#status")).to_contain_text(f"{filtered['count']} tài liệu")
    expect(page.locator("#left-out")).to_be_visible(visible=filtered["left_out_file_dated"] > 0)

    page.select_option("#sort", "date")
    newest_first = shows_hits(page, site.search(query, since="2025-03", until="2025-04", sort="date"))
    assert [hit["date"] for hit in newest_first] == sorted((hit["date"] for hit in shown), reverse=True)
    assert url_state(page) == {"q": query, "since": "2025-03", "until": "2025-04", "sort": "date"}


def test_paging_and_the_back_button(site: Site, open_page: Callable[..., Page]) -> None:
    query = "công an"
    first_page, second_page = site.search(query), site.search(query, offset=str(PAGE_SIZE))
    page = open_page()
    page.goto(site.url)
    page.locator("#q").press_sequentially(query, delay=20)
    shows_hits(page, first_page)

    page.click("#next")
    shown = shows_hits(page, second_page)
    assert [hit["rank"] for hit in shown] == list(range(11, 21))
    expect(page.locator("#page-of")).to_have_text(f"Trang 2/{math.ceil(first_page['count'] / PAGE_SIZE)}")
    assert url_state(page) == {"q": query, "page": "2"}

    page.locator("#results .hit-link").first.click()
    shows_document(page, site.document(second_page["hits"][0]["path"], query))

    page.go_back()
    shows_hits(page, second_page)
    # Back where they were: on the result they had opened.
    expect(page.locator("#results .hit-link").first).to_be_focused()
    page.go_back()
    shows_hits(page, first_page)
    assert url_state(page) == {"q": query}
    page.go_back()
    expect(page.locator("#home")).to_be_visible()
    expect(page.locator("#q")).to_have_value("")


def test_a_shared_url_shows_the_same_page(site: Site, open_page: Callable[..., Page]) -> None:
    query = "cong an"
    page = open_page()
    page.goto(site.url)
    page.locator("#q").press_sequentially(query, delay=20)
    page.select_option("#sort", "date")
    page.click("#next")
    shown = shows_hits(page, site.search(query, sort="date", offset=str(PAGE_SIZE)))
    shared_results = page.url
    page.locator("#results .hit-link").nth(2).click()
    expect(page.locator("#document-text mark").first).to_be_visible()
    shared_document = page.url
    document = page.evaluate(SHOWN_DOCUMENT)

    elsewhere = open_page(locale="en-US", width=360)
    elsewhere.goto(shared_results)
    expect(elsewhere.locator("#results .hit .meta .path")).to_have_text([hit["path"] for hit in shown])
    assert elsewhere.evaluate(SHOWN_HITS) == shown
    elsewhere.goto(shared_document)
    expect(elsewhere.locator("#document-title")).to_have_text(document["title"])
    assert elsewhere.evaluate(SHOWN_DOCUMENT) == document
    # Opened from a link, the document still leads back to its results page.
    elsewhere.click("#back")
    expect(elsewhere.locator("#results .hit .meta .path")).to_have_text([hit["path"] for hit in shown])
    assert elsewhere.url == shared_results


def test_a_document_in_several_files_is_one_result_that_names_the_copies(
    site: Site, open_page: Callable[..., Page]
) -> None:
    answer = site.search("TPO")
    copies = [hit for hit in answer["hits"] if hit.get("also_at")]
    assert [len(hit["also_at"]) for hit in copies] == [1]
    page = open_page(locale="en-US")
    page.goto(site.page_url(q="TPO"))
    shows_hits(page, answer)
    expect(page.locator(".also-at")).to_have_text(f"also at: {copies[0]['also_at'][0]}")


def test_a_wrong_tone_says_what_was_searched_instead_and_its_documents_show_the_matches(
    site: Site, open_page: Callable[..., Page]
) -> None:
    typed = "tọa đám"
    answer = site.search(typed)
    assert answer["searched"] is not None and answer["count"] > 0
    page = open_page(locale="en-US")
    page.goto(site.url)
    page.locator("#q").press_sequentially(typed, delay=20)
    shows_hits(page, answer)
    searched = answer["searched"]
    expect(page.locator("#searched")).to_have_text(
        f"Searched instead: {searched['query']} ({searched['reason']}). Search exactly as typed"
    )

    # The document API reads the query as typed; the page asks it for what was searched.
    page.locator("#results .hit-link").first.click()
    record = site.document(answer["hits"][0]["path"], searched["query"])
    assert record["highlights"]
    shows_document(page, record)


def test_did_you_mean_searches_the_suggestion(site: Site, open_page: Callable[..., Page]) -> None:
    typed = "coong an"  # Telex for "công an"
    answer = site.search(typed, exact="true")
    assert answer["count"] == 0 and answer["suggestion"]
    page = open_page(locale="en-US")
    page.goto(site.page_url(q=typed, exact="1"))
    expect(page.locator("#status")).to_have_text(f"No document matches “{typed}”.")
    expect(page.locator("#suggestion")).to_have_text(f"Did you mean: {answer['suggestion']}")

    page.click("#suggestion button")
    shows_hits(page, site.search(answer["suggestion"], exact="true"))
    assert url_state(page) == {"q": answer["suggestion"], "exact": "1"}
    expect(page.locator("#q")).to_have_value(answer["suggestion"])


def test_an_error_answer_shows_its_message(site: Site, open_page: Callable[..., Page]) -> None:
    status, answer = site.server.json("/api/search", {"q": "công an", "since": "tháng ba"})
    assert status == 400
    page = open_page(locale="en-US")
    page.goto(site.page_url(q="công an", since="tháng ba"))
    expect(page.locator("#error")).to_have_text(answer["error"])
    expect(page.locator("#results .hit")).to_have_count(0)

    assert site.search("công an", since="1990", until="1990")["count"] == 0
    page.fill("#since", "1990")
    page.fill("#until", "1990")
    page.press("#until", "Enter")
    expect(page.locator("#status")).to_have_text("No document matches “công an”.")
    expect(page.locator("#error")).to_be_hidden()


# ---- safety ---------------------------------------------------------------------------------


def test_markup_in_a_title_snippet_or_path_is_shown_as_text_and_runs_nothing(
    site: Site, open_page: Callable[..., Page], watch: Watch
) -> None:
    answer = site.search("xss")
    assert {hit["title"] for hit in answer["hits"]} == {HOSTILE_TITLE}
    assert any("<" in hit["path"] for hit in answer["hits"]) and all("<" in hit["snippet"] for hit in answer["hits"])
    page = open_page()
    page.goto(site.url)
    page.locator("#q").press_sequentially("xss", delay=20)
    shows_hits(page, answer)
    for index, hit in enumerate(answer["hits"]):
        page.locator("#results .hit-link").nth(index).click()
        shows_document(page, site.document(hit["path"], "xss"))
        page.go_back()
        shows_hits(page, answer)

    page.wait_for_timeout(300)  # time for an <img> that failed to load to run its onerror
    assert page.locator("img, svg, b, script:not([src])").count() == 0
    assert page.evaluate("window.pwned") is None
    assert watch.dialogs == []


# ---- dropped answers and input methods -------------------------------------------------------


def test_an_answer_that_arrives_after_a_newer_query_was_sent_is_dropped(
    site: Site, open_page: Callable[..., Page]
) -> None:
    slow, fast = "công an", "hội thảo"
    page = open_page()
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if not held:
            held.append(route)  # answered later, after the newer query's answer
        else:
            route.continue_()

    page.route(lambda url: "/api/search?" in url, hold_the_first)
    page.goto(site.url)
    page.fill("#q", slow)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    page.fill("#q", fast)
    shows_hits(page, site.search(fast))

    # If the page gave the request up (aborted it), nothing can arrive, and fulfilling fails.
    with contextlib.suppress(Error):
        held[0].fulfill(response=held[0].fetch())
    page.wait_for_timeout(500)
    shows_hits(page, site.search(fast))
    expect(page.locator("#q")).to_have_value(fast)


def test_no_search_while_an_input_method_composes_a_syllable(site: Site, open_page: Callable[..., Page]) -> None:
    page = open_page()
    searches: list[str] = []
    page.on("request", lambda request: searches.append(request.url) if "/api/search" in request.url else None)
    page.goto(site.url)
    page.focus("#q")
    cdp = page.context.new_cdp_session(page)
    # ibus-bamboo composing "công" in Telex: c, co, coo → cô, con → côn, cong → công.
    for composed in ["c", "co", "cô", "côn", "công"]:
        cdp.send(
            "Input.imeSetComposition",
            {"text": composed, "selectionStart": len(composed), "selectionEnd": len(composed)},
        )
        page.wait_for_timeout(120)
    page.wait_for_timeout(600)  # three times the pause after which typing is searched
    assert searches == []

    cdp.send("Input.insertText", {"text": "công"})
    shows_hits(page, site.search("công"))
    page.wait_for_timeout(300)
    assert [parse_qs(urlsplit(url).query)["q"] for url in searches] == [["công"]]


# ---- language, width, keyboard, contrast ------------------------------------------------------


def test_the_language_follows_the_browser_and_the_switch_and_is_remembered(
    site: Site, open_page: Callable[..., Page]
) -> None:
    english = open_page(locale="en-US")
    english.goto(site.url)
    expect(english.locator("html")).to_have_attribute("lang", "en")
    expect(english.locator("#search-button")).to_have_text("Search")

    page = open_page(locale="vi-VN")
    page.goto(site.page_url(q="công an"))
    count = site.search("công an")["count"]
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#search-button")).to_have_text("Tìm")
    expect(page.locator("label[for=q]")).to_have_text("Tìm trong các tài liệu")
    expect(page.locator("#status")).to_have_text(f"{count} tài liệu, đang xem 1\u201310")

    page.click("button[data-language=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#search-button")).to_have_text("Search")
    expect(page.locator("#status")).to_have_text(f"{count} documents, showing 1\u201310")
    expect(page.locator("button[data-language=en]")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#status")).to_have_text(f"{count} documents, showing 1\u201310")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_nothing_scrolls_sideways_at_360_px_even_with_a_long_title_and_path(
    site: Site, open_page: Callable[..., Page]
) -> None:
    query = LONG_WORD.lower()
    answer = site.search(query)
    assert any(len(hit["title"]) > 200 and len(hit["path"]) > 200 for hit in answer["hits"])
    page = open_page(width=360)
    page.goto(site.page_url(q=query))
    shows_hits(page, answer)
    assert page.evaluate(FITS_WIDTH)
    page.locator("#results .hit-link").first.click()
    shows_document(page, site.document(answer["hits"][0]["path"], query))
    assert page.evaluate(FITS_WIDTH)

    page.goto(site.page_url(q="công an", since="2024", sort="date"))
    expect(page.locator("#results .hit")).to_have_count(PAGE_SIZE)
    assert page.evaluate(FITS_WIDTH)


def test_the_keyboard_alone_searches_opens_a_document_and_goes_back(site: Site, open_page: Callable[..., Page]) -> None:
    query = "cong an"
    answer = site.search(query)
    page = open_page(locale="en-US")
    page.goto(site.url)
    expect(page.locator("#home")).to_be_visible()

    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type(query)
    shows_hits(page, answer)

    # Tab goes through the form in the order it is read, then to the first result.
    stops = []
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('hit-link')"):
            break
        stops.append(page.evaluate("document.activeElement.closest('form') && document.activeElement.id"))
    assert stops == ["search-button", "", "since", "until", "sort", "exact"]  # "": the Filters summary
    first_result = page.locator("#results .hit-link").first
    expect(first_result).to_be_focused()
    outline = page.evaluate("(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.activeElement))")
    assert outline[0] != "none" and outline[1] != "0px"

    page.keyboard.press("Enter")
    expect(page.locator("#document-title")).to_have_text(answer["hits"][0]["title"])
    expect(page.locator("#document-title")).to_be_focused()
    page.keyboard.press("Escape")
    shows_hits(page, answer)
    expect(first_result).to_be_focused()
    assert url_state(page) == {"q": query}


CONTRASTS = """() => {
  const rgb = (color) => color.match(/[\\d.]+/g).map(Number);
  const background = (element) => {
    for (let at = element; at; at = at.parentElement) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(at).backgroundColor);
      if (a > 0) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const luminance = ([r, g, b]) => {
    const channel = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const selectors = ['.snippet', '.snippet mark', '.meta', '.meta .path', '.hit-link', '#status', '#search-button',
                     '.filter > span', '.hint', '#page-of', '#next', 'button[aria-pressed=true]'];
  return Object.fromEntries(selectors.map((selector) => {
    const element = document.querySelector(selector);
    const color = rgb(getComputedStyle(element).color).slice(0, 3);
    return [selector, ratio(luminance(color), luminance(background(element)))];
  }));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_and_highlights_are_readable_in_light_and_dark(
    site: Site, open_page: Callable[..., Page], scheme: Literal["light", "dark"]
) -> None:
    page = open_page(scheme=scheme)
    page.goto(site.page_url(q="công an"))
    expect(page.locator("#results mark").first).to_be_visible()
    contrasts = page.evaluate(CONTRASTS)
    assert {selector: ratio for selector, ratio in contrasts.items() if ratio < 4.5} == {}


# ---- screenshots ----------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_of_the_results_and_a_document(site: Site, open_page: Callable[..., Page], width: int) -> None:
    """Written to build/screenshots/ for the README: the results of a query typed
    without diacritics, and a document with its matches marked."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page(width=width, height=800)
    page.goto(site.url)
    page.locator("#q").press_sequentially("cong an thu do", delay=20)
    shows_hits(page, site.search("cong an thu do"))
    page.locator("#q").blur()
    results = SCREENSHOTS / f"search-{width}.png"
    page.screenshot(path=results)

    page.goto(site.page_url(q="hội thảo quy chế"))
    page.locator("#results .hit-link").first.click()
    expect(page.locator("#document-text mark").first).to_be_visible()
    document = SCREENSHOTS / f"document-{width}.png"
    page.screenshot(path=document)

    for shot in (results, document):
        assert png_size(shot) == (width, 800)
        assert shot.stat().st_size > 20_000, "a screenshot of a blank page"
