"""What the index holds of each file (each source of documents): its signature (size, modification time, content
hash), kept beside the index so that a new run can tell which files changed without
reading every document back; and the folders given to `searchkit index`.

The catalog names the generation of the index it describes. The index is the truth:
when the generations differ (a run stopped between its commit and writing the catalog,
say) or the catalog is missing or damaged, it is made again from the signatures
stored with the documents. The folders are stored nowhere else, so they are read
from the catalog whatever its generation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.documents import JsonFields, Signature
from searchkit.store.index import replace_json

if TYPE_CHECKING:
    from searchkit.store.index import Store

CATALOG_FILE = "searchkit-files.json"

# Source path -> signature, for the file of every live document (a JSON Lines file once
# for all its documents); None for a document that did not come from a file, or whose
# signature is not known.
Catalog = dict[str, Signature | None]


# A folder's --include and --exclude patterns, as they were last given for it.
Patterns = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the catalog file records: the signatures of the files (empty when not
    asked for), the folders indexed (see `load_roots`) with the patterns each was
    last indexed with, and the JSON Lines fields read."""

    files: Catalog
    roots: list[str]
    json_fields: JsonFields
    patterns: dict[str, Patterns]


def load_catalog(store: Store | None, index_dir: Path) -> Recorded:
    """What the catalog file records, read once; the signatures of the files of the
    index `store` reads (none without it)."""
    saved = _read(index_dir)
    roots, fields, patterns = _roots(saved), _json_fields(saved), _patterns(saved)
    if store is None:
        return Recorded({}, roots, fields, patterns)
    try:
        if saved is not None and saved["generation"] == store.generation:
            files = {path: Signature.from_list(values) for path, values in saved["files"].items()}
            return Recorded(files, roots, fields, patterns)
    except (KeyError, TypeError, AttributeError, ValueError):
        pass
    files = {}
    for docnum in store.live_documents():
        meta = store.meta(docnum)
        files[str(meta.get("source") or meta["path"])] = Signature.from_list(meta.get("signature"))
    return Recorded(files, roots, fields, patterns)


def load_roots(index_dir: Path) -> list[str]:
    """The folders (or files) given to `searchkit index`, as `document_path` gives
    them, in the order they were first indexed; none if the catalog is missing or
    damaged, or was written before folders were recorded."""
    return _roots(_read(index_dir))


def _json_fields(saved: object) -> JsonFields:
    """The JSON Lines fields the last run that named any read (`--text-field` ...):
    a later run that names none reads the same ones."""
    named = saved.get("json_fields") if isinstance(saved, dict) else None
    if not isinstance(named, dict):
        return JsonFields()
    return JsonFields(
        **{what: value for what, value in named.items() if what in JsonFields.DEFAULTS and isinstance(value, str)}
    )


def _read(index_dir: Path) -> object:
    """The catalog file's contents; None if it cannot be read or parsed."""
    try:
        return json.loads((index_dir / CATALOG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _patterns(saved: object) -> dict[str, Patterns]:
    named = saved.get("patterns") if isinstance(saved, dict) else None
    if not isinstance(named, dict):
        return {}
    return {
        root: {kind: [str(p) for p in found.get(kind, []) if isinstance(p, str)] for kind in ("include", "exclude")}
        for root, found in named.items()
        if isinstance(found, dict)
    }


def _roots(saved: object) -> list[str]:
    roots = saved.get("roots") if isinstance(saved, dict) else None
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        return []
    return roots


def save_catalog(
    index_dir: Path,
    generation: int,
    catalog: Catalog,
    roots: Iterable[str],
    json_fields: JsonFields | None = None,
    patterns: dict[str, Patterns] | None = None,
) -> None:
    """Write the catalog of generation `generation`, replacing the old one at once,
    with the folders `roots` (those recorded before, then this run's), less any that
    no document is below any more, the patterns of those that have some, and the JSON
    Lines fields read."""
    files = {path: signature.as_list() if signature is not None else None for path, signature in catalog.items()}
    kept = [root for root in dict.fromkeys(roots) if any(is_below(path, [root]) for path in catalog)]
    saved: dict[str, object] = {"generation": generation, "files": files, "roots": kept}
    if json_fields is not None and json_fields.as_dict():
        saved["json_fields"] = json_fields.as_dict()
    kept_patterns = {root: found for root, found in (patterns or {}).items() if root in kept and any(found.values())}
    if kept_patterns:
        saved["patterns"] = kept_patterns
    replace_json(index_dir / CATALOG_FILE, saved)


def is_below(path: str, roots: Iterable[str]) -> bool:
    """Whether the document `path` is one of `roots` or in a folder below one."""
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
