"""What a `searchkit query` process loads: a query must start fast, so it must not pay
for what it does not use (scikit-learn, pyvi's model where no words are to be decided,
the indexing machinery, Whoosh: the store reads its own files, the server's web stack)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Run in a new process: the real command, in process, then what it had loaded.
PROBE = """
import json, sys
from searchkit.cli import main
sys.argv = ["searchkit", "query", sys.argv[2], "--json", "--index", sys.argv[1]]
try:
    main()
except SystemExit as exit:
    status = exit.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

NOT_LOADED = (
    *("sklearn", "pyvi", "multiprocessing", "asyncio", "urllib.request", "searchkit.segments"),
    *("whoosh", "searchkit.store.whoosh", "searchkit.documents"),
    # The readers of formats, and the rules for choosing files: indexing's alone.
    *("lxml", "docx", "pypdf", "markdown_it", "pathspec", "searchkit.formats.html", "searchkit.dates"),
    # searchkit serve's web stack.
    *("starlette", "uvicorn", "anyio", "searchkit.server", "searchkit.live"),
)


def modules_loaded(index: Path, query: str) -> list[str]:
    """The modules a `searchkit query` process has loaded once it has answered."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(index), query], capture_output=True, text=True, encoding="utf-8", check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["status"] in (0, None)
    assert done.stdout.strip(), "the query found nothing"
    return report["modules"]


@pytest.mark.parametrize("query", ["cong an cap huyen", "công an cấp huyện"])
def test_a_query_loads_nothing_it_does_not_use(demo_index: Path, query: str) -> None:
    modules = modules_loaded(demo_index, query)
    assert "searchkit.store.segment" in modules
    assert [name for name in NOT_LOADED if name in modules] == []
    # Its words are decided with pyvi's model, run by python-crfsuite.
    assert "pycrfsuite" in modules


@pytest.mark.parametrize("query", ["huyện", '"công an cấp huyện"', "path:tien-phong"])
def test_a_query_with_no_words_to_decide_loads_no_model(demo_index: Path, query: str) -> None:
    modules = modules_loaded(demo_index, query)
    assert [name for name in (*NOT_LOADED, "pycrfsuite") if name in modules] == []
