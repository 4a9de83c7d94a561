"""Typing benchmark (issue 17): queries as people type them, with the input method off
and with a typing mistake, against the same queries typed right.

Questions: every question of each `../shared/eval` set, typed four ways: right; in
Telex and in VNI with the input method off (each syllable with its tone key after its
vowel or at the end, and Telex's w shorthands, as a seed chooses; capitals kept); and
with one typing mistake in its rarest content syllable (the highest idf; a letter left
out, added, swapped or wrong, as the seed chooses, drawn so that it makes no syllable
of the passages). nDCG@10 of each, as a share of the questions typed right, for
searchkit and for bm25s over folded syllables on the same altered questions.

Keywords: 2-3-syllable phrases from the titles of the first articles of the benchmark
corpus (a folder of .txt files, title on the first line), typed unquoted, right, with
one mistake in one syllable (no syllable of the corpus), in Telex and in VNI: how much
of the phrase's top 10 typed right each altered phrase finds.

False rewrites: the questions typed right, a list of common English words and a list
of codes (those of either list that the passages hold are left out): how many were
searched as something else, or got a "did you mean".

The typing is done by the plain encoders of tests/reference.py, not by searchkit.

    python benchmarks/typed.py ../shared/eval/ViMedAQA_v2.csv ../shared/eval/ViRe4MRC_v2.csv --articles DIR

Tables go to stdout, progress to stderr. Needs the `bench` extra.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peers import read_article
from relevance import (
    Bm25System,
    EvalSet,
    K,
    as_plain_query,
    folded_syllables,
    load_eval_set,
    score_ranking,
    strip_diacritics,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from reference import QUESTION_WORDS, typed_in_telex, typed_in_vni

from searchkit.documents import Document
from searchkit.errors import QuerySyntaxError
from searchkit.indexing import index_documents
from searchkit.searching import Searcher, SearchResult

SEED = 17
KEYWORD_PHRASES = 300
_TOKEN_RE = re.compile(r"\w+")
_RUN_RE = re.compile(r"(?<![\w.,:/-])[^\W\d_]+(?: [^\W\d_]+)+(?![\w.,:/-])")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Common English words: none is a syllable of a Vietnamese news text (those that are,
# such as "can" or "the", would match as typed and are left out of the count).
ENGLISH = """
about after again against also always another around because before being below between both
children could different does doing during each enough every example family first found friend
from give going great group happy have help here house important interest just kind know large
learn little live long look make many might money more most mother much must never next night
number often other people place point problem question right school second should small something
sometimes sound spell still story study such take their there these thing think those thought
three through together turn under until very water week where which while white whole world would
write wrong year young yours
""".split()
# Codes: sizes, teams, ratings, times, places and versions people search for as written.
CODES = """
A4 A3 U23 U19 G7 G20 F0 F1 F2 5G 4G 3G 10:30 22:00 TP.HCM COVID-19 H5N1 ISO-9001 B52 MiG-21 iPhone15
S500 K+ VTV3 HTV7 Euro2024 SEA31 AH-64 T-90 Su-30 PM2.5 CO2 H2O Wi-Fi USB-C iOS17 A320 B787 X5 Q7
""".split()


def progress(message: str) -> None:
    print(f"typed: {message}", file=sys.stderr, flush=True)


# ---- typing ---------------------------------------------------------------------------------


def retyped(text: str, type_syllable: Callable[[str], str]) -> str:
    """`text` with each word typed by `type_syllable` (given it lower-cased), its first
    letter's case kept, everything between the words as it is."""

    def typed(match: re.Match[str]) -> str:
        word = match.group()
        keys = type_syllable(word.lower())
        if word.isupper() and len(word) > 1:
            return keys.upper()
        return keys[:1].upper() + keys[1:] if word[:1].isupper() else keys

    return _TOKEN_RE.sub(typed, unicodedata.normalize("NFC", text))


def in_telex(text: str, rng: random.Random) -> str:
    return retyped(text, lambda s: typed_in_telex(s, tone_at_end=rng.random() < 0.5, shorthand=rng.random() < 0.5))


def in_vni(text: str, rng: random.Random) -> str:
    return retyped(text, lambda s: typed_in_vni(s, tone_at_end=rng.random() < 0.5, marks_at_end=rng.random() < 0.5))


def mistyped(syllable: str, rng: random.Random, corpus: set[str]) -> str | None:
    """`syllable` with one typing mistake that makes no folded syllable of `corpus`;
    None if twenty tries find none."""
    letters = list(unicodedata.normalize("NFC", syllable))
    for _ in range(20):
        kind = rng.choice(("left out", "added", "swapped", "wrong"))
        at = rng.randrange(len(letters))
        changed = list(letters)
        if kind == "left out" and len(letters) > 1:
            del changed[at]
        elif kind == "added":
            changed.insert(rng.randrange(len(letters) + 1), rng.choice(_LETTERS))
        elif kind == "swapped" and len(letters) > 1:
            at = min(at, len(letters) - 2)
            changed[at], changed[at + 1] = changed[at + 1], changed[at]
        elif kind == "wrong":
            changed[at] = rng.choice(_LETTERS.replace(strip_diacritics(letters[at]).lower(), ""))
        typed = "".join(changed)
        if typed != syllable and strip_diacritics(typed).lower() not in corpus:
            return typed
    return None


def with_one_mistake(text: str, rng: random.Random, corpus: set[str], idf: dict[str, float]) -> str | None:
    """`text` with one mistake in its rarest content syllable (the highest idf in the
    passages; question words and numbers are not content)."""
    words = [m for m in _TOKEN_RE.finditer(text) if m.group().isalpha() and m.group().lower() not in QUESTION_WORDS]
    if not words:
        return None
    rarest = max(words, key=lambda m: idf.get(strip_diacritics(m.group()).lower(), 0.0))
    typed = mistyped(rarest.group(), rng, corpus)
    return None if typed is None else text[: rarest.start()] + typed + text[rarest.end() :]


# ---- searching ------------------------------------------------------------------------------


class Engine:
    """searchkit over documents (id → text), through the library, index open."""

    def __init__(self, documents: dict[str, tuple[str, str]], workdir: Path) -> None:
        index_documents((Document(path=doc_id, title=t, text=b) for doc_id, (t, b) in documents.items()), workdir)
        self.searcher = Searcher(workdir)

    def search(self, query: str) -> SearchResult | None:
        try:
            return self.searcher.search(as_plain_query(query), limit=K, snippets=0)
        except QuerySyntaxError:
            return None

    def top(self, query: str) -> list[str]:
        result = self.search(query)
        return [hit.path for hit in result.hits] if result is not None else []


def corpus_statistics(texts: list[str]) -> tuple[set[str], dict[str, float]]:
    """The folded syllables of `texts`, and the idf of each."""
    frequency: Counter[str] = Counter()
    for text in texts:
        frequency.update(set(folded_syllables(text)))
    n = len(texts)
    return set(frequency), {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in frequency.items()}


@dataclass
class Typings:
    """The questions of a set (or phrases) typed each way; None where a way could not."""

    right: list[str]
    ways: dict[str, list[str | None]]


def type_every_way(texts: list[str], corpus: set[str], idf: dict[str, float]) -> Typings:
    rng = random.Random(SEED)
    return Typings(
        texts,
        {
            "Telex": [in_telex(t, rng) for t in texts],
            "VNI": [in_vni(t, rng) for t in texts],
            "one mistake": [with_one_mistake(t, rng, corpus, idf) for t in texts],
        },
    )


def ndcg(rank: Callable[[str], list[str]], queries: list[str | None], relevant: list[frozenset[str]]) -> float:
    """Mean nDCG@10 in %, over the queries that could be typed (the others count as their
    right typing would not: they are left out of both sides by the caller)."""
    scores = [score_ranking(rank(q), r)["ndcg@10"] for q, r in zip(queries, relevant, strict=True) if q is not None]
    return 100 * sum(scores) / len(scores) if scores else 0.0


def question_table(eval_set: EvalSet, workdir: Path) -> list[str]:
    progress(f"{eval_set.name}: {len(eval_set.documents)} passages, {len(eval_set.questions)} questions")
    texts = list(eval_set.documents.values())
    corpus, idf = corpus_statistics(texts)
    engine = Engine({doc_id: ("", text) for doc_id, text in eval_set.documents.items()}, workdir / eval_set.name)
    baseline = Bm25System(eval_set.documents, folded_syllables)

    def bm25_top(query: str) -> list[str]:
        return [doc_id for doc_id, _score in baseline.rank(query)]

    questions = [q.text for q in eval_set.questions]
    relevant = [q.relevant for q in eval_set.questions]
    typings = type_every_way(questions, corpus, idf)
    lines = [
        f"{eval_set.name}: {len(questions)} questions, nDCG@10 in % (share of the questions typed right)",
        f"  {'typed':14} {'questions':>9} {'searchkit':>18} {'bm25s folded':>18}",
    ]
    clean = {name: ndcg(top, questions, relevant) for name, top in (("sk", engine.top), ("bm", bm25_top))}
    lines.append(f"  {'right':14} {len(questions):9,} {clean['sk']:11.2f} (100%) {clean['bm']:11.2f} (100%)")
    for way, typed in typings.ways.items():
        kept = [t for t in typed if t is not None]
        # Both sides over the same questions: those this way could type.
        right = [q if t is not None else None for q, t in zip(questions, typed, strict=True)]
        cells = []
        for top in (engine.top, bm25_top):
            base = ndcg(top, right, relevant)
            got = ndcg(top, typed, relevant)
            cells.append(f"{got:11.2f} ({100 * got / base if base else 0:3.0f}%)")
        lines.append(f"  {way:14} {len(kept):9,} {cells[0]} {cells[1]}")
    lines += false_rewrites(engine, questions, corpus)
    engine.searcher.close()
    return lines


def false_rewrites(engine: Engine, questions: list[str], corpus: set[str]) -> list[str]:
    """How many of the questions typed right, the English words and the codes were searched
    as something else or got a "did you mean", and each of them, to judge."""
    parts, shown = [], []
    for name, queries in (
        ("questions typed right that match", questions),
        ("English words", [w for w in ENGLISH if w not in corpus]),
        ("codes", [c for c in CODES if not set(folded_syllables(c)) <= corpus]),
    ):
        results = [(q, r) for q in queries if (r := engine.search(q)) is not None]
        if name.startswith("questions"):
            results = [(q, r) for q, r in results if r.hits]
        rewritten = [(q, r) for q, r in results if r.searched is not None or r.suggestion is not None]
        share = 100 * len(rewritten) / len(results) if results else 0.0
        parts.append(f"{name}: {len(rewritten)} of {len(results)} ({share:.1f}%)")
        shown += [f"    {q!r} -> {(r.searched.query if r.searched else r.suggestion)!r}" for q, r in rewritten]
    return ["  rewritten or 'did you mean': " + "; ".join(parts), *shown]


def keyword_table(folder: Path, articles: int, workdir: Path) -> list[str]:
    paths = sorted(folder.glob("*.txt"))[:articles]
    progress(f"keywords: indexing {len(paths):,} articles of {folder}")
    read = [read_article(path) for path in paths]
    documents = {a.path.name: (a.title, a.body) for a in read}
    corpus, _idf = corpus_statistics([f"{a.title}\n{a.body}" for a in read])
    engine = Engine(documents, workdir / "keywords")
    rng = random.Random(SEED)
    phrases: list[str] = []
    titles = [a.title for a in read]
    while len(phrases) < KEYWORD_PHRASES:
        # Syllables side by side: letters only, one space between.
        runs = [run.split() for run in _RUN_RE.findall(rng.choice(titles))]
        length = rng.choice((2, 3))
        runs = [run for run in runs if len(run) >= length]
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(len(run) - length + 1)
            phrases.append(" ".join(run[start : start + length]))
    rights = [engine.top(p) for p in phrases]
    ways: dict[str, list[str | None]] = {
        "one mistake": [],
        "Telex": [in_telex(p, rng) for p in phrases],
        "VNI": [in_vni(p, rng) for p in phrases],
    }
    for phrase in phrases:
        words = list(_TOKEN_RE.finditer(phrase))
        chosen = rng.choice(words)
        typed = mistyped(chosen.group(), rng, corpus)
        ways["one mistake"].append(None if typed is None else phrase[: chosen.start()] + typed + phrase[chosen.end() :])
    lines = [
        f"keywords: {len(phrases)} phrases of 2-3 syllables from the titles of {len(paths):,} articles, typed unquoted",
        f"  {'typed':14} {'phrases':>8} {'top 10 typed right found':>26}",
    ]
    for way, typed in ways.items():
        shares = [
            len(set(engine.top(t)) & set(right)) / len(right)
            for t, right in zip(typed, rights, strict=True)
            if t is not None and right
        ]
        mean = 100 * sum(shares) / len(shares) if shares else 0.0
        lines.append(f"  {way:14} {len(shares):8,} {mean:25.1f}%")
    engine.searcher.close()
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csvs", metavar="CSV", type=Path, nargs="*", help="question sets (question, context columns)")
    parser.add_argument("--articles", metavar="DIR", type=Path, help="a folder of the benchmark corpus's .txt articles")
    parser.add_argument("--keyword-articles", metavar="N", type=int, default=3000, help="articles for the keywords")
    parser.add_argument("--limit-questions", metavar="N", type=int, help="only the first N questions of each set")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="searchkit-typed-") as work:
        for path in args.csvs:
            print("\n".join(question_table(load_eval_set(path, limit_questions=args.limit_questions), Path(work))))
            print(flush=True)
        if args.articles is not None:
            print("\n".join(keyword_table(args.articles, args.keyword_articles, Path(work))), flush=True)


if __name__ == "__main__":
    main()
