"""Embedding the catalogue: only papers with no vector, or whose title or abstract changed.

The work is done in batches, each committed on its own, so an interrupted run resumes where
it stopped (the papers already embedded are no longer pending). Newest papers first: on a
fresh catalogue the papers people look at turn semantic first. Each batch is claimed first
(``claims``), so runs on several machines share the work and never encode a paper twice.

``embedding_progress`` says how far a job at work has got, for a site whose semantic search
is still being prepared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.search.claims import claim, drop_ended, held_by_others, release, run_name
from paperwire.search.documents import content_hash, embedding_text
from paperwire.search.embeddings import Embedder, current_model_id
from paperwire.search.models import Embedding

BATCH = 256
PAGE = 8192  # papers found pending per query
# A job at work writes a batch every few seconds and pauses only to add what it wrote to the
# vector index (every 2,048 papers by default: seconds, a minute or two at a million papers).
# No new vector for this long means no job is at work.
AT_WORK = dt.timedelta(minutes=15)


@dataclass
class EmbedSummary:
    encoded: int = 0
    unchanged: int = 0
    elsewhere: int = 0  # pending papers another run claimed first
    seconds: float = 0.0

    @property
    def handled(self) -> int:
        return self.encoded + self.unchanged + self.elsewhere

    @property
    def rate(self) -> float:
        return self.encoded / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class EmbeddingProgress:
    embedded: int  # visible papers with a current vector from the model
    total: int  # visible papers
    under_way: bool  # a job is at work (see embedding_under_way)

    @property
    def percent(self) -> int:
        """Whole per cent, rounded down: 100 only when every paper is embedded."""
        return self.embedded * 100 // self.total if self.total else 100

    @property
    def complete(self) -> bool:
        return self.embedded >= self.total


def embedding_under_way(model: str | None = None, *, now: dt.datetime | None = None) -> bool:
    """Whether a job (``paperwire embed``, ``--loop``) is embedding with ``model`` (the current
    one by default): it wrote a vector within ``AT_WORK``. One indexed lookup: cheap enough to
    ask before counting."""
    since = (now or timezone.now()) - AT_WORK
    return Embedding.objects.filter(
        model=model or current_model_id(), encoded_at__gte=since
    ).exists()


def embedding_progress(
    model: str | None = None, *, now: dt.datetime | None = None
) -> EmbeddingProgress | None:
    """How far embedding the catalogue with ``model`` (the current one by default) has got;
    None when nothing has been embedded with it yet. Counting what is pending scans the
    catalogue (a second at a million papers): ask ``embedding_under_way`` first, or cache."""
    model = model or current_model_id()
    if not Embedding.objects.filter(model=model).exists():
        return None
    total = Paper.objects.visible().count()
    embedded = total - pending(model).count()
    return EmbeddingProgress(embedded, total, embedding_under_way(model, now=now))


def pending(model: str) -> QuerySet[Paper]:
    """Visible papers with no vector from ``model`` or changed since their vector was checked."""
    return Paper.objects.visible().filter(
        Q(embedding__isnull=True)
        | ~Q(embedding__model=model)
        | Q(modified_at__gt=F("embedding__checked_at"))
    )


def embed_pending(
    embedder: Embedder,
    *,
    limit: int | None = None,
    batch: int = BATCH,
    progress: Callable[[int], object] | None = None,
    owner: str | None = None,
    lease: float | None = None,
) -> EmbedSummary:
    """Embed pending papers, newest first, a claimed batch at a time, until none is left
    that another run has not claimed (or ``limit`` papers are handled)."""
    owner = owner or run_name()
    summary = EmbedSummary()
    clock = dt.datetime.now(dt.UTC)
    while limit is None or summary.handled < limit:
        want = PAGE if limit is None else min(PAGE, limit - summary.handled)
        drop_ended()  # a run killed here moments ago (SIGKILL) need not hold its papers
        # Finding what is pending scans the catalogue (a second or more at a million
        # papers): do it once a page, not once a batch. Another run may claim or embed
        # papers of the page meanwhile: claiming tells, and the batch's rows are read after.
        page = list(
            pending(embedder.model_id)
            .exclude(pk__in=held_by_others(owner).values("paper_id"))
            .order_by(F("announced_on").desc(nulls_last=True), "-pk")
            .values_list("pk", flat=True)[:want]
        )
        for start in range(0, len(page), batch):
            offered = page[start : start + batch]
            keys = claim(offered, owner, lease)
            summary.elsewhere += len(offered) - len(keys)
            if keys:
                found = {
                    row["pk"]: row
                    for row in Paper.objects.filter(pk__in=keys).values(
                        "pk", "title", "abstract", "embedding__model", "embedding__content_hash"
                    )
                }
                rows = [found[pk] for pk in keys if pk in found]
                encoded, unchanged = _embed_batch(embedder, rows, owner, keys)
                summary.encoded += encoded
                summary.unchanged += unchanged
            if progress:
                progress(len(offered))
        if len(page) < want:
            break  # nothing more was pending when the page was read
    summary.seconds = (dt.datetime.now(dt.UTC) - clock).total_seconds()
    return summary


def _embed_batch(
    embedder: Embedder, rows: Sequence[Mapping[str, Any]], owner: str, claimed: Sequence[int]
) -> tuple[int, int]:
    """Encode the rows whose text or model changed (a row embedded by another run since the
    page was read is unchanged now), write them and release the batch's claims, at once."""
    now = timezone.now()
    todo: list[tuple[int, str, str]] = []
    same: list[int] = []
    for row in rows:
        title, abstract = str(row["title"]), str(row["abstract"] or "")
        digest = content_hash(title, abstract)
        if (
            row["embedding__model"] == embedder.model_id
            and row["embedding__content_hash"] == digest
        ):
            same.append(int(row["pk"]))
        else:
            todo.append((int(row["pk"]), digest, embedding_text(title, abstract)))
    vectors = embedder.encode_documents([text for _, _, text in todo]) if todo else None
    # checked_at is when the text was read (a change made while the model ran is newer, so
    # still pending); encoded_at is when the vector is written, because the nodes' followers
    # read new vectors by it, looking back only seconds: stamped before a batch that took
    # longer to encode, the vectors would land behind a follower's watermark and never reach
    # its index.
    written = timezone.now()
    with transaction.atomic():
        if same:
            Embedding.objects.filter(paper_id__in=same).update(checked_at=now)
        if todo:
            assert vectors is not None
            Embedding.objects.filter(paper_id__in=[pk for pk, _, _ in todo]).delete()
            Embedding.objects.bulk_create(
                Embedding(
                    paper_id=pk,
                    model=embedder.model_id,
                    content_hash=digest,
                    vector=np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                    encoded_at=written,
                    checked_at=now,
                )
                for (pk, digest, _), vector in zip(todo, vectors, strict=True)
            )
        release(claimed, owner)
    return len(todo), len(same)
