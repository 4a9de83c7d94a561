// The search page of `searchkit serve`: a client of the JSON API at ./api/.
//
// Everything the page shows follows from its URL (?q=…&since=…&until=…&sort=…&page=N,
// or ?doc=PATH&q=… for a document), so a page can be shared and Back works. Text from
// the API (titles, snippets, paths, documents, messages) only ever enters the page as
// text nodes and <mark> elements made here: never as markup.

const PAGE_SIZE = 10;
const MAX_OFFSET = 10000;
const TYPING_PAUSE_MS = 200;
const SIMILAR_COUNT = 5;
const LANGUAGE_KEY = "searchkit.language";

const TEXTS = {
  en: {
    filters: "Filters",
    filtersShown: (parts) => (parts.length ? `: ${parts.join(" · ")}` : ""),
    sinceShort: (d) => `from ${d}`,
    untilShort: (d) => `to ${d}`,
    searchLabel: "Search the documents",
    searchPlaceholder: "Search…",
    searchButton: "Search",
    since: "From",
    until: "To",
    datePlaceholder: "2025-03, 7d",
    sort: "Sort by",
    sortScore: "relevance",
    sortDate: "date, newest first",
    exact: "exactly as typed",
    dateHint: "Dates: 2025, 2025-03, 2025-03-21, today, 7d (days), 2w (weeks), 3m (months), 1y.",
    homeLead: "Type to search. Diacritics are optional: “cong an” finds “công an”. Press / to come back to the box.",
    homeStats: (n) => `The index holds ${n} ${n === "1" ? "document" : "documents"}.`,
    count: (n, shown) => `${n} ${n === "1" ? "document" : "documents"}${shown ? `, showing ${shown}` : ""}`,
    none: (q) => `No document matches “${q}”.`,
    pastEnd: (last) => `This page is past the last one (page ${last}).`,
    firstPage: "Go to page 1",
    searched: "Searched instead:",
    searchExact: "Search exactly as typed",
    suggestion: "Did you mean:",
    leftOut: (n) =>
      n === "1"
        ? "1 document dated only by its file's time was left out."
        : `${n} documents dated only by their files' times were left out.`,
    includeThem: "Include them",
    fileDatesIncluded: "Documents dated only by their file's time are included.",
    leaveThemOut: "Leave them out",
    previous: "← Previous",
    next: "Next →",
    pager: "Pages",
    results: "Results",
    pageOf: (page, pages) => `Page ${page} of ${pages}`,
    score: "score",
    fileDate: "file date",
    alsoAt: "also at",
    untitled: "(untitled)",
    back: "← Back to results",
    matches: (n) => (n === "0" ? "No match of the query in this text." : `${n} ${n === "1" ? "match" : "matches"}`),
    nextMatch: "Next match ↓",
    similar: "Similar documents",
    searching: "Searching…",
    unreachable: "The server did not answer. Is searchkit serve still running?",
  },
  vi: {
    filters: "Bộ lọc",
    filtersShown: (parts) => (parts.length ? `: ${parts.join(" · ")}` : ""),
    sinceShort: (d) => `từ ${d}`,
    untilShort: (d) => `đến ${d}`,
    searchLabel: "Tìm trong các tài liệu",
    searchPlaceholder: "Tìm kiếm…",
    searchButton: "Tìm",
    since: "Từ ngày",
    until: "Đến ngày",
    datePlaceholder: "2025-03, 7d",
    sort: "Sắp xếp theo",
    sortScore: "độ phù hợp",
    sortDate: "ngày, mới nhất trước",
    exact: "đúng như đã gõ",
    dateHint: "Ngày: 2025, 2025-03, 2025-03-21, today (hôm nay), 7d (ngày), 2w (tuần), 3m (tháng), 1y (năm).",
    homeLead: "Gõ để tìm. Không cần gõ dấu: “cong an” tìm được “công an”. Nhấn / để quay lại ô tìm kiếm.",
    homeStats: (n) => `Chỉ mục có ${n} tài liệu.`,
    count: (n, shown) => `${n} tài liệu${shown ? `, đang xem ${shown}` : ""}`,
    none: (q) => `Không có tài liệu nào khớp với “${q}”.`,
    pastEnd: (last) => `Trang này nằm sau trang cuối (trang ${last}).`,
    firstPage: "Về trang 1",
    searched: "Đã tìm thay bằng:",
    searchExact: "Tìm đúng như đã gõ",
    suggestion: "Có phải bạn muốn tìm:",
    leftOut: (n) => `Đã bỏ qua ${n} tài liệu chỉ có ngày sửa tệp.`,
    includeThem: "Tính cả chúng",
    fileDatesIncluded: "Đang tính cả các tài liệu chỉ có ngày sửa tệp.",
    leaveThemOut: "Bỏ chúng ra",
    previous: "← Trang trước",
    next: "Trang sau →",
    pager: "Các trang",
    results: "Kết quả",
    pageOf: (page, pages) => `Trang ${page}/${pages}`,
    score: "điểm",
    fileDate: "ngày sửa tệp",
    alsoAt: "cũng có ở",
    untitled: "(không có tiêu đề)",
    back: "← Quay lại kết quả",
    matches: (n) => (n === "0" ? "Văn bản này không có chỗ nào khớp với truy vấn." : `${n} chỗ khớp`),
    nextMatch: "Chỗ khớp tiếp theo ↓",
    similar: "Tài liệu tương tự",
    searching: "Đang tìm…",
    unreachable: "Máy chủ không trả lời. searchkit serve có còn chạy không?",
  },
};

const $ = (id) => document.getElementById(id);
const box = $("q");
const form = $("search-form");

let language = chooseLanguage();
// The view on screen, to draw it again in the other language.
let shown = { state: null, answer: null, document: null, similar: null };
// Each request the page makes takes the next number; an answer that is not the
// latest's is dropped (and its request aborted), so a slow answer to an earlier
// query never replaces the results of a later one.
let latest = 0;
let inFlight = null;
let composing = false;
let typingTimer = 0;

// ---- state and URL --------------------------------------------------------------------

/** The page's state as its URL gives it. */
function stateFrom(url) {
  const p = new URL(url).searchParams;
  const page = Number.parseInt(p.get("page") ?? "1", 10);
  return {
    q: p.get("q") ?? "",
    since: p.get("since") ?? "",
    until: p.get("until") ?? "",
    sort: p.get("sort") === "date" ? "date" : "score",
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    exact: p.get("exact") === "1",
    fileDates: p.get("file_dates") === "1",
    doc: p.get("doc"),
    docBytes: p.get("doc_bytes"),
  };
}

/** The URL (its query string) of `state`; only what differs from the defaults. */
function urlOf(state) {
  const p = new URLSearchParams();
  if (state.docBytes) p.set("doc_bytes", state.docBytes);
  else if (state.doc) p.set("doc", state.doc);
  if (state.q) p.set("q", state.q);
  if (state.since) p.set("since", state.since);
  if (state.until) p.set("until", state.until);
  if (state.sort === "date") p.set("sort", "date");
  if (state.exact) p.set("exact", "1");
  if (state.fileDates) p.set("file_dates", "1");
  if (state.page > 1) p.set("page", String(state.page));
  const query = p.toString();
  return query ? `?${query}` : location.pathname;
}

function searchOf(state) {
  return { ...state, doc: null, docBytes: null };
}

/**
 * Go to `state`: "push" adds a history entry; "typing" adds one for the first search of
 * a typing spell and replaces it while the typing goes on (so Back skips the prefixes);
 * "replace" changes the current entry.
 */
function go(state, how) {
  const url = urlOf(state);
  rememberPlace();
  const here = location.search || location.pathname;
  if (how === "typing") {
    if (history.state?.typing) history.replaceState({ typing: true }, "", url);
    else if (url !== here) history.pushState({ typing: true }, "", url);
  } else if (how === "push" && url !== here) {
    history.pushState({}, "", url);
  } else {
    history.replaceState({}, "", url);
  }
  return render(state);
}

/** Keep the scroll position (and the result last opened) in the current entry, for Back. */
function rememberPlace(opened) {
  const record = { ...(history.state ?? {}), scroll: window.scrollY };
  if (opened !== undefined) record.opened = opened;
  history.replaceState(record, "");
}

function formState() {
  return {
    ...searchOf(shown.state ?? stateFrom(location.href)),
    q: box.value,
    since: $("since").value.trim(),
    until: $("until").value.trim(),
    sort: $("sort").value === "date" ? "date" : "score",
    exact: $("exact").checked,
    page: 1,
  };
}

function fillForm(state) {
  if (box.value !== state.q) box.value = state.q;
  $("since").value = state.since;
  $("until").value = state.until;
  $("sort").value = state.sort;
  $("exact").checked = state.exact;
  drawFilterSummary(state);
}

/** The filters in use, on the line that folds them away (closed on a narrow screen). */
function drawFilterSummary(state) {
  const parts = [];
  if (state.since) parts.push(t("sinceShort", state.since));
  if (state.until) parts.push(t("untilShort", state.until));
  if (state.sort === "date") parts.push(t("sortDate"));
  if (state.exact) parts.push(t("exact"));
  $("filters-summary").textContent = t("filtersShown", parts);
}

// ---- talking to the API ---------------------------------------------------------------

class AnswerError extends Error {}

function begin() {
  inFlight?.abort();
  inFlight = new AbortController();
  latest += 1;
  return { number: latest, signal: inFlight.signal };
}

async function ask(endpoint, params, signal) {
  const url = new URL(`api/${endpoint}`, location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) url.searchParams.set(name, value);
  }
  let answer;
  try {
    answer = await fetch(url, { signal, headers: { accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new AnswerError(t("unreachable"));
  }
  let body = null;
  try {
    body = await answer.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
  }
  if (!answer.ok) throw new AnswerError(body?.error ?? `HTTP ${answer.status}`);
  if (body === null) throw new AnswerError(`HTTP ${answer.status}`);
  return body;
}

// ---- drawing --------------------------------------------------------------------------

function t(key, ...args) {
  const text = TEXTS[language][key] ?? TEXTS.en[key];
  return typeof text === "function" ? text(...args) : text;
}

function number(n) {
  return new Intl.NumberFormat(language === "vi" ? "vi-VN" : "en-US", { maximumFractionDigits: 2 }).format(n);
}

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Append `text` to `parent` with the spans `highlights` marked. The spans are
 * [start, end) offsets in code points (as the API counts), while a JS string counts
 * UTF-16 units: a character outside the BMP (an emoji, a rare CJK one) is two.
 * Returns the <mark> elements made.
 */
function appendMarked(parent, text, highlights) {
  let unitAt = (point) => point;
  if (/[\uD800-\uDFFF]/.test(text)) {
    const units = [0];
    for (const character of text) units.push(units[units.length - 1] + character.length);
    unitAt = (point) => units[Math.min(point, units.length - 1)];
  }
  const spans = (highlights ?? [])
    .filter((span) => Array.isArray(span) && span[1] > span[0])
    .map(([start, end]) => [unitAt(start), unitAt(end)])
    .sort((a, b) => a[0] - b[0]);
  const marks = [];
  let at = 0;
  for (let [start, end] of spans) {
    start = Math.max(start, at);
    if (end <= start) continue;
    parent.append(text.slice(at, start));
    const mark = make("mark", "", text.slice(start, end));
    parent.append(mark);
    marks.push(mark);
    at = end;
  }
  parent.append(text.slice(at));
  return marks;
}

function formatDate(iso) {
  const day = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return iso;
  const locale = language === "vi" ? "vi-VN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(day);
}

/** A <time> for a hit's or document's date, saying when it is only the file's time. */
function dateElement(record) {
  if (!record.date) return null;
  const time = make("time", "date", formatDate(record.date));
  time.dateTime = record.date;
  if (record.date_source === "file") {
    const wrap = make("span", "date file-date");
    wrap.append(time, ` (${t("fileDate")})`);
    return wrap;
  }
  return time;
}

function documentState(hit) {
  const state = shown.state ?? stateFrom(location.href);
  return hit.path_bytes ? { ...searchOf(state), docBytes: hit.path_bytes } : { ...searchOf(state), doc: hit.path };
}

function documentLink(hit, className, onOpen) {
  const link = make("a", className, hit.title || t("untitled"));
  const target = documentState(hit);
  link.href = urlOf(target);
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onOpen(target);
  });
  return link;
}

function showView(name) {
  $("home").hidden = name !== "home";
  $("results-view").hidden = name !== "results";
  $("document-view").hidden = name !== "document";
}

function setError(element, message) {
  element.hidden = !message;
  element.textContent = message ?? "";
}

function drawHome(stats) {
  showView("home");
  document.title = "searchkit";
  const line = $("home-stats");
  line.textContent = stats && Number.isInteger(stats.documents) ? t("homeStats", number(stats.documents)) : "";
}

function drawResults(state, answer) {
  const list = $("results");
  list.replaceChildren();
  const status = $("status");
  const count = answer.count;
  const first = answer.offset + 1;
  const last = answer.offset + answer.hits.length;
  if (count === 0) status.textContent = t("none", state.q);
  else status.textContent = t("count", number(count), answer.hits.length ? `${number(first)}–${number(last)}` : "");

  drawRewrite(answer);
  drawLeftOut(state, answer);
  setError($("error"), null);

  answer.hits.forEach((hit, index) => list.append(drawHit(hit, index)));
  if (count > 0 && answer.hits.length === 0) {
    const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
    const item = make("li", "past-end", t("pastEnd", number(pages)));
    const button = make("button", "link-button", t("firstPage"));
    button.type = "button";
    button.addEventListener("click", () => go({ ...state, page: 1 }, "push"));
    item.append(" ", button);
    list.append(item);
  }
  drawPager(state, answer);
}

function drawHit(hit, index) {
  const item = make("li", "hit");
  item.dataset.rank = String(hit.rank);
  const heading = make("h2", "hit-title");
  heading.append(documentLink(hit, "hit-link", (target) => openDocument(target, index)));
  const meta = make("p", "meta");
  meta.append(make("span", "rank", `${number(hit.rank)}.`), " ", make("span", "path", hit.path));
  const date = dateElement(hit);
  if (date) meta.append(make("span", "dot", " · "), date);
  meta.append(make("span", "dot", " · "), make("span", "score", `${t("score")} ${number(hit.score)}`));
  const snippet = make("p", "snippet");
  appendMarked(snippet, hit.snippet ?? "", hit.highlights);
  item.append(heading, meta, snippet);
  if (Array.isArray(hit.also_at) && hit.also_at.length) {
    const also = make("p", "also-at", `${t("alsoAt")}: `);
    hit.also_at.forEach((path, i) => {
      if (i) also.append(", ");
      also.append(make("span", "path", path));
    });
    item.append(also);
  }
  return item;
}

function drawRewrite(answer) {
  const searched = $("searched");
  searched.replaceChildren();
  searched.hidden = !answer.searched;
  if (answer.searched) {
    const state = shown.state;
    const exact = make("button", "link-button", t("searchExact"));
    exact.type = "button";
    exact.addEventListener("click", () => go({ ...state, exact: true, page: 1 }, "push"));
    searched.append(
      `${t("searched")} `,
      make("strong", "rewritten", answer.searched.query),
      ` (${answer.searched.reason}). `,
      exact,
    );
  }
  const suggestion = $("suggestion");
  suggestion.replaceChildren();
  suggestion.hidden = !answer.suggestion;
  if (answer.suggestion) {
    const button = make("button", "link-button suggested", answer.suggestion);
    button.type = "button";
    button.addEventListener("click", () => {
      box.value = answer.suggestion;
      go({ ...shown.state, q: answer.suggestion, page: 1 }, "push");
    });
    suggestion.append(`${t("suggestion")} `, button);
  }
}

function drawLeftOut(state, answer) {
  const line = $("left-out");
  line.replaceChildren();
  const leftOut = answer.left_out_file_dated ?? 0;
  line.hidden = !(leftOut > 0 || state.fileDates);
  if (line.hidden) return;
  const button = make("button", "link-button", state.fileDates ? t("leaveThemOut") : t("includeThem"));
  button.type = "button";
  button.addEventListener("click", () => go({ ...state, fileDates: !state.fileDates, page: 1 }, "push"));
  line.append(state.fileDates ? t("fileDatesIncluded") : t("leftOut", number(leftOut)), " ", button);
}

function drawPager(state, answer) {
  const pages = Math.ceil(answer.count / PAGE_SIZE);
  $("pager").hidden = pages <= 1;
  $("page-of").textContent = t("pageOf", number(state.page), number(pages));
  $("previous").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages || state.page * PAGE_SIZE > MAX_OFFSET;
}

function drawSearchError(state, message) {
  $("results").replaceChildren();
  $("status").textContent = "";
  for (const id of ["searched", "suggestion", "left-out", "pager"]) $(id).hidden = true;
  setError($("error"), message);
}

function drawDocument(state, record) {
  setError($("document-error"), null);
  $("document-title").textContent = record.title || t("untitled");
  $("document-path").textContent = record.path;
  const date = $("document-date");
  date.replaceChildren();
  const dated = dateElement(record);
  if (dated) date.append(dated);
  const text = $("document-text");
  text.replaceChildren();
  const marks = appendMarked(text, record.text ?? "", record.highlights);
  const matches = $("document-matches");
  matches.replaceChildren();
  if (state.q) {
    matches.append(t("matches", number(marks.length)));
    if (marks.length) {
      const next = make("button", "link-button", t("nextMatch"));
      next.type = "button";
      next.id = "next-match";
      let at = -1;
      next.addEventListener("click", () => {
        marks[at]?.classList.remove("current");
        at = (at + 1) % marks.length;
        marks[at].classList.add("current");
        marks[at].scrollIntoView({ block: "center" });
      });
      matches.append(" ", next);
    }
  }
  document.title = `${record.title || record.path} — searchkit`;
}

function drawSimilar(answer) {
  const list = $("similar-list");
  list.replaceChildren();
  const hits = answer?.hits ?? [];
  $("similar").hidden = hits.length === 0;
  for (const hit of hits) {
    const item = make("li");
    item.append(documentLink(hit, "similar-link", (target) => openDocument(target)));
    const date = dateElement(hit);
    if (date) item.append(make("span", "dot", " · "), date);
    list.append(item);
  }
}

// ---- the views ------------------------------------------------------------------------

function render(state) {
  clearTimeout(typingTimer);
  shown = { state, answer: null, document: null, similar: null };
  fillForm(state);
  if (state.doc || state.docBytes) return renderDocument(state);
  if (!state.q.trim()) return renderHome();
  return renderSearch(state);
}

async function renderHome() {
  const { number: mine, signal } = begin();
  drawHome(null);
  try {
    const stats = await ask("stats", {}, signal);
    if (mine === latest) drawHome(stats);
  } catch {
    // The count of documents is a nicety; the box works without it.
  }
}

async function renderSearch(state) {
  const { number: mine, signal } = begin();
  const view = $("results-view");
  showView("results");
  view.setAttribute("aria-busy", "true");
  if (!$("results").childElementCount) $("status").textContent = t("searching");
  document.title = `${state.q} — searchkit`;
  try {
    const answer = await ask(
      "search",
      {
        q: state.q,
        limit: PAGE_SIZE,
        offset: Math.min((state.page - 1) * PAGE_SIZE, MAX_OFFSET),
        since: state.since,
        until: state.until,
        sort: state.sort === "date" ? "date" : "",
        exact: state.exact ? "true" : "",
        file_dates: state.fileDates ? "true" : "",
      },
      signal,
    );
    if (mine !== latest) return;
    shown.answer = answer;
    drawResults(state, answer);
    restorePlace();
  } catch (error) {
    if (mine !== latest || error.name === "AbortError") return;
    drawSearchError(state, error.message);
  } finally {
    if (mine === latest) view.removeAttribute("aria-busy");
  }
}

async function renderDocument(state) {
  const { number: mine, signal } = begin();
  showView("document");
  const path = state.docBytes ? { path_bytes: state.docBytes } : { path: state.doc };
  try {
    // The document API reads the query as the search did (a query searched instead is
    // highlighted as searched), so the matches are those the hit's snippet showed.
    const record = await ask("document", { ...path, q: state.q, exact: state.exact ? "true" : "" }, signal);
    if (mine !== latest) return;
    shown.document = record;
    drawDocument(state, record);
    drawSimilar(null);
    if (history.state?.focus === "document") $("document-title").focus({ preventScroll: true });
    restorePlace();
  } catch (error) {
    if (mine !== latest || error.name === "AbortError") return;
    for (const id of ["document-title", "document-path", "document-date", "document-matches", "document-text"]) {
      $(id).replaceChildren();
    }
    drawSimilar(null);
    setError($("document-error"), error.message);
    return;
  }
  try {
    const similar = await ask("similar", { ...path, limit: SIMILAR_COUNT }, signal);
    if (mine !== latest) return;
    shown.similar = similar;
    drawSimilar(similar);
  } catch {
    // Similar documents are a nicety; the document is shown without them.
  }
}

/** After Back: the scroll position the entry had, and focus on the result opened from it. */
function restorePlace() {
  const record = history.state ?? {};
  if (typeof record.scroll === "number") window.scrollTo(0, record.scroll);
  else if (!record.typing) window.scrollTo(0, 0);
  if (Number.isInteger(record.opened)) {
    const links = document.querySelectorAll("#results .hit-link");
    links[record.opened]?.focus({ preventScroll: true });
    history.replaceState({ ...record, opened: undefined }, "");
  }
}

function openDocument(target, index) {
  rememberPlace(index);
  const depth = shown.state?.doc || shown.state?.docBytes ? (history.state?.depth ?? 0) + 1 : 1;
  history.pushState({ depth, focus: "document" }, "", urlOf(target));
  window.scrollTo(0, 0);
  return render(target);
}

/** Back to the results a document was opened from: through history when they are there. */
function backToResults() {
  const depth = history.state?.depth;
  if (Number.isInteger(depth) && depth > 0) history.go(-depth);
  else go(searchOf(shown.state), "push");
}

// ---- language -------------------------------------------------------------------------

function chooseLanguage() {
  try {
    const kept = localStorage.getItem(LANGUAGE_KEY);
    if (kept && kept in TEXTS) return kept;
  } catch {
    // Storage may be off (a privacy setting): the browser's language decides.
  }
  for (const tag of navigator.languages ?? [navigator.language ?? "en"]) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary in TEXTS) return primary;
  }
  return "en";
}

function applyLanguage() {
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-text]")) element.textContent = t(element.dataset.text);
  for (const element of document.querySelectorAll("[data-placeholder]")) {
    element.placeholder = t(element.dataset.placeholder);
  }
  for (const element of document.querySelectorAll("[data-label]")) {
    element.setAttribute("aria-label", t(element.dataset.label));
  }
  for (const button of document.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === language));
  }
  if (shown.state) drawFilterSummary(shown.state);
  redraw();
}

/** The view on screen again, in the language now chosen, without asking the API again. */
function redraw() {
  const { state, answer, document: record, similar } = shown;
  if (!state) return;
  if (record) {
    drawDocument(state, record);
    drawSimilar(similar);
  } else if (answer) {
    drawResults(state, answer);
  } else if (!state.q.trim() && !state.doc && !state.docBytes) {
    renderHome();
  }
}

// ---- events ---------------------------------------------------------------------------

function searchTyped() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    if (!composing) go(formState(), "typing");
  }, TYPING_PAUSE_MS);
}

// A Vietnamese input method (ibus-bamboo, Unikey in its pre-edit mode, macOS Telex)
// composes each syllable before committing it: "cong" becomes "công" only when it
// ends. Searching the half-made syllable would fetch results for a word nobody means.
box.addEventListener("compositionstart", () => {
  composing = true;
  clearTimeout(typingTimer);
});
box.addEventListener("compositionend", () => {
  composing = false;
  searchTyped();
});
box.addEventListener("input", (event) => {
  if (event.isComposing || composing) return;
  searchTyped();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (composing) return;
  clearTimeout(typingTimer);
  const state = formState();
  if (performance.now() - filtersChangedAt < 100 && urlOf(state) === location.search) return;
  // Enter ends a typing spell: its entry becomes this search's.
  go(state, history.state?.typing ? "replace" : "push");
});

// Enter in a date field changes it and submits the form, one right after the other:
// one search for both.
let filtersChangedAt = -Infinity;
for (const id of ["since", "until", "sort", "exact"]) {
  $(id).addEventListener("change", () => {
    if (!box.value.trim()) return;
    filtersChangedAt = performance.now();
    go(formState(), "push");
  });
}

$("previous").addEventListener("click", () => go({ ...shown.state, page: shown.state.page - 1 }, "push"));
$("next").addEventListener("click", () => go({ ...shown.state, page: shown.state.page + 1 }, "push"));
$("back").addEventListener("click", backToResults);
$("home-link").addEventListener("click", (event) => {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  box.value = "";
  go(stateFrom(new URL(location.pathname, location.href)), "push");
  box.focus();
});

for (const button of document.querySelectorAll("[data-language]")) {
  button.addEventListener("click", () => {
    language = button.dataset.language;
    try {
      localStorage.setItem(LANGUAGE_KEY, language);
    } catch {
      // Not remembered, but switched all the same.
    }
    applyLanguage();
  });
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const typingInField = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typingInField) {
    event.preventDefault();
    box.focus();
    box.select();
  } else if (event.key === "Escape" && !$("document-view").hidden && !typingInField) {
    event.preventDefault();
    backToResults();
  }
});

window.addEventListener("popstate", () => render(stateFrom(location.href)));

history.scrollRestoration = "manual";
applyLanguage();
const first = stateFrom(location.href);
// The filters stay open where there is room, or when a shared URL uses them.
$("filters-box").open =
  window.matchMedia("(min-width: 40rem)").matches || Boolean(first.since || first.until || first.exact);
render(first);
