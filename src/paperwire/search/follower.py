"""Keeping this node's derived indexes in step with the database, in the background.

On PostgreSQL every node serves search from its own index directory; papers are imported,
hidden, re-dated and embedded by other processes, often on other machines, which cannot write
this node's files. The follower (started by ``paperwire serve``, or on its own as
``paperwire follow``) asks the database what changed since each index's watermark, every
``PAPERWIRE_INDEX_FOLLOW_SECONDS``: a cheap query when nothing did. An empty directory is
built from scratch first (keyword index, then vectors), while the node already serves.

Each round also fills some of the database's keyword column (``search_tsv``) that imports
leave empty: the full text a node without its own keyword index answers from. Every node's
follower takes its own batches of it (``fill_keyword_column``), so the nodes share the work,
and a round gives it at most ``FILL_SECONDS`` so that the node's own indexes keep following.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from django.db import DatabaseError, close_old_connections, connection

from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.backends.postgres import PostgresBackend, fill_keyword_column
from paperwire.search.embeddings import current_model_id

log = logging.getLogger(__name__)

# A round's share of the keyword column's fill: at 1,800-2,800 papers a second (measured on a
# busy 2-core machine) 30 s is 50,000-80,000 papers, and the node's own indexes wait no longer
# than that for their next round.
FILL_SECONDS = 30.0


@dataclass
class Round:
    lexical: int | None  # papers (re)indexed, None when the keyword index could not be updated
    vectors: int | None  # vectors added, None when the vector index could not be updated
    seconds: float
    problems: list[str]
    keyword_column: int = 0  # papers whose database keyword column this round filled

    def line(self) -> str:
        parts = [
            "keywords " + ("-" if self.lexical is None else f"+{self.lexical:,}"),
            "vectors " + ("-" if self.vectors is None else f"+{self.vectors:,}"),
        ]
        if self.keyword_column:
            parts.append(f"keyword column +{self.keyword_column:,}")
        parts.append(f"{self.seconds:.1f} s")
        return "index follow: " + ", ".join(parts + self.problems)


def follow_once() -> Round:
    """Bring this node's keyword and vector indexes up to date with the database, once."""
    started = time.monotonic()
    backend = get_backend()
    problems: list[str] = []
    lexical: int | None = None
    vectors: int | None = None
    try:
        lexical = backend.refresh_lexical()
    except (IndexUnavailable, OSError, ValueError) as exc:
        problems.append(f"keyword index not updated ({exc})")
    try:
        vectors = backend.sync_vectors(current_model_id())
    except (IndexUnavailable, OSError, ValueError) as exc:
        problems.append(f"vector index not updated ({exc})")
    filled = 0
    # The postgres backend's own refresh above is the fill; SQLite has no such column.
    if connection.vendor == "postgresql" and not isinstance(backend, PostgresBackend):
        try:
            filled = fill_keyword_column(seconds=FILL_SECONDS)
        except (IndexUnavailable, DatabaseError) as exc:
            problems.append(f"keyword column not filled ({exc})")
    return Round(lexical, vectors, time.monotonic() - started, problems, filled)


def follow(interval: float, *, parent: int | None = None, rounds: int | None = None) -> None:
    """Follow the database every ``interval`` seconds until stopped (SIGTERM), ``rounds`` are
    done, or the ``parent`` process is gone (a server killed outright leaves no orphan)."""
    done = 0
    while rounds is None or done < rounds:
        if parent is not None and os.getppid() != parent:
            log.info("index follow: the server is gone, stopping")
            return
        close_old_connections()  # a database restarted since the last round is reconnected
        try:
            result = follow_once()
        except Exception:  # the database is away, say: log it and try again next round
            log.exception("index follow: round failed")
        else:
            if result.lexical or result.vectors or result.keyword_column or result.problems:
                log.info(result.line())
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)
