"""The OpenAPI 3.1 description of the API `searchkit serve` answers (`GET /openapi.json`).

Written out rather than generated: the API is four endpoints, and their records are
the CLI's `--json` objects, whose fields are documented here once.
"""

from __future__ import annotations

import functools
from typing import Any

from searchkit.server import MAX_LIMIT, MAX_OFFSET, MAX_PATH_CHARS, MAX_QUERY_CHARS

_NULLABLE_STRING = {"type": ["string", "null"]}
_SPANS = {
    "type": "array",
    "description": "[start, end) offsets, in characters (code points), of the query's matches in the text.",
    "items": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
}
_PATH_FIELDS = {
    "path": {
        "type": "string",
        "description": "The file (FILE#ID for a record of a JSON Lines file), relative to the folder the "
        "server runs in when it is below it; a name that is not UTF-8 has each such byte as \\xNN.",
    },
    "path_bytes": {
        "type": "string",
        "contentEncoding": "base64",
        "description": "Only for a name that is not UTF-8: its exact bytes, in base64.",
    },
}
_DATE_FIELDS = {
    "date": {**_NULLABLE_STRING, "description": "YYYY-MM-DD, or null for a document without a date."},
    "date_source": {
        "type": ["string", "null"],
        "enum": ["document", "file", None],
        "description": "Where the date comes from: the document itself, or only its file's time.",
    },
}
_REWRITE = {
    "type": "object",
    "description": "The query searched instead of the one typed, and why.",
    "required": ["query", "reason"],
    "properties": {"query": {"type": "string"}, "reason": {"type": "string"}},
}
_HIT = {
    "type": "object",
    "description": "One hit: the object `searchkit query --json` prints.",
    "required": ["rank", "score", "path", "title", "date", "date_source", "snippet", "highlights"],
    "properties": {
        "rank": {"type": "integer", "minimum": 1},
        "score": {"type": "number"},
        **_PATH_FIELDS,
        "title": {"type": "string"},
        **_DATE_FIELDS,
        "snippet": {"type": "string", "description": "The passage that best shows the match."},
        "highlights": _SPANS,
        "also_at": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The other files with the same title and text.",
        },
        "searched": {"$ref": "#/components/schemas/Rewrite"},
        "suggestion": {"type": "string"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "One line saying what is wrong."}},
    "additionalProperties": False,
}


def _parameter(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """A query parameter; an optional one given empty (`since=`, as a form sends an
    empty field) is as if not given."""
    if required:
        return {"name": name, "in": "query", "required": True, "description": description, "schema": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": f"{description} Empty: as if not given.",
        "schema": schema,
    }


def _answers(schema: str, *statuses: int, media: str = "application/json") -> dict[str, Any]:
    """The responses of an endpoint: 200 with `schema`, and an error for each status."""
    said = {
        400: "A parameter is missing, malformed or out of range, or the query cannot be parsed.",
        401: "The server asks for an access token, and none was given.",
        404: "The path is not a document of the index.",
        414: "The request's address (path and query string) is longer than 64 KB.",
        431: "The request's headers are larger than 16 KB.",
        503: "The index cannot be read.",
    }
    statuses = (*statuses, 414, 431)
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    ok = {"description": "The answer.", "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return {"200": ok, **{str(status): {"description": said[status], **error} for status in statuses}}


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The API's description, as `GET /openapi.json` serves it."""
    from importlib.metadata import version

    limits = {"query": MAX_QUERY_CHARS, "limit": MAX_LIMIT, "offset": MAX_OFFSET}
    paging = [
        _parameter(
            "limit",
            "How many hits to give.",
            {"type": "integer", "minimum": 1, "maximum": limits["limit"], "default": 10},
        ),
        _parameter(
            "offset",
            "How many of the best hits to skip (paging).",
            {"type": "integer", "minimum": 0, "maximum": limits["offset"], "default": 0},
        ),
    ]
    path_text = {"type": "string", "minLength": 1, "maxLength": MAX_PATH_CHARS}
    document_path = [
        _parameter("path", "The document's path, as a hit's `path` gives it.", path_text),
        _parameter(
            "path_bytes",
            "Instead of `path`, for a name that is not UTF-8: a hit's `path_bytes`.",
            {"type": "string", "maxLength": 4 * ((MAX_PATH_CHARS + 2) // 3)},
        ),
    ]
    date = {"type": "string", "maxLength": 40, "examples": ["2025-03", "2025-03-21", "30d"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "searchkit",
            "version": version("searchkit"),
            "description": "Full-text search of a Vietnamese index, as `searchkit query` answers it. "
            "Every answer is JSON (or tab-separated lines with format=tsv); an error is "
            '{"error": "one line"}. With --token, every request needs '
            "Authorization: Bearer TOKEN (or the cookie the printed address sets).",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ranked hits of a query, with highlighted snippets.",
                    "parameters": [
                        _parameter(
                            "q",
                            "The query, in searchkit's syntax: words (with or without diacritics), "
                            '"phrases", AND, OR, NOT, parentheses, title:, date:, path:.',
                            {"type": "string", "minLength": 1, "maxLength": limits["query"]},
                            required=True,
                        ),
                        *paging,
                        _parameter("since", "Only documents dated on or after this date.", date),
                        _parameter("until", "Only documents dated on or before this date.", date),
                        _parameter(
                            "sort",
                            "Best first, or newest first.",
                            {"type": "string", "enum": ["score", "date"], "default": "score"},
                        ),
                        _parameter(
                            "exact",
                            "Search only as typed: never without diacritics, as Telex or VNI, or corrected.",
                            {"type": "boolean", "default": False},
                        ),
                        _parameter(
                            "file_dates",
                            "Let date filters and the date order use a file's time where a document has no date.",
                            {"type": "boolean", "default": False},
                        ),
                        _parameter(
                            "format",
                            "json, or tsv: the CLI's tab-separated lines (PATH, SCORE, TITLE, SNIPPET, DATE, "
                            "DATED_BY), with the count in the header X-Total-Count.",
                            {"type": "string", "enum": ["json", "tsv"], "default": "json"},
                        ),
                    ],
                    "responses": {
                        **_answers("SearchAnswer", 400, 401, 503),
                        "200": {
                            "description": "The answer.",
                            "headers": {
                                "X-Total-Count": {
                                    "description": "With format=tsv: how many documents match.",
                                    "schema": {"type": "integer", "minimum": 0},
                                }
                            },
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/SearchAnswer"}},
                                "text/plain": {"schema": {"type": "string"}},
                            },
                        },
                    },
                }
            },
            "/api/document": {
                "get": {
                    "operationId": "document",
                    "summary": "A stored document, with a query's matches highlighted.",
                    "parameters": [
                        *document_path,
                        _parameter(
                            "q",
                            "Highlight this query's matches, the query read as a search reads it.",
                            {"type": "string", "maxLength": limits["query"]},
                        ),
                        _parameter(
                            "exact",
                            "Highlight the query only as typed, as a search with exact=true.",
                            {"type": "boolean", "default": False},
                        ),
                    ],
                    "responses": _answers("Document", 400, 401, 404, 503),
                }
            },
            "/api/similar": {
                "get": {
                    "operationId": "similar",
                    "summary": "The documents most like one of the index.",
                    "parameters": [*document_path, *paging],
                    "responses": _answers("SimilarAnswer", 400, 401, 404, 503),
                }
            },
            "/api/stats": {
                "get": {
                    "operationId": "stats",
                    "summary": "What the index holds: the object `searchkit stats --json` prints.",
                    "responses": _answers("Stats", 401, 503),
                }
            },
        },
        # Asked only of a server started with --token.
        "security": [{}, {"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "searchkit serve --token: $SEARCHKIT_TOKEN, or the one it prints.",
                }
            },
            "schemas": {
                "Hit": _HIT,
                "Rewrite": _REWRITE,
                "Error": _ERROR,
                "SearchAnswer": {
                    "type": "object",
                    "required": ["query", "count", "offset", "limit", "searched", "suggestion", "hits"],
                    "properties": {
                        "query": {"type": "string"},
                        "count": {"type": "integer", "minimum": 0, "description": "How many documents match."},
                        "offset": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer", "minimum": 1},
                        "searched": {"oneOf": [{"$ref": "#/components/schemas/Rewrite"}, {"type": "null"}]},
                        "suggestion": {
                            **_NULLABLE_STRING,
                            "description": "A better reading of a query that matched as typed (did you mean).",
                        },
                        "left_out_file_dated": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Documents dated only by their file's time that date filters left out.",
                        },
                        "milliseconds": {"type": "number", "minimum": 0},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    },
                },
                "SimilarAnswer": {
                    "type": "object",
                    "required": ["query", "count", "offset", "limit", "hits"],
                    "properties": {
                        "query": {"type": "string", "description": "The document's key terms, most telling first."},
                        "count": {"type": "integer", "minimum": 0},
                        "offset": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer", "minimum": 1},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    },
                },
                "Document": {
                    "type": "object",
                    "description": "The object `searchkit show --json` prints.",
                    "required": ["path", "title", "date", "date_source", "text", "highlights"],
                    "properties": {
                        **_PATH_FIELDS,
                        "title": {"type": "string"},
                        **_DATE_FIELDS,
                        "text": {"type": "string"},
                        "highlights": _SPANS,
                        "searched": {"$ref": "#/components/schemas/Rewrite"},
                    },
                },
                "Stats": {
                    "type": "object",
                    "required": ["index", "documents", "folders", "size_bytes", "updated", "format"],
                    "properties": {
                        "index": {"type": "string"},
                        "documents": {"type": "integer", "minimum": 0},
                        "folders": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["path", "documents"],
                                "properties": {"path": {"type": "string"}, "documents": {"type": "integer"}},
                            },
                        },
                        "other_documents": {"type": "integer", "minimum": 0},
                        "body_terms": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "title_terms": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "segments": {"type": "integer", "minimum": 0},
                        "size_bytes": {"type": "integer", "minimum": 0},
                        "updated": {"type": "string", "description": "The last commit's time, ISO 8601."},
                        "format": {"type": "integer"},
                        "analyzer": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            },
        },
    }
