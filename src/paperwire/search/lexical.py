"""BM25 over titles, abstracts and authors with tantivy, beside the SQLite catalogue.

The index is derived: it is built from the catalogue and brought up to date from it
(``refresh``), never written to from anywhere else, and can be deleted and rebuilt at any
time. A manifest beside it records the schema version, the database it was built from
(``database_identity``: a restored backup or a loaded instance is another database, whose
paper keys mean other papers) and how far into the catalogue's changes it has got (a
``modified_at`` watermark).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tantivy

from paperwire.search.documents import SearchDoc, day_number, iter_docs
from paperwire.search.filters import Filters
from paperwire.search.hits import Hit
from paperwire.search.models import database_identity
from paperwire.search.query import ParsedQuery, Sort

SCHEMA_VERSION = 3  # 3: filter terms (catalogue.keys) and the paper key as fast fields
# BM25 over "body" (title and abstract as one text) plus the title again with this weight, so
# title words count more. Tuned on SciFact train: a title scored as a field of its own with a
# big boost (2.5) lost a seventh of nDCG@10 there (0.70 -> 0.60); body + 0.25 x title (0.696)
# keeps the body's quality and still puts exact-title matches first.
TITLE_BOOST = 0.25
AUTHOR_BOOST = 1.0
MANIFEST = "paperwire-lexical.json"
# A batch committed just after a refresh began carries a modified_at from just before it;
# starting the next refresh this far back re-reads such batches (re-indexing is idempotent).
# Ingest transactions last well under a second; the margin is kept small because everything
# in it is indexed twice (after a bulk import that is ~10 s of imported papers).
WATERMARK_OVERLAP = dt.timedelta(seconds=10)


class LexicalIndexError(RuntimeError):
    """The index on disk cannot be used (missing, corrupt, or another schema): reindex."""


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    builder.add_text_field("authors", tokenizer_name="default")
    builder.add_text_field("keys", tokenizer_name="raw")  # catalogue.keys terms, matched whole
    builder.add_integer_field("pk", fast=True)  # the paper's primary key, for vector filtering
    builder.add_integer_field("day", fast=True, indexed=True)
    builder.add_integer_field("has_code", fast=True, indexed=True)
    return builder.build()


class LexicalIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._schema = _schema()
        self._index: tantivy.Index | None = None
        self._build: object = None  # the manifest's build id of the open index
        self._lock = threading.Lock()

    # -- state ---------------------------------------------------------------------------

    def manifest(self) -> dict[str, object] | None:
        try:
            data = json.loads((self.path / MANIFEST).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def exists(self) -> bool:
        return self.manifest() is not None

    def watermark(self) -> dt.datetime | None:
        manifest = self.manifest()
        value = manifest.get("watermark") if manifest else None
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None

    def _open(self) -> tantivy.Index:
        # The manifest is read on every open (a small file): a rebuild swaps in a new folder
        # with a new build id, and a process holding the old one must let it go.
        manifest = self.manifest()
        if manifest is None:
            self._index = None
            raise LexicalIndexError(f"no lexical index at {self.path}: run `paperwire reindex`")
        if self._index is not None and manifest.get("build") == self._build:
            return self._index
        if manifest.get("schema") != SCHEMA_VERSION:
            raise LexicalIndexError(
                f"the lexical index at {self.path} has schema {manifest.get('schema')}, "
                f"this version needs {SCHEMA_VERSION}: run `paperwire reindex`"
            )
        if not _same_database(manifest):
            raise LexicalIndexError(
                f"the lexical index at {self.path} was built from another database: "
                "run `paperwire reindex`"
            )
        try:
            self._index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
            self._index.reload()
        except (ValueError, OSError) as exc:
            self._index = None
            raise LexicalIndexError(
                f"the lexical index at {self.path} is unreadable ({exc}): run `paperwire reindex`"
            ) from None
        self._build = manifest.get("build")
        return self._index

    def num_docs(self) -> int:
        return int(self._open().searcher().num_docs)

    # -- writing -------------------------------------------------------------------------

    def rebuild(self, on_batch: Callable[[int], object] | None = None) -> int:
        """Build the index again from the catalogue, beside the served one, and swap it in.

        Searches keep the previous index until the swap; a rebuild that is killed leaves it
        as it was (and a half-built folder the next rebuild clears), never an empty index
        that looks complete."""
        building = self.path.with_name(self.path.name + ".building")
        retired = self.path.with_name(self.path.name + ".retired")
        for leftover in (building, retired):
            if leftover.exists():
                shutil.rmtree(leftover)
        building.mkdir(parents=True)
        started = dt.datetime.now(dt.UTC)
        database = database_identity()
        index = tantivy.Index(self._schema, path=str(building), reuse=False)
        done = self._fill(index, None, on_batch)
        _write_manifest(
            building, started - WATERMARK_OVERLAP, build=uuid.uuid4().hex, database=database
        )
        if self.path.exists():
            self.path.rename(retired)
        building.rename(self.path)
        shutil.rmtree(retired, ignore_errors=True)
        self._index = None
        return done

    def refresh(
        self, on_batch: Callable[[int], object] | None = None, *, full: bool = False
    ) -> int:
        """Index every paper changed since the watermark; return how many were (re)indexed.

        An index of another schema version, or built from another database, is rebuilt (it
        is derived: nothing is lost)."""
        manifest = self.manifest()
        if (
            manifest is None
            or manifest.get("schema") != SCHEMA_VERSION
            or not _same_database(manifest)
        ):
            return self.rebuild(on_batch)
        index = self._open()
        started = dt.datetime.now(dt.UTC)
        since = None if full else self.watermark()
        done = self._fill(index, since, on_batch)
        _write_manifest(
            self.path, started - WATERMARK_OVERLAP, build=self._build, database=database_identity()
        )
        index.reload()
        return done

    def _fill(
        self,
        index: tantivy.Index,
        since: dt.datetime | None,
        on_batch: Callable[[int], object] | None,
    ) -> int:
        """Write the papers changed since ``since`` (all when None) in one commit."""
        done = 0
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        try:
            for docs in iter_docs(modified_after=since):
                self._write(writer, docs, delete_first=since is not None)
                done += len(docs)
                if on_batch:
                    on_batch(len(docs))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        return done

    def _write(
        self, writer: tantivy.IndexWriter, docs: Iterable[SearchDoc], delete_first: bool
    ) -> None:
        for doc in docs:
            if delete_first:
                writer.delete_documents_by_term("id", doc.arxiv_id)
            if doc.hidden:
                continue
            writer.add_document(
                tantivy.Document(
                    id=doc.arxiv_id,
                    title=doc.title,
                    body=f"{doc.title} {doc.abstract}",
                    authors=doc.authors or [""],
                    keys=doc.keys or [""],
                    pk=doc.pk,
                    day=doc.day,
                    has_code=int(doc.has_code),
                )
            )

    # -- reading -------------------------------------------------------------------------

    def search(self, query: ParsedQuery, limit: int, sort: Sort = Sort.RELEVANCE) -> list[Hit]:
        index = self._open()
        with self._lock:
            index.reload()  # cheap when nothing changed; picks up a refresh by another process
        searcher = index.searcher()
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        text = _query_string(query)
        if text:
            parts.append(
                (
                    tantivy.Occur.Must,
                    index.parse_query(
                        text,
                        ["body", "title", "authors"],
                        field_boosts={"title": TITLE_BOOST, "authors": AUTHOR_BOOST},
                    ),
                )
            )
        parts.extend((tantivy.Occur.Must, q) for q in self._filters(query.filters))
        if not parts:
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        combined = tantivy.Query.boolean_query(parts)
        if sort is Sort.NEWEST or not text:
            result = searcher.search(
                combined, limit, order_by_field="day", order=tantivy.Order.Desc
            )
        else:
            result = searcher.search(combined, limit)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            hits.append(Hit(doc["id"][0], float(score)))
        return hits

    def matching_keys(self, filters: Filters, cap: int) -> npt.NDArray[np.int64] | None:
        """The primary keys of the papers the filters admit, or None when there are more
        than ``cap`` (the caller then filters nearest neighbours after the fact)."""
        index = self._open()
        with self._lock:
            index.reload()
        searcher = index.searcher()
        parts = [(tantivy.Occur.Must, q) for q in self._filters(filters)]
        result = searcher.search(
            tantivy.Query.boolean_query(parts), cap + 1, order_by_field="pk", count=False
        )
        if len(result.hits) > cap:
            return None
        # Ordered by the pk fast field, each hit's "score" is its pk: no document is loaded.
        return np.fromiter((int(pk) for pk, _ in result.hits), dtype=np.int64)

    def _filters(self, filters: Filters) -> list[tantivy.Query]:
        """The filters as tantivy queries, term for term as ``Filters`` defines them."""
        queries: list[tantivy.Query] = []
        if filters.category_terms:
            queries.append(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "keys", t))
                        for t in filters.category_terms
                    ]
                )
            )
        queries.extend(
            tantivy.Query.term_query(self._schema, "keys", t) for t in filters.author_terms
        )
        if filters.since or filters.until:
            low = day_number(filters.since) if filters.since else 1  # undated papers: out
            high = day_number(filters.until) if filters.until else 10**7
            queries.append(
                tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer, low, high)
            )
        if filters.has_code:
            queries.append(
                tantivy.Query.range_query(self._schema, "has_code", tantivy.FieldType.Integer, 1, 1)
            )
        return queries


def _same_database(manifest: dict[str, object]) -> bool:
    """Built from this database. An index made before manifests named their database is
    taken as this one's (it was, unless it was copied), and the next refresh names it."""
    database = manifest.get("database")
    return database is None or database == database_identity()


def _write_manifest(
    folder: Path, watermark: dt.datetime | None, *, build: object, database: str
) -> None:
    data = {
        "schema": SCHEMA_VERSION,
        "watermark": watermark.isoformat() if watermark else None,
        "build": build,
        "database": database,
    }
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(folder / MANIFEST)


def _query_string(query: ParsedQuery) -> str:
    """The words and phrases as tantivy query syntax, each one quoted.

    The parser only ever sees words made of letters, digits and inner - . ' (see
    ``query._WORD_RE``), each inside double quotes: user text cannot inject operators.
    """
    terms = [f'"{phrase}"' for phrase in query.phrases] + [f'"{word}"' for word in query.words]
    return " ".join(terms)
