"""Keeping the search indexes in step with the catalogue after papers change."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.embedding_jobs import embed_pending, pending
from paperwire.search.embeddings import EmbedderUnavailable, get_embedder

log = logging.getLogger(__name__)


def follow_catalogue(sender: object, changed: int = 0, **kwargs: Any) -> str | None:
    """Receiver of ``papers_changed``: refresh the keyword index, embed a small batch."""
    if not changed or not kwargs.get("search", True):
        return None
    backend = get_backend()
    try:
        indexed = backend.refresh_lexical()
    except IndexUnavailable as exc:
        return f"search index: not updated ({exc})"
    line = f"search index: {indexed:,} papers (re)indexed"
    try:
        embedder = get_embedder()
    except EmbedderUnavailable as exc:
        return f"{line}; semantic search unavailable ({exc})"
    waiting = pending(embedder.model_id).count()
    # A day of arXiv (1,000–1,500 papers) is embedded right away; a bulk import is left to
    # `paperwire embed`, which runs in the background and resumes.
    if waiting > settings.EMBED_INLINE_MAX:
        return f"{line}; {waiting:,} papers to embed: run `paperwire embed` (resumable)"
    summary = embed_pending(embedder)
    try:
        backend.sync_vectors(embedder.model_id)
    except IndexUnavailable as exc:
        return f"{line}; {summary.encoded:,} embedded, vector index not updated ({exc})"
    return f"{line}; {summary.encoded:,} embedded in {summary.seconds:.1f} s"


def catch_up() -> None:
    """Bring the keyword index up to date before a command-line search (cheap when nothing
    changed): the catalogue may have been changed by something that did not announce it (the
    admin, a restored backup)."""
    backend = get_backend()
    if backend.notices():
        # A node still building its indexes answers from the database meanwhile; building a
        # million papers' index is the follower's job, not a reason to hold up one search.
        return
    try:
        backend.refresh_lexical()
    except (IndexUnavailable, ValueError, OSError) as exc:  # e.g. another writer holds it
        log.info("keyword index not refreshed: %s", exc)
