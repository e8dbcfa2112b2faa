"""Search: keywords and meaning over the catalogue, similar papers, the query syntax and its
filters, topics (saved queries) and the stored vectors.

This is the package's public face: the rest of paperwire (digests, web, api, commands outside
this app) imports only these names from ``paperwire.search``. They load on first use, because
this is also a Django app package, imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.search.backends import IndexUnavailable, get_backend
    from paperwire.search.backends.base import BackendStatus
    from paperwire.search.embedding_jobs import (
        EmbeddingProgress,
        embedding_progress,
        embedding_under_way,
    )
    from paperwire.search.embeddings import (
        EmbedderUnavailable,
        current_model_id,
        get_embedder,
        share_cores,
    )
    from paperwire.search.engine import (
        Mode,
        Result,
        SearchResponse,
        SimilarResponse,
        UnknownPaper,
        search,
        similar,
    )
    from paperwire.search.filters import Filters
    from paperwire.search.hits import Hit
    from paperwire.search.models import decode_vector, vectors_for
    from paperwire.search.query import ParsedQuery, Sort, parse_query
    from paperwire.search.rebuilds import mark_indexes_stale
    from paperwire.search.terms import WORD, stem
    from paperwire.search.topics import (
        POOL_FIELDS,
        Candidate,
        Encode,
        Pool,
        newest_matching,
        query_encoder,
    )

_HOMES = {
    "search": "engine",
    "similar": "engine",
    "Mode": "engine",
    "Result": "engine",
    "SearchResponse": "engine",
    "SimilarResponse": "engine",
    "UnknownPaper": "engine",
    "parse_query": "query",
    "ParsedQuery": "query",
    "Sort": "query",
    "mark_indexes_stale": "rebuilds",
    "Filters": "filters",
    "Hit": "hits",
    "vectors_for": "models",
    "decode_vector": "models",
    "Pool": "topics",
    "Candidate": "topics",
    "Encode": "topics",
    "POOL_FIELDS": "topics",
    "newest_matching": "topics",
    "query_encoder": "topics",
    "IndexUnavailable": "backends",
    "get_backend": "backends",
    "BackendStatus": "backends.base",
    "EmbedderUnavailable": "embeddings",
    "current_model_id": "embeddings",
    "get_embedder": "embeddings",
    "share_cores": "embeddings",
    "embedding_progress": "embedding_jobs",
    "embedding_under_way": "embedding_jobs",
    "EmbeddingProgress": "embedding_jobs",
    "WORD": "terms",
    "stem": "terms",
}

__all__ = [
    "POOL_FIELDS",
    "WORD",
    "BackendStatus",
    "Candidate",
    "EmbedderUnavailable",
    "EmbeddingProgress",
    "Encode",
    "Filters",
    "Hit",
    "IndexUnavailable",
    "Mode",
    "ParsedQuery",
    "Pool",
    "Result",
    "SearchResponse",
    "SimilarResponse",
    "Sort",
    "UnknownPaper",
    "current_model_id",
    "decode_vector",
    "embedding_progress",
    "embedding_under_way",
    "get_backend",
    "get_embedder",
    "mark_indexes_stale",
    "newest_matching",
    "parse_query",
    "query_encoder",
    "search",
    "share_cores",
    "similar",
    "stem",
    "vectors_for",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.search' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.search.{home}"), name)
    globals()[name] = value
    return value
