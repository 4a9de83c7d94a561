"""searchkit: full-text search for Vietnamese text."""

from searchkit import _whoosh

_whoosh.import_whoosh()
