"""HTML pages and Markdown files read into the text a reader sees: no markup, no site
navigation, words never glued together or split, with the title and date they give."""

from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile import windows_1258

from searchkit.formats import Extracted, FormatError
from searchkit.formats.html import extract_html
from searchkit.formats.markdown import extract_markdown

# From the demo corpus (corpus/ha-noi-toa-dam-giu-ngon-lua-nhiet-huyet.txt and
# corpus/tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt).
HEADLINE = "Giữ ngọn lửa nhiệt huyết, hoàn thành xuất sắc mọi nhiệm vụ được giao"
LEAD = "Chiều 21-3, Công an thành phố (CATP) Hà Nội đã tổ chức tọa đàm hết sức ý nghĩa."
QUOTE = "Đại tá Nguyễn Ngọc Quyền - Phó Giám đốc CATP Hà Nội chủ trì buổi tọa đàm."
TOPICS = "Toạ đàm đã diễn ra với 5 nhóm nội dung chính."


def page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


# HTML


NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <title>Tọa đàm của Công an Thủ đô | Báo Tiền Phong</title>
  <meta property="article:published_time" content="2025-03-21T16:45:00+07:00">
  <style>.menu {{ color: red }}</style>
  <script>var tracker = "<b>quảng cáo</b>";</script>
</head>
<body>
  <header><a href="/">Báo Tiền Phong</a><form><input name="q"><button>Tìm kiếm</button></form></header>
  <nav><ul><li><a href="/thoi-su">Thời sự</a></li><li><a href="/phap-luat">Pháp luật</a></li></ul></nav>
  <div class="container">
    <article>
      <h1>{HEADLINE}</h1>
      <p>{LEAD}</p>
      <!-- Quảng cáo giữa bài -->
      <iframe src="/ads"></iframe>
      <p>{QUOTE}</p>
      <img src="anh.jpg" alt="Ảnh minh họa">
      <noscript>Bật JavaScript để xem video</noscript>
    </article>
    <aside><h3>Tin liên quan</h3><a href="/x">Bài khác</a></aside>
  </div>
  <footer>Bản quyền thuộc Báo Tiền Phong</footer>
  <script>document.write("Theo dõi");</script>
</body>
</html>"""


def test_news_page_gives_the_article_without_scripts_styles_or_site_chrome() -> None:
    assert extract_html(NEWS_PAGE.encode()) == Extracted(
        text=f"{HEADLINE}\n{LEAD}\n{QUOTE}",
        title="Tọa đàm của Công an Thủ đô | Báo Tiền Phong",
        date="2025-03-21",
    )


def test_main_is_the_content_and_an_articles_own_header_and_footer_are_kept() -> None:
    body = f"""<header>Báo Công an nhân dân</header>
      <article><h2>Tin khác</h2><p>Không thuộc bài chính.</p></article>
      <main><article>
        <header><h1>{HEADLINE}</h1><p>Thứ sáu, 24/09/2021</p></header>
        <p>{LEAD}</p>
        <footer>Theo CAND</footer>
      </article></main>"""
    assert extract_html(page(body)).text == f"{HEADLINE}\nThứ sáu, 24/09/2021\n{LEAD}\nTheo CAND"


def test_without_main_or_a_single_article_the_body_is_read() -> None:
    body = f"<article><p>{LEAD}</p></article><article><p>{QUOTE}</p></article><footer>Liên hệ</footer>"
    assert extract_html(page(body)).text == f"{LEAD}\n{QUOTE}"


@pytest.mark.parametrize(
    "hidden",
    [
        "<div hidden>Nội dung ẩn</div>",
        '<span aria-hidden="true">Nội dung ẩn</span>',
        '<p style="color: red; DISPLAY : none !important">Nội dung ẩn</p>',
        '<div role="navigation">Nội dung ẩn</div>',
        '<section role="complementary search">Nội dung ẩn</section>',
        "<template><p>Nội dung ẩn</p></template>",
        "<svg><text>Nội dung ẩn</text></svg>",
        "<select><option>Nội dung ẩn</option></select>",
        "<textarea>Nội dung ẩn</textarea>",
    ],
)
def test_hidden_elements_are_not_text(hidden: str) -> None:
    assert extract_html(page(f"<p>{LEAD}</p>{hidden}<p>{QUOTE}</p>")).text == f"{LEAD}\n{QUOTE}"


def test_entities_are_decoded_and_a_no_break_space_is_a_space() -> None:
    body = "<p>T&#7893; ch&#x1EE9;c b&#7897; m&aacute;y &amp; &lt;đoàn thể&gt;&nbsp;Công&nbsp;an</p>"
    assert extract_html(page(body)).text == "Tổ chức bộ máy & <đoàn thể> Công an"


def test_blocks_list_items_and_table_cells_do_not_glue_words() -> None:
    body = (
        "<div>Công an</div><div>thành phố</div>"
        "<ul><li>Đoàn Thanh niên</li><li>Hội Phụ nữ</li></ul>"
        "<table><tr><th>Đơn vị</th><th>Số đoàn viên</th></tr><tr><td>CATP Hà Nội</td><td>1.200</td></tr></table>"
        "<h2>Kết quả</h2>đã đạt<dl><dt>Cụm</dt><dd>số 4</dd></dl>"
    )
    assert extract_html(page(body)).text == (
        "Công an\nthành phố\nĐoàn Thanh niên\nHội Phụ nữ\nĐơn vị\tSố đoàn viên\nCATP Hà Nội\t1.200\n"
        "Kết quả\nđã đạt\nCụm\nsố 4"
    )


def test_inline_elements_join_as_written() -> None:
    assert extract_html(page("<p><b>Công</b> an <a href='#'>thành\n   phố</a></p>")).text == "Công an thành phố"
    assert extract_html(page("<p><b>Công</b><i>an</i></p>")).text == "Côngan"


def test_line_breaks_preformatted_text_and_blank_lines() -> None:
    body = "<p>Hà Nội<br>Hải Phòng<br><br><br><br>Đà Nẵng</p><pre>\n  Công an\n    Thủ đô  </pre><p>  Hết  </p>"
    assert extract_html(page(body)).text == "Hà Nội\nHải Phòng\n\nĐà Nẵng\n  Công an\n    Thủ đô\nHết"


def test_title_is_the_title_element_else_the_first_heading() -> None:
    assert extract_html(page("<h1>Khác</h1>", "<title>\n  Tọa đàm\n  Công an  </title>")).title == "Tọa đàm Công an"
    assert extract_html(page(f"<p>{LEAD}</p><h1>{HEADLINE}</h1><h1>Khác</h1>", "<title> </title>")).title == HEADLINE
    assert extract_html(page(f"<p>{LEAD}</p>")).title == ""


def test_windows_1258_page_declared_in_meta() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258"><title>Tọa đàm</title>'
    html = f"<html><head>{head}</head><body><p>{LEAD}</p></body></html>"
    data = windows_1258(html)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    extracted = extract_html(data)
    assert unicodedata.normalize("NFC", extracted.text) == LEAD
    assert unicodedata.normalize("NFC", extracted.title) == "Tọa đàm"
    # The short form of the declaration, and a page that declares nothing.
    short = windows_1258(f'<meta charset="WINDOWS-1258"><p>{QUOTE}</p>')
    assert unicodedata.normalize("NFC", extract_html(short).text) == QUOTE
    assert unicodedata.normalize("NFC", extract_html(windows_1258(f"<p>{QUOTE}</p>")).text) == QUOTE


def test_a_bom_wins_over_the_declared_charset() -> None:
    html = f'<meta charset="windows-1258"><title>Tọa đàm</title><p>{LEAD}</p>'
    assert extract_html(codecs.BOM_UTF8 + html.encode()) == Extracted(text=LEAD, title="Tọa đàm")
    assert extract_html(codecs.BOM_UTF16_LE + html.encode("utf-16-le")).text == LEAD


def test_an_xml_declaration_does_not_stop_parsing() -> None:
    xhtml = f'<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><p>{LEAD}</p></html>'
    assert extract_html(xhtml.encode()).text == LEAD


def test_hundreds_of_unclosed_tags_do_not_lose_the_text_after_them() -> None:
    # Legacy pages never close their <font>; libxml2 stops at 256 levels unless told otherwise.
    assert extract_html(page("<font>" * 1000 + f"<p>{LEAD}</p>")).text == LEAD


def test_undecodable_bytes_are_a_format_error() -> None:
    with pytest.raises(FormatError) as raised:
        extract_html(b"<p>\xff\x81</p>")
    assert raised.value.is_error


@pytest.mark.parametrize(
    ("head", "body", "date"),
    [
        ('<meta property="article:published_time" content="2021-09-24T16:28:00+07:00">', "", "2021-09-24"),
        ('<meta name="PubDate" content="2021-09-08 07:11">', "", "2021-09-08"),
        ('<meta name="DC.date.issued" content="2019-11-14">', "", "2019-11-14"),
        ("", '<time datetime="2025-03-21">Chiều 21-3</time><time datetime="2020-01-01"></time>', "2025-03-21"),
        ('<meta name="date" content="2021-02-30">', "", None),
        ('<meta name="date" content="24/09/2021">', "", "2021-09-24"),  # day first, as Vietnamese writes it
        ('<meta name="date" content="2021-09-245">', "", None),
        ("", "<p>Ngày 24-9-2021</p>", None),
    ],
)
def test_date_comes_from_machine_readable_metadata_only(head: str, body: str, date: str | None) -> None:
    assert extract_html(page(f"<p>{LEAD}</p>{body}", head)).date == date


@pytest.mark.parametrize(
    "html",
    ["", " \n\t ", "<!-- chỉ có ghi chú -->", "<html><head><title></title></head><body><img></body></html>"],
)
def test_a_page_with_no_text_gives_empty_text(html: str) -> None:
    assert extract_html(html.encode()) == Extracted(text="")


VIETNAMESE_WORDS = st.sampled_from(LEAD.replace(",", "").replace(".", "").replace("(", "").replace(")", "").split())
INLINE_TAGS = ["b", "i", "em", "strong", "span", "a", "code", "small", "mark"]
BLOCK_TAGS = ["p", "div", "li", "h2", "blockquote", "section", "td", "pre"]


@st.composite
def tagged_words(draw: st.DrawFn) -> tuple[list[str], str]:
    """Words, and HTML where each is wrapped in random tags, separated by whitespace."""
    words = draw(st.lists(VIETNAMESE_WORDS, min_size=1, max_size=20))
    pieces = []
    for word in words:
        for tag in draw(st.lists(st.sampled_from(INLINE_TAGS + BLOCK_TAGS), max_size=3)):
            word = f"<{tag}>{word}</{tag}>"
        pieces.append(word)
    spaces = st.sampled_from([" ", "\n", "&nbsp;", "<br>", " <img alt='ảnh'> "])
    separators = draw(st.lists(spaces, min_size=len(words)))
    return words, "".join(piece + separator for piece, separator in zip(pieces, separators, strict=False))


@settings(max_examples=150, deadline=None)
@given(tagged_words())
def test_html_words_come_out_in_order_without_tags(case: tuple[list[str], str]) -> None:
    words, markup = case
    assert extract_html(markup.encode()).text.split() == words


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_html_never_raises_anything_but_format_error(data: bytes) -> None:
    try:
        extracted = extract_html(data)
    except FormatError:
        return
    assert isinstance(extracted.text, str)
    assert extracted.date is None or len(extracted.date) == 10


# Markdown


LEAD_ON_TWO_LINES = LEAD.replace(" tọa đàm", "\n  tọa đàm")
MARKDOWN = f"""# {HEADLINE}

{LEAD_ON_TWO_LINES}

> **{QUOTE}**

- Đoàn *Thanh niên*
- Hội `Phụ nữ`
  - Công đoàn

1. Theo [báo Tiền Phong](https://tienphong.vn/toa-dam.html "Tiền Phong")
2. ![Ảnh _minh họa_](https://tienphong.vn/anh.jpg)

| Đơn vị | Số đoàn viên |
|--------|-------------:|
| CATP Hà Nội | 1.200 |

Hết bài\\
ngày 21-3

---
"""


def test_markdown_gives_the_rendered_text() -> None:
    extracted = extract_markdown(MARKDOWN)
    assert extracted == Extracted(
        text=(
            f"{HEADLINE}\n\n{LEAD}\n\n{QUOTE}\n\nĐoàn Thanh niên\nHội Phụ nữ\nCông đoàn\n\n"
            "Theo báo Tiền Phong\nẢnh minh họa\n\nĐơn vị\tSố đoàn viên\nCATP Hà Nội\t1.200\n\nHết bài\nngày 21-3"
        ),
        title=HEADLINE,
    )
    for mark in ("#", "*", "_", "`", "[", "](", "http", "|", ">", "---"):
        assert mark not in extracted.text


def test_markdown_code_is_visible_text_and_keeps_its_characters() -> None:
    source = "Ví dụ:\n\n```python\n# Công an\nprint('*Thủ đô*')\n```\n\n    | thụt lề |\n"
    assert extract_markdown(source).text == "Ví dụ:\n\n# Công an\nprint('*Thủ đô*')\n\n| thụt lề |"


def test_markdown_html_shows_its_visible_text_only() -> None:
    source = f"<div class='tin'>\n<p>{LEAD}</p>\n<script>alert(1)</script>\n</div>\n\n"
    source += "Công <span>an</span> <!-- ẩn -->Thủ đô\n"
    assert extract_markdown(source).text == f"{LEAD}\n\nCông an Thủ đô"


@pytest.mark.parametrize(
    ("source", "title"),
    [
        (f"# {HEADLINE} #\n\n{LEAD}\n", HEADLINE),
        (f"{LEAD}\n\n### Tọa *đàm*\n\n## Khác\n", "Tọa đàm"),
        (f"Tọa đàm `Công an`\n===\n\n{LEAD}\n", "Tọa đàm Công an"),
        (f"{QUOTE}\n------\n", QUOTE),
        # No heading: none here (the document's first line is its title; see documents.title_of).
        (f"\n\n{LEAD}\n{QUOTE}\n", ""),
        ("", ""),
    ],
)
def test_markdown_title_is_the_front_matter_s_else_the_first_heading(source: str, title: str) -> None:
    assert extract_markdown(source).title == title


def test_front_matter_gives_title_and_date_and_is_not_text() -> None:
    source = f"""---
title: "Tọa đàm: vai trò của đoàn thể"
date: 2025-03-21T16:45:00+07:00
tags: [công an, Hà Nội]
---
# {HEADLINE}

{LEAD}
"""
    assert extract_markdown(source) == Extracted(
        text=f"{HEADLINE}\n\n{LEAD}", title="Tọa đàm: vai trò của đoàn thể", date="2025-03-21"
    )


@pytest.mark.parametrize(
    ("front", "title", "date"),
    [
        ("title: Tọa đàm # bản nháp\ndate: '2021-09-24'", "Tọa đàm", "2021-09-24"),
        ("title: 'Tọa đàm ''Công an'''\ndate: 24/09/2021", "Tọa đàm 'Công an'", "2021-09-24"),
        ("title: >\n  Tọa đàm\ndate: 2021-02-30", HEADLINE, None),
        ("author: CAND", HEADLINE, None),
    ],
)
def test_front_matter_values(front: str, title: str, date: str | None) -> None:
    extracted = extract_markdown(f"\ufeff---\n{front}\n...\n# {HEADLINE}\n")
    assert (extracted.text, extracted.title, extracted.date) == (HEADLINE, title, date)


def test_an_unclosed_front_matter_is_text() -> None:
    assert extract_markdown("---\ntitle: Tọa đàm\n").text == "title: Tọa đàm"


# Code shows the marks inside it, so a word in backticks gets no other mark.
MARKDOWN_WRAPS = ["*{}*", "_{}_", "**{}**", "[{}](https://cand.com.vn/x)", "![{}](a.png)", "<b>{}</b>"]
MARKDOWN_BLOCKS = ["{}", "# {}", "## {} ##", "- {}", "1. {}", "> {}", "| {} |\n|---|", "{}\n---"]


@st.composite
def marked_up_words(draw: st.DrawFn) -> tuple[list[str], str]:
    """Words, and Markdown where each is marked up at random, in random kinds of blocks."""
    words = draw(st.lists(VIETNAMESE_WORDS, min_size=1, max_size=20))
    blocks: list[str] = []
    rest = list(words)
    while rest:
        size = draw(st.integers(1, len(rest)))
        inline = []
        for word in rest[:size]:
            wraps = draw(st.lists(st.sampled_from(MARKDOWN_WRAPS), max_size=2, unique=True) | st.just(["`{}`"]))
            for wrap in wraps:
                word = wrap.format(word)
            inline.append(word)
        rest = rest[size:]
        blocks.append(draw(st.sampled_from(MARKDOWN_BLOCKS)).format(" ".join(inline)))
    return words, "\n\n".join(blocks)


@settings(max_examples=150, deadline=None)
@given(marked_up_words())
def test_markdown_words_come_out_in_order_without_marks(case: tuple[list[str], str]) -> None:
    words, source = case
    text = extract_markdown(source).text
    assert text.split() == words
    assert not set(text) & set("*_`[]()<>|#")


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("#*_`[]()<>|!-=:. \n\tabcđôơ123\\&;/\"'"), max_size=200) | st.text(max_size=200))
def test_markdown_never_raises(source: str) -> None:
    extracted = extract_markdown(source)
    assert extracted.date is None or len(extracted.date) == 10
