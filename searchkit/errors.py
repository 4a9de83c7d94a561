"""The errors the core raises; the CLI turns each into a one-line message and exit 2."""

from __future__ import annotations


class SearchkitError(Exception):
    """Base class: something the user can fix, described in one line."""


class IndexNotFound(SearchkitError):
    """There is no searchkit index at the given path."""


class IndexCorrupt(SearchkitError):
    """The index exists but cannot be read; it has to be rebuilt."""


class IndexLocked(SearchkitError):
    """Another process is writing to the index."""


class SourceNotFound(SearchkitError):
    """The folder or file to index does not exist or cannot be listed."""


class DocumentNotFound(SearchkitError):
    """The file asked about is not a document of the index."""


class QuerySyntaxError(SearchkitError):
    """The query cannot be parsed (an unbalanced quote or parenthesis, a lone operator)."""


class IndexingFailed(SearchkitError):
    """A worker process stopped before it had written its documents (killed, out of
    memory, or a bug); nothing of the run was committed."""
