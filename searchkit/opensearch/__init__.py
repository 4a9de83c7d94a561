"""The same Vietnamese search on an OpenSearch cluster, with only its built-in analyzers.

searchkit analyzes (normalization, tone placement, i/y, syllables, folded views, pairs of
syllables) and OpenSearch stores, distributes, scores and serves. Each view of a text is
sent already analyzed, its terms apart by single spaces, and indexed with the whitespace
tokenizer and no filter: a term has no whitespace in it (a syllable never has, and a
pair of syllables is joined by `PAIR_JOINER`), so every term reaches the index as
searchkit wrote it, on any OpenSearch, managed or not, with no plugin. The syllable
views are sent as a list of runs, one per stretch of text between punctuation: the
positions of one run follow each other, and a run starts 100 positions after the last
(OpenSearch's `position_increment_gap`), so a phrase never matches across punctuation,
as locally.

`client` speaks HTTP to the cluster, `mapping` knows the index and its documents, `push`
sends an index's documents, `translate` turns an analyzed query into the query DSL, and
`search` answers queries through the cluster as `searching` does locally.
"""
