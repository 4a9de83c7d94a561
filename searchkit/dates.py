"""Dates: the date a document gives itself, and dates typed by users or found in data files.

Every indexed document gets a date, stored as "YYYY-MM-DD", with where it comes from:
the document itself (its text or its metadata), or its file's modification time, which
is only the day it was last copied or saved. Vietnamese writes the day before the month
("08/09/2021" is 8 September), and a news article opens with a dateline that often
leaves the year out ("Sáng 14-11, …"), so its year has to come from elsewhere in it.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator

MIN_YEAR = 1900
MAX_YEAR = 2100

# The head of a document, where it gives its own date: title, publication line, sapo and
# first paragraph of a news article (a lead paragraph is 300-600 characters), or the
# header block of an official document (issuer, number, "Hà Nội, ngày …"), is well
# within 1500 characters. Counting characters rather than lines keeps the head the same
# size for a page dumped as one paragraph and for a PDF broken into short lines; dates
# further on are cited ones ("Chỉ thị số 05-CT/TW ngày 15/5/2016 …").
HEAD_CHARS = 1500


# Small parts. Horizontal space includes the no-break space of pages copied from the web.
_H = r"[^\S\n]"


def _phrases(*phrases: str) -> str:
    """An alternation of phrases whose spaces match any run of horizontal space."""
    return "|".join(phrase.replace(" ", rf"{_H}+") for phrase in phrases)


_SEP = r"[/.\-]"
_DASH = r"[\-\u2013\u2014]"  # hyphen, en dash, em dash
_DAY_MONTH = rf"\d{{1,2}}{_SEP}\d{{1,2}}"  # 14-11, 21/3, 07.9
_DAY_MONTH_YEAR = rf"{_DAY_MONTH}{_SEP}\d{{4}}"  # 08/09/2021
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"  # 2021-09-08
_SPELLED = rf"\d{{1,2}}{_H}+tháng{_H}+\d{{1,2}}"  # 15 tháng 5
_SPELLED_YEAR = rf"{_SPELLED}{_H}*,?{_H}*năm{_H}+\d{{4}}"  # 15 tháng 05 năm 2016
# No more digits after a date: "14-11" is not the start of "14-11-19" or of a phone number.
_END = r"(?![/.\-]?\d)"
_CLOCK = rf"\d{{1,2}}{_H}*[:hg]{_H}*\d{{2}}(?::\d{{2}})?(?:{_H}*(?:[ap]\.?m\.?|sa|ch)\b)?"  # 07:11, 4:28 pm, 7h30
_ISO_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?"  # 07:11:00+07:00, 07:11Z
_WEEKDAY = _phrases("thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật") + rf"|thứ{_H}*[2-7]"
_PUBLICATION_LABEL = _phrases(
    "ngày đăng",
    "ngày cập nhật",
    "ngày xuất bản",
    "thời gian đăng",
    "thời gian cập nhật",
    "cập nhật",
    "đăng ngày",
    "xuất bản",
)
# What may open a line before its dateline: a metadata "date 2025-03" and a source tag
# ("ANTD.VN - ", "TPO - ", "(Chinhphu.vn) - ", "(PLO)-").
_METADATA_PREFIX = rf"(?i:date){_H}*:?{_H}*\d{{4}}-\d{{1,2}}(?:-\d{{1,2}})?{_H}+"
_SOURCE_TAG = rf"(?:\([^()\n]{{1,40}}\){_H}*{_DASH}?|[^\W\d_][\w.]*(?:{_H}+[^\W\d_][\w.]*){{0,2}}{_H}*{_DASH}){_H}*"
_LINE_START = rf"^{_H}*(?:{_METADATA_PREFIX})?(?:{_SOURCE_TAG})?"
# Capitalized: a line that starts "ngày 15/5/2016 của …" is a citation wrapped onto a new line.
_TIME_OF_DAY = _phrases("Rạng sáng", "Sáng", "Trưa", "Chiều", "Tối", "Đêm", "Ngày", "Hôm nay")

# Form 1: publication lines.
_LABELLED = re.compile(
    rf"(?:{_PUBLICATION_LABEL}){_H}*:?{_H}*(?:lúc{_H}+)?(?:{_CLOCK}{_H}*(?:[,|]|{_DASH})?{_H}*)?(?:ngày{_H}+)?"
    rf"(?:(?P<date>{_DAY_MONTH_YEAR})|(?P<iso>{_ISO_DATE})){_END}",
    re.IGNORECASE,
)
_WEEKDAY_HEADER = re.compile(
    rf"(?:{_WEEKDAY}){_H}*(?:,|{_DASH})?{_H}*(?:ngày{_H}+)?(?P<date>{_DAY_MONTH_YEAR}){_END}", re.IGNORECASE
)
# "date 2021-09-08", or a year-month "Date: 2025-03" that only gives a year to a dateline.
_METADATA = re.compile(
    rf"^{_H}*date{_H}*:?{_H}*(?:(?P<iso>{_ISO_DATE})|(?P<year_month>\d{{4}}-\d{{1,2}})){_END}",
    re.IGNORECASE | re.MULTILINE,
)

# Form 2 (with a year) and form 3 (without): "Sáng 14-11, …", "Ngày 07/9/2021, …".
_DATELINE = re.compile(
    rf"{_LINE_START}(?:{_TIME_OF_DAY})(?:{_H}+(?:nay|qua))?(?:{_H}+ngày)?(?:{_H}+(?i:{_WEEKDAY}))?{_H}*[,(]?{_H}*"
    rf"(?P<date>{_DAY_MONTH}(?:{_SEP}\d{{4}})?|{_SPELLED}(?:{_H}*,?{_H}*năm{_H}+\d{{4}})?){_END}",
    re.MULTILINE,
)
# Form 2: the formal date of an official document, after its place ("Hà Nội, ngày 15 tháng 5
# năm 2016", wherever a PDF put that header cell) or on a line of its own.
_PLACE_AND_DATE = re.compile(rf"(?<!\w)(?P<place>[^\W\d_]+),{_H}*ngày{_H}+(?P<date>{_SPELLED_YEAR}){_END}", re.I)
_FORMAL_DATE_LINE = re.compile(rf"^{_H}*ngày{_H}+(?P<date>{_SPELLED_YEAR}){_H}*\.?{_H}*$", re.I | re.M)
_ISO_LINE = re.compile(rf"^{_H}*(?P<iso>{_ISO_DATE})(?:(?:t|{_H}+){_ISO_CLOCK})?{_H}*$", re.I | re.M)

# (strength, pattern): a stronger form (smaller number) anywhere in the head wins.
_FULL_DATE_FORMS = (
    (1, _LABELLED),
    (1, _WEEKDAY_HEADER),
    (1, _METADATA),
    (2, _DATELINE),
    (2, _PLACE_AND_DATE),
    (2, _FORMAL_DATE_LINE),
    (2, _ISO_LINE),
)

# What the publication lines and the formal date cannot match without.
_NUMERIC_FORMS = (_LABELLED, _WEEKDAY_HEADER)
_NUMERIC_DATE = re.compile(rf"{_DAY_MONTH_YEAR}|{_ISO_DATE}")
_SPELLED_MONTH = re.compile(_SPELLED_YEAR, re.IGNORECASE)

# A year named in a dateline's sentence ("… thi đua năm 2019."), not a span ("năm 2021-2025"),
# nor a year of birth or a starting point ("Lê Hữu Toàn (sinh năm 1993)", "từ năm 2014 đến
# nay"): on 8,000 news articles of 2017, those gave most of the years that were wrong.
_NAMED_YEAR = re.compile(rf"(?<!\w)(?<!sinh\s)(?<!từ\s)năm{_H}+(\d{{4}})(?!\d|{_H}*{_DASH}{_H}*\d)", re.IGNORECASE)
# A year a title gives: of a full date ("ngày 6/2/2017", "2017-02-06") or named ("năm 2017").
_TITLE_YEAR = re.compile(
    rf"(?<![\d/.\-])(?:\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}(\d{{4}})|(\d{{4}})-\d{{1,2}}-\d{{1,2}})(?![/.\-]?\d)"
    rf"|(?<!\w)(?<!sinh\s)(?<!từ\s)năm{_H}+(\d{{4}})(?!\d|{_H}*{_DASH}{_H}*\d)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"\n|[.!?…]+(?=\s|$)")
# Abbreviations whose period does not end a sentence ("TP. Hà Nội", "ThS. Nguyễn …").
_ABBREVIATION = re.compile(r"(?<!\w)(?:TP|Tp|tp|TS|ThS|PGS|GS|BS|KS|Q|P|TT|NXB)$")

# Dates typed by users or found in data files, whole: a year, a month or a day.
_TYPED_DATES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # 2021, 2021-09, 2021-9-8, 2021/09/08, 2021-09-08T07:11:00+07:00, 2021-09-08 07:11:00
        rf"(?P<year>\d{{4}})(?:{_SEP}(?P<month>\d{{1,2}})(?:{_SEP}(?P<day>\d{{1,2}})(?:(?:t|\s+){_ISO_CLOCK})?)?)?",
        # 08/09/2021, 8-9-2021, 08.09.2021, ngày 8/9/2021
        rf"(?:ngày\s*)?(?P<day>\d{{1,2}}){_SEP}(?P<month>\d{{1,2}}){_SEP}(?P<year>\d{{4}})",
        # 9/2021, tháng 9/2021
        rf"(?:tháng\s*)?(?P<month>\d{{1,2}}){_SEP}(?P<year>\d{{4}})",
        # ngày 8 tháng 9 năm 2021, tháng 9 năm 2021, năm 2021
        r"(?:(?:ngày\s+(?P<day>\d{1,2})\s+)?tháng\s+(?P<month>\d{1,2})\s*,?\s+)?năm\s+(?P<year>\d{4})",
    )
)


# What is left of a publication line once its date is taken out: a time, a time zone,
# punctuation ("(Thứ sáu, 24/09/2021, 04:28 pm GMT+7)").
_PUBLICATION_REST = re.compile(rf"{_CLOCK}|gmt{_H}*(?:[+-]{_H}*\d{{1,2}}(?::?\d{{2}})?)?|[\W\d_]", re.IGNORECASE)
_LEADING_METADATA = re.compile(rf"^{_H}*{_METADATA_PREFIX}")


def undated(line: str) -> str:
    """A line without the publication date it opens with: "" for a line that is only
    a date ("Cập nhật: 08/09/2021 07:11"), the rest for a line that opens with a
    "date 2025-03" mark. A title is never a date."""
    line = unicodedata.normalize("NFC", line)
    rest = line
    for form in (_LABELLED, _WEEKDAY_HEADER, _METADATA, _ISO_LINE):
        rest = form.sub(" ", rest)
    if rest != line and not _PUBLICATION_REST.sub("", rest):
        return ""
    return _LEADING_METADATA.sub("", line).strip()


def date_in_text(text: str) -> str | None:
    """The date a document gives itself near its start, as "YYYY-MM-DD", or None.

    A publication line ("Cập nhật: 08/09/2021 07:11", "(Thứ sáu, 24/09/2021, …)") beats a
    dated dateline or formal date ("Ngày 07/9/2021, …", "Hà Nội, ngày 15 tháng 5 năm 2016"),
    which beats a dateline without a year ("Sáng 14-11, …"). Such a dateline takes its year
    from the document alone (see `_dateline_date`), never from its file: a copied file
    has the day of the copy. Dates cited further on are not the document's.
    """
    head = _head(text)
    full_dates = list(_full_dates(head))
    if full_dates:
        return min(full_dates, key=lambda found: found[:2])[2].isoformat()
    # A full date of form 1 or 2 is itself the answer above, so only a year-month, the
    # dateline's own sentence and the title are left to give a dateline its year.
    for match in _DATELINE.finditer(head):
        numbers = _numbers(match["date"])
        if len(numbers) == 2 and _calendar_date(2000, numbers[1], numbers[0]):  # 2000: 29/2 exists
            day, month = numbers
            # The first valid dateline is the document's; a later one tells of another event.
            found = _dateline_date(day, month, head, match)
            return found.isoformat() if found else None
    return None


def date_bounds(value: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of a date typed by a user or found in a data file: a day,
    a month or a year ("2021-09-08", "08/09/2021", "9/2021", "tháng 9 năm 2021", "2021"),
    or None when `value` is not one. A datetime gives its date as written, whatever its
    time zone. Vietnamese forms put the day first."""
    value = unicodedata.normalize("NFC", value).strip()
    for pattern in _TYPED_DATES:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["year"])
        month = int(parts["month"]) if parts.get("month") else None
        day = int(parts["day"]) if parts.get("day") else None
        if month is None:
            first, last = _calendar_date(year, 1, 1), _calendar_date(year, 12, 31)
        elif day is None:
            first = _calendar_date(year, month, 1)
            last = _month_end(first) if first else None
        else:
            first = last = _calendar_date(year, month, day)
        return (first, last) if first and last else None
    return None


_RELATIVE = re.compile(r"(?P<count>\d{1,4})(?P<unit>[dwmy])", re.IGNORECASE)


def typed_date_bounds(value: str, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date] | None:
    """What a user typed for a date (`--since`, `--until`, `date:`): a date as for
    `date_bounds`, or a day counted back from `today`: "today", "yesterday", "7d"
    (days), "2w" (weeks), "3m" (months), "1y" (years); a month or year back is the same
    day of the month, or the month's last day where it has none."""
    today = today or datetime.date.today()
    word = value.strip().lower()
    if word in ("today", "yesterday"):
        day = today - datetime.timedelta(days=word == "yesterday")
        return day, day
    match = _RELATIVE.fullmatch(word)
    if match is None:
        return date_bounds(value)
    count, unit = int(match["count"]), match["unit"]
    if unit in "dw":
        try:
            day = today - datetime.timedelta(days=count * (7 if unit == "w" else 1))
        except OverflowError:
            return None
        return day, day
    months = today.year * 12 + today.month - 1 - count * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    if year < 1:
        return None
    first = datetime.date(year, month + 1, 1)
    day = first.replace(day=min(today.day, _month_end(first).day))
    return day, day


def typed_date_bound(value: str, *, last: bool) -> datetime.date:
    """A date typed as a bound (`--since`, or with `last` `--until`): the first day it
    covers, or its last; raises ValueError with what to write instead."""
    bounds = typed_date_bounds(value)
    if bounds is None:
        raise ValueError(f"{value!r} is not a date (write YYYY-MM-DD, YYYY-MM, YYYY, today, 7d, 2w, 3m or 1y)")
    return bounds[1] if last else bounds[0]


def date_value(value: object) -> str | None:
    """A date field of a JSON Lines record as "YYYY-MM-DD" (a month or a year gives its
    first day), or None. Numbers are Unix timestamps in seconds, or in milliseconds when
    above 1e11 (a date in the year 5138 in seconds), read in UTC."""
    if isinstance(value, bool):  # True is an int, not a date
        return None
    if isinstance(value, str):
        bounds = date_bounds(value)
        return bounds[0].isoformat() if bounds else None
    if not isinstance(value, int | float):
        return None
    seconds = value / 1000 if abs(value) > 1e11 else value
    try:
        moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # inf, nan, or beyond year 9999
        return None
    return moment.date().isoformat() if MIN_YEAR <= moment.year <= MAX_YEAR else None


def _head(text: str) -> str:
    """The start of `text` where a document dates itself, in NFC with "\\n" line ends."""
    head = unicodedata.normalize("NFC", text[: HEAD_CHARS * 2])[:HEAD_CHARS]  # twice: room for NFD's marks
    return head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _full_dates(head: str) -> Iterator[tuple[int, int, datetime.date]]:
    """(strength, offset, date) of each valid full date of forms 1 and 2 in `head`."""
    numeric = _NUMERIC_DATE.search(head) is not None
    spelled = _SPELLED_MONTH.search(head) is not None
    for strength, pattern in _FULL_DATE_FORMS:
        # The unanchored forms are slow to try at every place (some 75 µs a head): skip
        # those whose date the head does not have at all.
        if (pattern in _NUMERIC_FORMS and not numeric) or (pattern is _PLACE_AND_DATE and not spelled):
            continue
        for match in pattern.finditer(head):
            found = _date_of(match)
            if found:
                yield strength, match.start(), found


def _date_of(match: re.Match[str]) -> datetime.date | None:
    """The full date a form matched: its "iso" group read year first, its "date" group day first."""
    groups = match.groupdict()
    place = groups.get("place")
    if place is not None and not place[0].isupper():  # "của Bộ Chính trị, ngày …" cites a document
        return None
    if groups.get("iso"):
        year, month, day = _numbers(groups["iso"])
    elif groups.get("date") and len(numbers := _numbers(groups["date"])) == 3:
        day, month, year = numbers
    else:
        return None
    return _calendar_date(year, month, day)


def _dateline_date(day: int, month: int, head: str, dateline: re.Match[str]) -> datetime.date | None:
    """The day of a dateline without a year, `dateline` in `head`: the year of a
    "date 2025-03" line of the same month, else the one year the dateline's sentence
    names, else the one year the title names (a title "… ngày 6/2/2017"); None when
    these name none, or several."""
    for match in _METADATA.finditer(head):
        if match["year_month"] and int(match["year_month"][5:]) == month:
            return _calendar_date(int(match["year_month"][:4]), month, day)
    named = {int(year) for year in _NAMED_YEAR.findall(_sentence_from(head, dateline.end()))}
    if not named:
        title = next((line for line in head[: dateline.start()].splitlines() if line.strip()), "")
        named = {int(next(filter(None, found.groups()))) for found in _TITLE_YEAR.finditer(title)}
    return _calendar_date(named.pop(), month, day) if len(named) == 1 else None


def _sentence_from(text: str, start: int) -> str:
    """The rest of the sentence going on at `start`: up to a full stop or a line end."""
    for end in _SENTENCE_END.finditer(text, start):
        stop = end.start()
        if end.group() == "\n" or not _ABBREVIATION.search(text, max(start, stop - 3), stop):
            return text[start:stop]
    return text[start:]


def _numbers(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", text)]


def _calendar_date(year: int, month: int, day: int) -> datetime.date | None:
    """The date, when it is a real one in the years documents are dated with."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _month_end(first: datetime.date) -> datetime.date:
    following = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)
