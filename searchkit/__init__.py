"""searchkit: full-text search for Vietnamese text."""
