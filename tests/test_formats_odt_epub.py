"""OpenDocument Text and EPUB files: the text, title and date each gives, and a clear
FormatError for a damaged, encrypted or zip-bomb file.

The files are written here, a zip and XML by hand, shaped like those LibreOffice Writer
and common EPUB tools (Sigil, Calibre) write."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from searchkit.formats import Extracted, FormatError
from searchkit.formats.epub import extract_epub
from searchkit.formats.odt import MAX_UNPACKED_BYTES, extract_odt

TIEP_NHAN = "Công an cấp huyện tiếp nhận hồ sơ của người dân."
DATELINE = "Hà Nội, ngày 15 tháng 5 năm 2016"
THU_TUC = "Thủ tục cấp Căn cước công dân được thực hiện tại Công an cấp huyện."
LE_PHI = "Lệ phí cấp mới là 30.000 đồng."


# Over the size a part may unpack to, and quick to write: 65 MB of zeros deflate to some 300 KB.
ZEROS_SIZE = 65 * 1024 * 1024


def zip_file(parts: dict[str, bytes | str], *, first: tuple[str, str] | None = None, zeros: str = "") -> bytes:
    """A zip of `parts`, deflated; `first` (the mimetype of ODF and EPUB) stored, ahead of
    them; `zeros` the name of an entry of ZEROS_SIZE zero bytes, after them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if first is not None:
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            archive.writestr(name, data)
        if zeros:
            with archive.open(zeros, "w") as entry:
                chunk = bytes(1024 * 1024)
                for _ in range(ZEROS_SIZE // len(chunk)):
                    entry.write(chunk)
    return buffer.getvalue()


# OpenDocument

ODF_MIMETYPE = ("mimetype", "application/vnd.oasis.opendocument.text")
ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'office:version="1.3"'
)
ODF_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def content_xml(body: str, *, automatic_styles: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ODF_NAMESPACES}>
 <office:automatic-styles>{automatic_styles}</office:automatic-styles>
 <office:body>
  <office:text>
   <text:sequence-decls>
    <text:sequence-decl text:display-outline-level="0" text:name="Table"/>
   </text:sequence-decls>
   {body}
  </office:text>
 </office:body>
</office:document-content>"""


def meta_xml(fields: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {ODF_NAMESPACES}>
 <office:meta>
  <meta:generator>LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/60$Build-1</meta:generator>
  {fields}
 </office:meta>
</office:document-meta>"""


def odt(body: str, *, meta: str | None = "", automatic_styles: str = "", manifest: str = ODF_MANIFEST) -> bytes:
    """An .odt file whose office:text holds `body`; `meta` the fields of its meta.xml (None: no meta.xml)."""
    parts: dict[str, bytes | str] = {
        "content.xml": content_xml(body, automatic_styles=automatic_styles),
        "META-INF/manifest.xml": manifest,
    }
    if meta is not None:
        parts["meta.xml"] = meta_xml(meta)
    return zip_file(parts, first=ODF_MIMETYPE)


def odt_reason(data: bytes) -> str:
    with pytest.raises(FormatError) as caught:
        extract_odt(data)
    assert caught.value.is_error
    return caught.value.reason


def test_odt_paragraphs_headings_and_lists_in_document_order() -> None:
    body = f"""
   <text:p text:style-name="P1">{DATELINE}</text:p>
   <text:h text:style-name="Heading_20_1" text:outline-level="1">Hướng dẫn thủ tục hành chính</text:h>
   <text:p text:style-name="Text_20_body">{TIEP_NHAN}</text:p>
   <text:list text:style-name="L1">
    <text:list-item><text:p text:style-name="P2">Tờ khai Căn cước công dân;</text:p></text:list-item>
    <text:list-item>
     <text:p text:style-name="P2">Giấy tờ chứng minh nơi thường trú:</text:p>
     <text:list>
      <text:list-item><text:p text:style-name="P3">Sổ hộ khẩu.</text:p></text:list-item>
     </text:list>
    </text:list-item>
   </text:list>
   <text:soft-page-break/>
   <text:section text:style-name="Sect1" text:name="Section1">
    <text:p text:style-name="Text_20_body"><text:span text:style-name="T1">{LE_PHI}</text:span></text:p>
   </text:section>"""
    meta = """<dc:title>Hướng dẫn cấp Căn cước công dân</dc:title>
  <meta:creation-date>2016-05-10T08:12:40.123456789</meta:creation-date>
  <dc:date>2016-05-15T16:45:02.371000000</dc:date>"""
    assert extract_odt(odt(body, meta=meta)) == Extracted(
        text=(
            f"{DATELINE}\nHướng dẫn thủ tục hành chính\n{TIEP_NHAN}\nTờ khai Căn cước công dân;\n"
            f"Giấy tờ chứng minh nơi thường trú:\nSổ hộ khẩu.\n{LE_PHI}"
        ),
        title="Hướng dẫn cấp Căn cước công dân",
        date="2016-05-15",
    )


def test_odt_spaces_tabs_and_line_breaks() -> None:
    # ODF collapses whitespace in a paragraph (a producer may wrap its XML) and writes the
    # spaces beyond the first as <text:s>; a leading space is dropped, as a word processor does.
    body = """
   <text:p>Điều 1.<text:s text:c="3"/>Phạm vi điều chỉnh</text:p>
   <text:p>Số:<text:s/>15/2016/TT-BCA<text:tab/>Hà Nội, ngày 15 tháng 5 năm 2016</text:p>
   <text:p> Công an   cấp
 huyện<text:line-break/>tiếp nhận <text:span> hồ sơ</text:span></text:p>
   <text:p>Họ và tên:<text:s text:c="many"/>Nguyễn Văn A<text:s text:c="1000000000"/>.</text:p>"""
    assert extract_odt(odt(body)).text == (
        "Điều 1.   Phạm vi điều chỉnh\n"
        "Số: 15/2016/TT-BCA\tHà Nội, ngày 15 tháng 5 năm 2016\n"
        "Công an cấp huyện\n"
        "tiếp nhận hồ sơ\n"
        f"Họ và tên: Nguyễn Văn A{' ' * 64}."
    )


def test_odt_table_rows_are_lines_of_tab_separated_cells() -> None:
    body = f"""
   <text:p>Bảng phí:</text:p>
   <table:table table:name="Table1">
    <table:table-column table:number-columns-repeated="3"/>
    <table:table-header-rows>
     <table:table-row>
      <table:table-cell office:value-type="string"><text:p>Thủ tục</text:p></table:table-cell>
      <table:table-cell office:value-type="string"><text:p>Lệ phí</text:p></table:table-cell>
      <table:table-cell office:value-type="string"><text:p>Ghi chú</text:p></table:table-cell>
     </table:table-row>
    </table:table-header-rows>
    <table:table-row>
     <table:table-cell><text:p>Cấp mới</text:p></table:table-cell>
     <table:table-cell><text:p>30.000</text:p><text:p>đồng</text:p></table:table-cell>
     <table:table-cell/>
    </table:table-row>
    <table:table-row>
     <table:table-cell table:number-columns-spanned="2">
      <text:p>Miễn phí cho người dưới 14 tuổi</text:p>
     </table:table-cell>
     <table:covered-table-cell/>
     <table:table-cell>
      <table:table><table:table-row>
       <table:table-cell><text:p>Nested</text:p></table:table-cell>
       <table:table-cell><text:p>bảng con</text:p></table:table-cell>
      </table:table-row></table:table>
     </table:table-cell>
    </table:table-row>
   </table:table>
   <text:p>{TIEP_NHAN}</text:p>"""
    assert extract_odt(odt(body)).text == (
        "Bảng phí:\n"
        "Thủ tục\tLệ phí\tGhi chú\n"
        "Cấp mới\t30.000 đồng\n"
        "Miễn phí cho người dưới 14 tuổi\tNested bảng con\n"
        f"{TIEP_NHAN}"
    )


def test_odt_notes_go_after_the_body_and_comments_and_deleted_text_are_left_out() -> None:
    body = f"""
   <text:tracked-changes>
    <text:changed-region xml:id="ct1" text:id="ct1">
     <text:deletion><office:change-info><dc:creator>Cán bộ</dc:creator></office:change-info>
      <text:p>Đoạn đã xoá.</text:p></text:deletion>
    </text:changed-region>
   </text:tracked-changes>
   <text:p>Công an cấp huyện<text:note text:id="ftn1" text:note-class="footnote">
     <text:note-citation>1</text:note-citation>
     <text:note-body><text:p text:style-name="Footnote">Theo Thông tư số 07/2016/TT-BCA.</text:p></text:note-body>
    </text:note> tiếp nhận hồ sơ<office:annotation>
     <dc:creator>Trưởng phòng</dc:creator><dc:date>2016-05-14T10:00:00</dc:date>
     <text:p>Kiểm tra lại.</text:p>
    </office:annotation> của người dân.<text:change text:change-id="ct1"/></text:p>
   <text:p>{LE_PHI}<text:note text:id="ftn2" text:note-class="endnote">
     <text:note-citation>i</text:note-citation>
     <text:note-body><text:p>Mức thu năm 2016.</text:p><text:p>Áp dụng toàn quốc.</text:p></text:note-body>
    </text:note></text:p>
   <text:p>Nội dung<text:hidden-text text:condition="ooow:1" text:string-value="ẩn">ẩn</text:hidden-text>
    hiển thị.</text:p>
   <text:section text:name="An" text:display="none"><text:p>Mục bị ẩn.</text:p></text:section>"""
    assert extract_odt(odt(body)).text == (
        f"{TIEP_NHAN}\n{LE_PHI}\nNội dung hiển thị.\n\n"
        "Theo Thông tư số 07/2016/TT-BCA.\nMức thu năm 2016.\nÁp dụng toàn quốc."
    )


def test_odt_text_boxes_start_lines_of_their_own() -> None:
    body = """
   <text:p>Ảnh:<draw:frame draw:name="Frame1" text:anchor-type="as-char" svg:width="5cm">
     <draw:text-box><text:p>Trụ sở Công an huyện</text:p></draw:text-box>
    </draw:frame>chụp năm 2016.</text:p>
   <text:p><draw:frame draw:name="Image1">
     <draw:image xlink:href="Pictures/1.png"><office:binary-data>iVBORw0KGgo=</office:binary-data></draw:image>
     <svg:title>Ảnh trụ sở</svg:title><svg:desc>Mô tả</svg:desc>
    </draw:frame></text:p>"""
    assert extract_odt(odt(body)).text == "Ảnh:\nTrụ sở Công an huyện\nchụp năm 2016."


def test_odt_runs_of_blank_lines_are_cut_to_one() -> None:
    body = f"""
   <text:p/><text:p>{TIEP_NHAN}</text:p><text:p/><text:p text:style-name="P1"> </text:p>
   <text:p><text:line-break/><text:tab/></text:p><text:p>{LE_PHI}</text:p><text:p/>"""
    assert extract_odt(odt(body)).text == f"{TIEP_NHAN}\n\n{LE_PHI}"


def test_odt_title_falls_back_to_the_first_heading_then_to_nothing() -> None:
    heading = f"""<text:p>{DATELINE}</text:p>
   <text:h text:outline-level="1">Quyết <text:span>định</text:span><text:note text:note-class="footnote">
     <text:note-citation>1</text:note-citation><text:note-body><text:p>Chú thích</text:p></text:note-body>
    </text:note></text:h>
   <text:h text:outline-level="2">Điều 1</text:h>"""
    assert extract_odt(odt(heading, meta=None)).title == "Quyết định"
    assert extract_odt(odt(heading, meta="<dc:title>  </dc:title>")).title == "Quyết định"
    # LibreOffice's Title paragraph, with direct formatting: an automatic style deriving from Title.
    styled = f"""<text:p>{DATELINE}</text:p><text:p text:style-name="P1">Thông báo tuyển dụng</text:p>
   <text:h text:outline-level="1">Điều 1</text:h>"""
    styles = '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>'
    assert extract_odt(odt(styled, automatic_styles=styles)).title == "Thông báo tuyển dụng"
    assert extract_odt(odt(f"<text:p>{TIEP_NHAN}</text:p>")).title == ""


def test_odt_date_is_dc_date_else_the_creation_date() -> None:
    body = f"<text:p>{TIEP_NHAN}</text:p>"
    creation = "<meta:creation-date>2016-05-10T08:12:40</meta:creation-date>"
    assert extract_odt(odt(body, meta=creation)).date == "2016-05-10"
    assert extract_odt(odt(body, meta=f"<dc:date>không rõ</dc:date>{creation}")).date == "2016-05-10"
    assert extract_odt(odt(body, meta="<dc:title>Thông báo</dc:title>")).date is None
    assert extract_odt(odt(body, meta=None)).date is None


def test_odt_without_text_gives_empty_text() -> None:
    assert extract_odt(odt("<text:p/><text:p>  </text:p>", meta=None)) == Extracted(text="")


def test_odt_deeply_nested_lists_are_read() -> None:
    # libxml2 parses up to 256 levels of elements; the layout must not run out of stack below that.
    depth = 120
    body = (
        "<text:list><text:list-item>" * depth
        + f"<text:p>{TIEP_NHAN}</text:p>"
        + "</text:list-item></text:list>" * depth
    )
    assert extract_odt(odt(body)).text == TIEP_NHAN
    too_deep = "<text:span>" * 300 + "chữ" + "</text:span>" * 300
    assert odt_reason(odt(f"<text:p>{too_deep}</text:p>")).startswith(
        "not a readable OpenDocument (.odt) file: content.xml: Excessive depth"
    )


def test_odt_damaged_files_are_format_errors() -> None:
    prefix = "not a readable OpenDocument (.odt) file: "
    good = odt(f"<text:p>{TIEP_NHAN}</text:p>")
    assert odt_reason(b"PK\x03\x04 not really a zip") == prefix + "File is not a zip file"
    assert odt_reason(good[: len(good) // 2]).startswith(prefix)
    missing = zip_file({"meta.xml": meta_xml("")}, first=ODF_MIMETYPE)
    assert odt_reason(missing) == prefix + "content.xml is missing"
    broken = zip_file({"content.xml": content_xml(f"<text:p>{TIEP_NHAN}")}, first=ODF_MIMETYPE)
    assert odt_reason(broken).startswith(prefix + "content.xml: Opening and ending tag mismatch")
    broken_meta = zip_file({"content.xml": content_xml(""), "meta.xml": "<office:document-meta"}, first=ODF_MIMETYPE)
    assert odt_reason(broken_meta).startswith(prefix + "meta.xml: ")
    spreadsheet = content_xml("").replace("office:text>", "office:spreadsheet>")
    assert odt_reason(zip_file({"content.xml": spreadsheet})) == (
        prefix + "content.xml holds no text document (a spreadsheet or a presentation?)"
    )


def test_odt_encrypted_with_a_password_is_a_format_error() -> None:
    manifest = ODF_MANIFEST.replace(
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        """<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3409">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k"
    manifest:checksum="fO2k1lO3R3k=">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"
     manifest:initialisation-vector="fO2k1lO3R3kN2pQ=="/>
  </manifest:encryption-data>
 </manifest:file-entry>""",
    )
    data = zip_file({"content.xml": b"\x8f\x03\xa1 encrypted bytes", "META-INF/manifest.xml": manifest})
    assert odt_reason(data) == "encrypted OpenDocument (.odt) file (a password is needed to read it)"


def test_odt_zip_bomb_is_refused() -> None:
    assert ZEROS_SIZE > MAX_UNPACKED_BYTES
    data = zip_file({"meta.xml": meta_xml("")}, first=ODF_MIMETYPE, zeros="content.xml")
    assert odt_reason(data) == "not a readable OpenDocument (.odt) file: content.xml unpacks to more than 64 MB"


def test_odt_entry_larger_than_it_declares_is_refused() -> None:
    # A zip may say an entry is small: what is unpacked is checked, not only what is said.
    data = bytearray(zip_file({}, zeros="content.xml"))
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)
    assert odt_reason(bytes(data)) == "not a readable OpenDocument (.odt) file: Bad CRC-32 for file 'content.xml'"


# EPUB

EPUB_MIMETYPE = ("mimetype", "application/epub+zip")
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{path}" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>"""


def opf(metadata: str, manifest: str, spine: str, *, version: str = "3.0") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package version="{version}" unique-identifier="BookId" xmlns="http://www.idpf.org/2007/opf">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
    <dc:identifier id="BookId">urn:uuid:6f1d4c9e-2b1f-4a53-9c1e-0d2c8e7b5a10</dc:identifier>
    <dc:language>vi</dc:language>
    {metadata}
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="css" href="Styles/style.css" media-type="text/css"/>
    {manifest}
  </manifest>
  <spine toc="ncx">
    {spine}
  </spine>
</package>"""


def xhtml(body: str, title: str = "Chương") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="vi" xml:lang="vi">
<head>
  <title>{title}</title>
  <link href="../Styles/style.css" rel="stylesheet" type="text/css"/>
</head>
<body>
{body}
</body>
</html>"""


CHAPTER_1 = xhtml(
    f"""<section epub:type="chapter">
  <h1>Chương 1. Thủ tục</h1>
  <p>{TIEP_NHAN}</p>
  <p>{THU_TUC}</p>
</section>"""
)
CHAPTER_2 = xhtml(f"""<h2>Lời nói đầu</h2>\n<p class="right">{DATELINE}</p>""")
NAV = xhtml('<nav epub:type="toc"><ol><li><a href="Text/chuong-1.xhtml">Chương 1</a></li></ol></nav>')
METADATA = """<dc:title>Cẩm nang thủ tục hành chính</dc:title>
    <dc:creator>Công an huyện</dc:creator>
    <dc:date>2016-05-15</dc:date>
    <meta property="dcterms:modified">2021-03-02T07:11:00Z</meta>"""
MANIFEST = """<item id="chuong-1" href="Text/chuong-1.xhtml" media-type="application/xhtml+xml"/>
    <item id="loi-noi-dau" href="Text/loi-noi-dau.xhtml" media-type="application/xhtml+xml"/>"""
SPINE = '<itemref idref="loi-noi-dau"/>\n    <itemref idref="chuong-1"/>'


def epub(
    metadata: str = METADATA,
    manifest: str = MANIFEST,
    spine: str = SPINE,
    *,
    chapters: dict[str, str] | None = None,
    extra: dict[str, bytes | str] | None = None,
    zeros: str = "",
) -> bytes:
    """An EPUB whose package is OEBPS/content.opf; `chapters` by their path under OEBPS/."""
    if chapters is None:
        chapters = {"Text/chuong-1.xhtml": CHAPTER_1, "Text/loi-noi-dau.xhtml": CHAPTER_2}
    parts: dict[str, bytes | str] = {
        "META-INF/container.xml": CONTAINER.format(path="OEBPS/content.opf"),
        "OEBPS/content.opf": opf(metadata, manifest, spine),
        "OEBPS/nav.xhtml": NAV,
        "OEBPS/Styles/style.css": "p.right { text-align: right }",
    }
    parts.update({f"OEBPS/{path}": text for path, text in chapters.items()})
    parts.update(extra or {})
    return zip_file(parts, first=EPUB_MIMETYPE, zeros=zeros)


def epub_reason(data: bytes) -> str:
    with pytest.raises(FormatError) as caught:
        extract_epub(data)
    assert caught.value.is_error
    return caught.value.reason


def test_epub_chapters_in_spine_order_apart_by_a_blank_line() -> None:
    # The preface is listed second in the manifest but first in the spine: it is read first.
    assert extract_epub(epub()) == Extracted(
        text=f"Lời nói đầu\n{DATELINE}\n\nChương 1. Thủ tục\n{TIEP_NHAN}\n{THU_TUC}",
        title="Cẩm nang thủ tục hành chính",
        date="2016-05-15",
    )


def test_epub_spine_items_are_read_once_and_only_when_xhtml() -> None:
    manifest = (
        MANIFEST
        + """
    <item id="cover" href="Images/b%C3%ACa.svg" media-type="image/svg+xml"/>
    <item id="ghi-chu" href="Text/ghi%20ch%C3%BA.xhtml#dau" media-type="application/xhtml+xml"/>
    <item id="lai" href="./Text/../Text/chuong-1.xhtml" media-type="application/xhtml+xml"/>"""
    )
    spine = """<itemref idref="cover" linear="no"/><itemref idref="chuong-1"/><itemref idref="lai"/>
    <itemref idref="ghi-chu" linear="no"/>"""
    chapters = {
        "Text/chuong-1.xhtml": CHAPTER_1,
        "Text/ghi chú.xhtml": xhtml(f"<p>{LE_PHI}&nbsp;Nộp tại&#160;bộ phận một cửa.</p><p></p>"),
    }
    cover = {"OEBPS/Images/bìa.svg": '<svg xmlns="http://www.w3.org/2000/svg"><text>Bìa sách</text></svg>'}
    assert extract_epub(epub(manifest=manifest, spine=spine, chapters=chapters, extra=cover)).text == (
        f"Chương 1. Thủ tục\n{TIEP_NHAN}\n{THU_TUC}\n\n{LE_PHI} Nộp tại bộ phận một cửa."
    )


def test_epub_date_is_dc_date_only_publication_first() -> None:
    epub2_dates = """<dc:title>Cẩm nang</dc:title>
    <dc:date opf:event="modification">2021-03-02</dc:date>
    <dc:date opf:event="publication">2016-05</dc:date>"""
    assert extract_epub(epub(metadata=epub2_dates)).date == "2016-05-01"
    modified_only = '<dc:title>Cẩm nang</dc:title><meta property="dcterms:modified">2021-03-02T07:11:00Z</meta>'
    assert extract_epub(epub(metadata=modified_only)).date is None
    assert extract_epub(epub(metadata="<dc:date>tháng Năm</dc:date>")) == Extracted(
        text=f"Lời nói đầu\n{DATELINE}\n\nChương 1. Thủ tục\n{TIEP_NHAN}\n{THU_TUC}"
    )


def test_epub_without_chapters_gives_empty_text() -> None:
    assert extract_epub(epub(spine="", chapters={})) == Extracted(
        text="", title="Cẩm nang thủ tục hành chính", date="2016-05-15"
    )
    blank = {"Text/chuong-1.xhtml": xhtml("<p> </p>"), "Text/loi-noi-dau.xhtml": xhtml("")}
    assert extract_epub(epub(chapters=blank)).text == ""


def test_epub_damaged_files_are_format_errors() -> None:
    prefix = "not a readable EPUB (.epub) file: "
    assert epub_reason(b"") == prefix + "File is not a zip file"
    good = epub()
    assert epub_reason(good[:-30]).startswith(prefix)
    no_container = zip_file({"OEBPS/content.opf": opf(METADATA, MANIFEST, SPINE)}, first=EPUB_MIMETYPE)
    assert epub_reason(no_container) == prefix + "META-INF/container.xml is missing"
    wrong_path = epub(extra={"META-INF/container.xml": CONTAINER.format(path="content.opf")})
    assert epub_reason(wrong_path) == prefix + "content.opf is missing"
    no_rootfile = epub(extra={"META-INF/container.xml": CONTAINER.format(path="")})
    assert epub_reason(no_rootfile) == prefix + "META-INF/container.xml names no package document"
    broken_opf = epub(extra={"OEBPS/content.opf": opf(METADATA, MANIFEST, SPINE)[:-20]})
    assert epub_reason(broken_opf).startswith(prefix + "OEBPS/content.opf: ")
    no_spine = epub(extra={"OEBPS/content.opf": opf(METADATA, MANIFEST, "").replace("spine", "x-spine")})
    assert epub_reason(no_spine) == prefix + "OEBPS/content.opf has no spine"
    unknown = epub(spine='<itemref idref="chuong-2"/>')
    assert epub_reason(unknown) == prefix + "the spine names 'chuong-2', which the manifest does not list"
    missing = epub(chapters={"Text/chuong-1.xhtml": CHAPTER_1})
    assert epub_reason(missing) == prefix + "OEBPS/Text/loi-noi-dau.xhtml is missing"


def test_epub_with_encrypted_chapters_is_a_format_error() -> None:
    encryption = """<?xml version="1.0" encoding="UTF-8"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
    xmlns:enc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="{algorithm}"/>
    <ds:KeyInfo><ds:RetrievalMethod URI="license.lcpl#/encryption/content_key"/></ds:KeyInfo>
    <enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""
    drm = encryption.format(algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc", uri="OEBPS/Text/chuong-1.xhtml")
    locked = epub(
        chapters={"Text/chuong-1.xhtml": "\x8f\x03\xa1", "Text/loi-noi-dau.xhtml": CHAPTER_2},
        extra={"META-INF/encryption.xml": drm},
    )
    assert epub_reason(locked) == "encrypted EPUB (.epub) file (DRM: its chapters cannot be read without the key)"
    # Fonts obfuscated as the EPUB specification says are listed there too; the text is readable.
    font = encryption.format(algorithm="http://www.idpf.org/2008/embedding", uri="OEBPS/Fonts/Roboto.ttf")
    assert extract_epub(epub(extra={"META-INF/encryption.xml": font})).text.startswith("Lời nói đầu\n")


def test_epub_zip_bomb_is_refused() -> None:
    data = epub(chapters={"Text/loi-noi-dau.xhtml": CHAPTER_2}, zeros="OEBPS/Text/chuong-1.xhtml")
    assert epub_reason(data) == "not a readable EPUB (.epub) file: OEBPS/Text/chuong-1.xhtml unpacks to more than 64 MB"


def test_no_markup_or_stray_whitespace_reaches_the_text() -> None:
    # What every file above gives: words and the lines between them, nothing of the XML.
    files = [
        extract_odt(odt(f"<text:p>{TIEP_NHAN}<text:s/></text:p><text:p/><text:p/>")),
        extract_odt(odt(f"<text:list><text:list-item><text:p>{DATELINE}</text:p></text:list-item></text:list>")),
        extract_epub(epub()),
    ]
    for extracted in files:
        text = extracted.text
        assert "<" not in text and "xmlns" not in text and "\n\n\n" not in text
        assert text == text.strip()
        assert all(line == line.rstrip() for line in text.split("\n"))
