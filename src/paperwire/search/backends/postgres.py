"""The PostgreSQL backend: full text in a keyword column filled after writes; pgvector.

Lexical: ``catalogue_paper.search_tsv`` is a tsvector (title weight A, authors B, abstract
C) with a GIN index. Writes leave it NULL (new rows, and a trigger resets it when a title,
abstract or authors change: migration ``search.0004``), and ``fill_keyword_column`` fills the
rows that are owed it, in batches that several processes can run at once: computing it inside
every write made a bulk import several times slower. ``refresh_lexical`` fills (the import
and the worker call it when papers changed); on the index backend every node's follower does.
Queries are ranked with ``ts_rank_cd``; every piece of user text reaches PostgreSQL as a
bound parameter to ``plainto_tsquery``/``phraseto_tsquery``, which read it as plain words,
never as tsquery syntax.

Vectors: ``search_pgvector`` is derived from ``search.Embedding`` (one model, one dimension)
with an HNSW index (cosine). It is made on first use, because pgvector is optional: without
it every vector call raises ``IndexUnavailable`` and lexical search keeps working. It has no
foreign key to the catalogue on purpose: Django's ``flush`` (and so every transactional
test) truncates ``catalogue_paper`` without CASCADE and would fail on a table it does not
know. Rows of deleted or hidden papers are instead dropped by the next sync and never
served: ``nearest`` joins the catalogue.

SQL is assembled from this module's fixed fragments and constants and from table and column
names taken from the models and quoted (the ``noqa: S608`` lines); every value, above all
the user's words, is a bound parameter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import struct
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import psycopg
from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper

from paperwire.catalogue.keys import CODE_KINDS
from paperwire.catalogue.models import Paper
from paperwire.search.backends.base import (
    BackendStatus,
    IndexUnavailable,
    Keys,
    Progress,
    SearchBackend,
    Vector,
)
from paperwire.search.filters import Filters
from paperwire.search.hits import Hit
from paperwire.search.models import Embedding, decode_matrix
from paperwire.search.query import ParsedQuery, Sort

# -- lexical -----------------------------------------------------------------------------

LEXICAL_COLUMN = "search_tsv"  # made by migration search.0002, unknown to the Paper model
LEXICAL_INDEX = "catalogue_paper_search_tsv_gin"
# The keyword column's one expression (title A, authors B, abstract C). Authors use the
# ``simple`` configuration (names are not English words: no stemming, no stop words) over the
# JSON document: ``to_tsvector(regconfig, jsonb)`` reads only its string values, so brackets
# and quotes never become lexemes and a phrase cannot run from one author into the next.
KEYWORDS_EXPRESSION = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') "
    "|| setweight(to_tsvector('simple', coalesce(authors, '[]'::jsonb)), 'B') "
    "|| setweight(to_tsvector('english', coalesce(abstract, '')), 'C')"
)
# Rows a fill transaction computes. Small enough that a batch's row locks (which other
# fillers skip) and its share of the GIN pending list are short-lived; large enough that
# the statement's own cost is nothing beside to_tsvector's (about 0.1-0.3 ms a paper).
FILL_BATCH = 1000
# ts_rank_cd's weights, in its order {D, C, B, A}: A title, B authors, C abstract, D unused.
# Title 2.5x abstract and authors 1x, as TITLE_BOOST/AUTHOR_BOOST in lexical.py (SciFact).
RANK_WEIGHTS = "{0.0, 0.4, 0.4, 1.0}"
# Divide by 1 + log(document length): a long abstract does not win by repeating a word.
RANK_NORMALISATION = 1

# -- vectors -----------------------------------------------------------------------------

VECTOR_TABLE = "search_pgvector"
BUILD_TABLE = "search_pgvector_build"  # a rebuild fills this, then swaps it in
HNSW_INDEX = "search_pgvector_hnsw"
# The same graph as the embedded mode's faiss index (paperwire/search/vectors.py): m=32,
# ef_construction=128, and at least 512 candidates per search. Chosen on real MiniLM
# embeddings of arXiv abstracts and copies of them made to stand for a million papers
# (bench/search_speed.py --sweep; docs/search.md), where pgvector's defaults (m=16,
# ef_construction=64, ef_search=40), m=16 with ef_search 128, and m=32 with ef_search 256 at a
# million (0.933) fell short of recall@10 0.95.
# ef_search is also at least 2 x limit, so a long candidate list keeps its recall.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128
MIN_EF_SEARCH = 512
MAX_EF_SEARCH = 1000  # pgvector's ceiling for hnsw.ef_search
HNSW_MAX_DIM = 2000  # pgvector cannot index wider vectors (they are searched exactly)
# A graph that does not fit in maintenance_work_mem builds many times slower; raise the
# session's setting for the build to what the graph needs, up to this (never lower it).
BUILD_MEMORY_CAP_KB = 1024 * 1024
BATCH = 2000
# More pending rows than this (and than the table holds) is faster to rebuild than to insert
# one by one into the graph: HNSW builds in bulk far faster than it grows.
REBUILD_THRESHOLD = 10_000
# One writer at a time (the embed job's sync and `reindex` may overlap); readers never wait.
LOCK_KEY = 0x7061_7065_7276_6563  # "papervec"

NO_PGVECTOR = (
    "pgvector is not installed in this PostgreSQL: semantic search is off; "
    "lexical search still works"
)
NO_VECTOR_INDEX = "there is no vector index yet: run `paperwire reindex`"
NO_LEXICAL_COLUMN = (
    "the catalogue has no full-text column (search_tsv): the database migrations have not "
    "run; run `paperwire init`"
)
FILLING_KEYWORDS = (
    "the database's keyword column is still being filled after an import: papers not yet in "
    "it are not found by keyword meanwhile"
)

# SQLSTATEs that mean "the index is not there / not usable", not "the database is down".
UNDEFINED_COLUMN = "42703"
UNDEFINED_TABLE = "42P01"
UNDEFINED_OBJECT = "42704"  # type "vector" does not exist
UNDEFINED_FUNCTION = "42883"  # operator <=> does not exist
DATA_EXCEPTION = "22000"  # pgvector: "different vector dimensions"


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
    return cause.sqlstate if isinstance(cause, psycopg.Error) else None


class _Names:
    """The catalogue's and the embeddings' table and column names, quoted, from the models
    (so a renamed column breaks loudly here rather than silently in a string)."""

    def __init__(self) -> None:
        paper, emb = Paper._meta, Embedding._meta
        self.paper = _qn(paper.db_table)
        self.paper_pk = _qn(paper.pk.column)
        self.embedding = _qn(emb.db_table)
        self.e_paper = _qn(emb.get_field("paper").column)
        self.e_model = _qn(emb.get_field("model").column)
        self.e_hash = _qn(emb.get_field("content_hash").column)
        self.e_vector = _qn(emb.get_field("vector").column)
        self.e_encoded = _qn(emb.get_field("encoded_at").column)


class PostgresBackend(SearchBackend):
    name = "postgres"

    # -- lexical ---------------------------------------------------------------------------

    def refresh_lexical(self, progress: Progress | None = None) -> int:
        return fill_keyword_column(progress=progress)

    def rebuild_lexical(self, progress: Progress | None = None) -> int:
        fill_keyword_column()
        with connection.cursor() as cursor:
            # CONCURRENTLY keeps searches and writes going, but cannot run in a transaction.
            concurrently = " CONCURRENTLY" if connection.get_autocommit() else ""
            cursor.execute(f"REINDEX INDEX{concurrently} {_qn(LEXICAL_INDEX)}")
            visible = self._visible_papers(cursor)
        if progress:
            progress(visible)
        return visible

    def lexical(self, query: ParsedQuery, limit: int, sort: Sort = Sort.RELEVANCE) -> list[Hit]:
        if limit <= 0:
            return []
        tsquery, tsquery_params = _tsquery(query)
        filters_sql, filter_params = _filters(query.filters)
        where = " AND ".join(["NOT p.hidden", *filters_sql])
        paper = _qn(Paper._meta.db_table)
        if tsquery is None:
            source, params = f"FROM {paper} p WHERE {where}", filter_params
        else:
            # The subquery is pulled up and the (immutable) tsquery folded to a constant at
            # plan time, so the @@ can use the GIN index.
            source = (
                f"FROM (SELECT {tsquery} AS query) q, {paper} p "
                f"WHERE p.{LEXICAL_COLUMN} @@ q.query AND {where}"
            )
            params = [*tsquery_params, *filter_params]
        if tsquery is None or sort is Sort.NEWEST:
            sql, params = _newest_first(source, params, limit)
        else:
            sql = (
                f"SELECT p.arxiv_id, ts_rank_cd('{RANK_WEIGHTS}', p.{LEXICAL_COLUMN}, q.query, "
                f"{RANK_NORMALISATION}) AS score {source} "
                "ORDER BY score DESC, p.announced_on DESC NULLS LAST, p.arxiv_id DESC LIMIT %s"
            )
            params = [*params, limit]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except DatabaseError as exc:
            if _sqlstate(exc) == UNDEFINED_COLUMN:
                raise IndexUnavailable(NO_LEXICAL_COLUMN) from None
            raise
        return [Hit(str(arxiv_id), float(score)) for arxiv_id, score in rows]

    def _require_lexical_column(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
                [Paper._meta.db_table, LEXICAL_COLUMN],
            )
            if cursor.fetchone() is None:
                raise IndexUnavailable(NO_LEXICAL_COLUMN)

    def notices(self) -> list[str]:
        return [FILLING_KEYWORDS] if keywords_owed(cap=1) else []

    @staticmethod
    def _visible_papers(cursor: CursorWrapper) -> int:
        cursor.execute(f"SELECT count(*) FROM {_qn(Paper._meta.db_table)} WHERE NOT hidden")  # noqa: S608
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    # -- vectors ---------------------------------------------------------------------------

    def sync_vectors(self, model: str, progress: Progress | None = None) -> int:
        return self._sync(model, progress, rebuild=False)

    def rebuild_vectors(self, model: str, progress: Progress | None = None) -> int:
        self._sync(model, progress, rebuild=True)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {_qn(VECTOR_TABLE)}")  # noqa: S608
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def _sync(self, model: str, progress: Progress | None, *, rebuild: bool) -> int:
        n = _Names()
        # One transaction: readers keep seeing the previous state until it commits.
        with transaction.atomic(), connection.cursor() as cursor:
            # Taken first, so two first syncs do not race to CREATE EXTENSION either.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            _ensure_extension(cursor)
            dim = _source_dim(cursor, n, model)
            table = _table_state(cursor)
            if dim is None and table is None:
                return 0  # nothing embedded with this model yet: no index, as on SQLite
            if rebuild or table is None or table[0] != dim or _stale_graph(cursor, dim):
                return _build(cursor, n, model, dim, progress)
            # Drop what is no longer current: hidden or deleted papers, embeddings gone,
            # re-encoded (another hash or time) or of another model. What is left is exact.
            cursor.execute(
                f"""
                DELETE FROM {_qn(VECTOR_TABLE)} v WHERE NOT EXISTS (
                    SELECT 1 FROM {n.embedding} e JOIN {n.paper} p ON p.{n.paper_pk} = e.{n.e_paper}
                    WHERE e.{n.e_paper} = v.paper_id AND NOT p.hidden AND e.{n.e_model} = %s
                      AND e.{n.e_model} = v.model AND e.{n.e_hash} = v.content_hash
                      AND e.{n.e_encoded} = v.encoded_at
                )
                """,  # noqa: S608
                [model],
            )
            cursor.execute(f"SELECT count(*) FROM {_qn(VECTOR_TABLE)}")  # noqa: S608
            kept = int(cursor.fetchone()[0])
            pending = _count_missing(cursor, n, model, dim)
            if pending > max(REBUILD_THRESHOLD, kept):
                return _build(cursor, n, model, dim, progress)
            return _copy_missing(cursor, n, VECTOR_TABLE, model, dim, progress)

    def _nearest(self, vector: Vector, limit: int) -> list[Hit]:
        literal = _vector_literal(vector)
        # HNSW returns at most ef_search rows, so a limit over MAX_EF_SEARCH gets fewer.
        ef_search = max(MIN_EF_SEARCH, min(2 * limit, MAX_EF_SEARCH))
        n = _Names()
        # The inner ORDER BY ... LIMIT is what the HNSW index answers; hidden papers are
        # dropped after (the index holds none after a sync, only between a hide and a sync).
        sql = f"""
            SELECT p.arxiv_id, v.distance, v.model FROM (
                SELECT paper_id, model, embedding <=> %s::vector AS distance
                FROM {_qn(VECTOR_TABLE)} ORDER BY embedding <=> %s::vector LIMIT %s
            ) v JOIN {n.paper} p ON p.{n.paper_pk} = v.paper_id
            WHERE NOT p.hidden ORDER BY v.distance, p.arxiv_id
        """  # noqa: S608
        return self._vector_query(sql, [literal, literal, limit], np.size(vector), ef_search)

    def _nearest_among(self, vector: Vector, limit: int, keys: Keys) -> list[Hit]:
        literal = _vector_literal(vector)
        n = _Names()
        # Every allowed vector is scored: "+ 0" makes the sort key an expression the HNSW
        # index cannot answer, so the planner takes the rows by their primary keys instead
        # of walking the graph and dropping what the filter refuses.
        sql = f"""
            SELECT p.arxiv_id, (v.embedding <=> %s::vector) + 0 AS distance, v.model
            FROM {_qn(VECTOR_TABLE)} v JOIN {n.paper} p ON p.{n.paper_pk} = v.paper_id
            WHERE v.paper_id = ANY(%s) AND NOT p.hidden
            ORDER BY distance, p.arxiv_id LIMIT %s
        """  # noqa: S608
        return self._vector_query(sql, [literal, keys.tolist(), limit], np.size(vector), None)

    def _vector_query(
        self, sql: str, params: list[Any], dim_hint: int, ef_search: int | None
    ) -> list[Hit]:
        from paperwire.search.embeddings import current_model_id

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if ef_search is not None:
                    # Local to this transaction: other queries on the connection are unaffected.
                    cursor.execute(
                        "SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)]
                    )
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except DatabaseError as exc:
            raise IndexUnavailable(_vector_problem(exc, dim_hint)) from None
        current = current_model_id()
        stale = {str(row[2]) for row in rows} - {current}
        if stale:
            raise IndexUnavailable(
                f"the vector index holds {sorted(stale)[0]!r} vectors, the current model is "
                f"{current!r}: run `paperwire reindex`"
            )
        return [Hit(str(arxiv_id), 1.0 - float(distance)) for arxiv_id, distance, _ in rows]

    def matching_keys(self, filters: Filters, cap: int) -> Keys | None:
        conditions, params = _filters(filters)
        where = " AND ".join(["NOT p.hidden", *conditions])
        sql = f"SELECT p.id FROM {_qn(Paper._meta.db_table)} p WHERE {where} LIMIT %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, cap + 1])
            rows = cursor.fetchall()
        if len(rows) > cap:
            return None
        return np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))

    # -- state -----------------------------------------------------------------------------

    def status(self) -> BackendStatus:
        problems: list[str] = []
        papers: int | None = None
        details: dict[str, object] = {"pgvector": None, "dim": None, "indexed": False}
        rows, model = 0, None
        try:
            self._require_lexical_column()
            with connection.cursor() as cursor:
                papers = self._visible_papers(cursor)
            details["keywords_owed"] = keywords_owed()
        except IndexUnavailable as exc:
            problems.append(str(exc))
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            installed = cursor.fetchone()
            details["pgvector"] = installed[0] if installed else None
            table = _table_state(cursor) if installed else None
            if installed is None:
                cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
                problems.append(
                    NO_PGVECTOR
                    if cursor.fetchone() is None
                    else "pgvector is available but not enabled yet: run `paperwire reindex`"
                )
            elif table is None:
                problems.append(NO_VECTOR_INDEX)
            else:
                cursor.execute(f"SELECT count(*), min(model) FROM {_qn(VECTOR_TABLE)}")  # noqa: S608
                count, model = cursor.fetchone()
                rows = int(count)
                details.update(dim=table[0], indexed=table[1])
                if table[0] is not None and table[0] <= HNSW_MAX_DIM and not table[1]:
                    problems.append("the vector table has no HNSW index: run `paperwire reindex`")
                elif _stale_graph(cursor, table[0]):
                    problems.append(
                        "the HNSW index was built with other parameters "
                        f"(now m={HNSW_M}, ef_construction={HNSW_EF_CONSTRUCTION}): "
                        "run `paperwire reindex`"
                    )
        return BackendStatus(
            backend=self.name,
            lexical_documents=papers,
            vectors=rows,
            vector_model=model,
            problems=problems,
            details=details,
        )


# -- lexical helpers -----------------------------------------------------------------------


def fill_keyword_column(
    *,
    batch: int = FILL_BATCH,
    seconds: float | None = None,
    progress: Progress | None = None,
) -> int:
    """Compute the keyword column of the papers that are owed it (NULL), a batch a
    transaction, until none is left or ``seconds`` have passed; return how many were filled.

    Safe to run in several processes at once, on one machine or many: a batch takes its rows
    with ``FOR UPDATE SKIP LOCKED``, so a row another filler holds is left to it, and each
    row is computed once. A paper whose text changes while its batch runs waits for the
    batch's commit; the trigger then makes it owed again. Idempotent: filled rows are not
    touched again until their text changes. Nothing to do (or SQLite): 0.
    """
    if connection.vendor != "postgresql":
        return 0
    paper, pk = _qn(Paper._meta.db_table), _qn(Paper._meta.pk.column)
    # The next owed rows in id order, after the last batch's (the rows it filled stay in the
    # owed index as dead entries until a vacuum: each batch starts past them).
    fill = f"""
        UPDATE {paper} SET {LEXICAL_COLUMN} = {KEYWORDS_EXPRESSION}
        WHERE {pk} IN (
            SELECT {pk} FROM {paper} WHERE {LEXICAL_COLUMN} IS NULL AND {pk} > %s
            ORDER BY {pk} LIMIT %s FOR UPDATE SKIP LOCKED
        )
        RETURNING {pk}
    """  # noqa: S608
    started, filled, last = time.monotonic(), 0, 0
    try:
        while True:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                _owed_index_walked(cursor),
            ):
                cursor.execute(fill, [last, batch])
                ids = [int(row[0]) for row in cursor.fetchall()]
            if not ids:
                break
            done, last = len(ids), max(ids)
            filled += done
            if progress:
                progress(done)
            if seconds is not None and time.monotonic() - started >= seconds:
                break
        if filled:
            _merge_pending_list()
    except DatabaseError as exc:
        if _sqlstate(exc) == UNDEFINED_COLUMN:
            raise IndexUnavailable(NO_LEXICAL_COLUMN) from None
        raise
    return filled


@contextlib.contextmanager
def _owed_index_walked(cursor: CursorWrapper) -> Iterator[None]:
    """Make the planner take the owed rows by walking the owed index in id order.

    Right after an import the table's statistics predate its rows, and the planner, guessing
    a hundred owed rows, reads every owed row (a bitmap scan) and sorts them for each batch:
    44 ms a batch at 50,000 owed, seconds at millions, where the walk takes 3 ms. The
    settings are this transaction's and are put back after the statement.
    """
    cursor.execute(
        "SELECT current_setting('enable_bitmapscan'), current_setting('enable_sort'), "
        "set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)"
    )
    bitmapscan, sort, _, _ = cursor.fetchone()
    try:
        yield
    finally:
        cursor.execute(
            "SELECT set_config('enable_bitmapscan', %s, true), set_config('enable_sort', %s, true)",
            [bitmapscan, sort],
        )


def keywords_owed(cap: int | None = None) -> int:
    """How many papers wait for their keyword column (at most ``cap``: the count reads the
    owed rows' index, which is short unless an import has just ended)."""
    if connection.vendor != "postgresql":
        return 0
    paper = _qn(Paper._meta.db_table)
    owed = f"SELECT 1 FROM {paper} WHERE {LEXICAL_COLUMN} IS NULL"  # noqa: S608
    if cap is not None:
        owed += f" LIMIT {int(cap)}"
    try:
        with transaction.atomic(), connection.cursor() as cursor, _owed_index_walked(cursor):
            cursor.execute(f"SELECT count(*) FROM ({owed}) o")  # noqa: S608
            row = cursor.fetchone()
    except DatabaseError as exc:
        if _sqlstate(exc) == UNDEFINED_COLUMN:
            return 0  # no column at all: status and searches say so themselves
        raise
    return int(row[0]) if row else 0


def _merge_pending_list() -> None:
    """Move the lexemes the fill appended to the GIN index's pending list into the index
    proper: every search scans the whole pending list (up to 64 MB after a big fill)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(to_regclass(%s))", [LEXICAL_INDEX])
    except DatabaseError:
        pass  # not the index's owner: autovacuum merges it, searches are only slower meanwhile


def _tsquery(query: ParsedQuery) -> tuple[str | None, list[Any]]:
    """The OR of every phrase and word, as SQL over bound parameters (None: no words).

    Each term is parsed twice: ``english`` (stemmed, stop words dropped) matches the title
    and abstract, ``simple`` matches the authors as indexed ("Jones" stems to "jone" in
    English but is "jones" in the authors), as tantivy tokenises each field its own way.
    A word that is all stop words yields an empty tsquery, which ``||`` ignores.
    """
    parts: list[str] = []
    params: list[Any] = []
    for phrase in query.phrases:
        parts.append("phraseto_tsquery('english', %s) || phraseto_tsquery('simple', %s)")
        params += [phrase, phrase]
    for word in query.words:
        parts.append("plainto_tsquery('english', %s) || plainto_tsquery('simple', %s)")
        params += [word, word]
    if not parts:
        return None, []
    return "(" + " || ".join(parts) + ")", params


def _filters(filters: Filters) -> tuple[list[str], list[Any]]:
    """The filters as SQL over ``p`` (the catalogue), term for term as ``Filters`` defines
    them: ``?|`` (any) and ``?`` (this one) on the stored terms use their GIN index."""
    sql: list[str] = []
    params: list[Any] = []
    if filters.category_terms:
        sql.append("p.match_keys ?| %s::text[]")
        params.append(filters.category_terms)
    for term in filters.author_terms:
        sql.append("p.match_keys ? %s")
        params.append(term)
    if filters.since or filters.until:
        sql.append("p.announced_on IS NOT NULL")
    if filters.since:
        sql.append("p.announced_on >= %s")
        params.append(filters.since)
    if filters.until:
        sql.append("p.announced_on <= %s")
        params.append(filters.until)
    if filters.has_code:
        sql.append("p.links @> ANY(%s::jsonb[])")
        params.append([f'[{{"kind": "{kind}"}}]' for kind in sorted(CODE_KINDS)])
    return sql, params


def _newest_first(source: str, params: list[Any], limit: int) -> tuple[str, list[Any]]:
    """Matches newest first, undated last; the score is the day number, as tantivy's.

    Written as two halves so that the dated half is ``ORDER BY announced_on DESC`` — the
    order a backward scan of the announced_on index gives — and a common filter or word
    stops after ``limit`` rows instead of sorting every match (80 ms → 1 ms for cat:cs.CV
    over 75k papers). ``DESC NULLS LAST`` in one query cannot use that index.
    """
    dated = (
        f"SELECT p.arxiv_id, p.announced_on, p.announced_on - DATE '1970-01-01' AS score "
        f"{source} AND p.announced_on IS NOT NULL "
        "ORDER BY p.announced_on DESC, p.arxiv_id DESC LIMIT %s"
    )
    undated = (
        f"SELECT p.arxiv_id, p.announced_on, 0 AS score {source} "
        "AND p.announced_on IS NULL ORDER BY p.arxiv_id DESC LIMIT %s"
    )
    sql = (
        f"SELECT r.arxiv_id, r.score FROM (({dated}) UNION ALL ({undated})) r "  # noqa: S608
        "ORDER BY r.announced_on DESC NULLS LAST, r.arxiv_id DESC LIMIT %s"
    )
    return sql, [*params, limit, *params, limit, limit]


# -- vector helpers ------------------------------------------------------------------------


def _vector_literal(vector: Vector) -> str:
    query = np.asarray(vector, dtype=np.float32).reshape(-1)
    if not np.isfinite(query).all():
        raise ValueError("the query vector has non-finite components")
    return "[" + ",".join(repr(x) for x in query.tolist()) + "]"


def _ensure_extension(cursor: CursorWrapper) -> None:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
    if cursor.fetchone():
        return
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    if cursor.fetchone() is None:
        raise IndexUnavailable(NO_PGVECTOR)
    try:
        with transaction.atomic():  # a savepoint: a refusal must not abort the caller's work
            cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except DatabaseError as exc:
        raise IndexUnavailable(
            f"pgvector is installed but this database user cannot enable it ({exc}); a "
            "superuser can run `CREATE EXTENSION vector`: semantic search is off; lexical "
            "search still works"
        ) from None


def _source_dim(cursor: CursorWrapper, n: _Names, model: str) -> int | None:
    cursor.execute(
        f"SELECT octet_length({n.e_vector}) FROM {n.embedding} WHERE {n.e_model} = %s "  # noqa: S608
        f"ORDER BY {n.e_paper} LIMIT 1",
        [model],
    )
    row = cursor.fetchone()
    return int(row[0]) // 4 if row and row[0] else None  # float32


def _table_state(cursor: CursorWrapper) -> tuple[int | None, bool] | None:
    """(dimension or None when untyped, whether it has its HNSW index), or None if absent."""
    cursor.execute(
        "SELECT a.atttypmod, EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c "
        "ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
        "WHERE i.indrelid = a.attrelid AND am.amname = 'hnsw') "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attname = 'embedding'",
        [VECTOR_TABLE],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    typmod, indexed = int(row[0]), bool(row[1])
    return (typmod if typmod > 0 else None), indexed


def _stale_graph(cursor: CursorWrapper, dim: int | None) -> bool:
    """Whether the HNSW index exists but was built with other m / ef_construction (the next
    sync rebuilds it)."""
    if dim is None or dim > HNSW_MAX_DIM:
        return False
    cursor.execute("SELECT reloptions FROM pg_class WHERE oid = to_regclass(%s)", [HNSW_INDEX])
    row = cursor.fetchone()
    if row is None:
        return False  # no index: the caller reports that
    options = dict(str(item).split("=", 1) for item in row[0] or [])
    return options != {"m": str(HNSW_M), "ef_construction": str(HNSW_EF_CONSTRUCTION)}


def _missing_sql(n: _Names, table: str) -> str:
    """Current embeddings of visible papers that ``table`` lacks, a keyset page at a time."""
    return f"""
        SELECT e.{n.e_paper}, e.{n.e_hash}, e.{n.e_encoded}, e.{n.e_vector}
        FROM {n.embedding} e JOIN {n.paper} p ON p.{n.paper_pk} = e.{n.e_paper}
        WHERE e.{n.e_model} = %s AND NOT p.hidden AND octet_length(e.{n.e_vector}) = %s
          AND e.{n.e_paper} > %s
          AND NOT EXISTS (SELECT 1 FROM {_qn(table)} v WHERE v.paper_id = e.{n.e_paper})
        ORDER BY e.{n.e_paper} LIMIT %s
    """  # noqa: S608


def _count_missing(cursor: CursorWrapper, n: _Names, model: str, dim: int | None) -> int:
    if dim is None:
        return 0
    cursor.execute(
        f"SELECT count(*) FROM ({_missing_sql(n, VECTOR_TABLE)}) m",  # noqa: S608
        [model, dim * 4, 0, None],  # LIMIT NULL: no limit
    )
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _copy_missing(
    cursor: CursorWrapper,
    n: _Names,
    table: str,
    model: str,
    dim: int | None,
    progress: Progress | None,
) -> int:
    """COPY (binary) the missing rows into ``table`` in batches; return how many."""
    if dim is None:
        return 0
    sql = _missing_sql(n, table)
    header = struct.pack(">HH", dim, 0)  # pgvector's binary form: dim, unused, float4 BE
    last, added = 0, 0
    while True:
        cursor.execute(sql, [model, dim * 4, last, BATCH])
        rows: Sequence[tuple[int, str, dt.datetime, Any]] = cursor.fetchall()
        if not rows:
            return added
        last = int(rows[-1][0])
        big_endian = decode_matrix((r[3] for r in rows), dim).astype(">f4")
        copy_sql = (
            f"COPY {_qn(table)} (paper_id, model, content_hash, encoded_at, embedding) "
            "FROM STDIN (FORMAT BINARY)"
        )
        with cursor.copy(copy_sql) as copy:
            # The vector travels as raw bytes in its binary wire form; the server reads it
            # with the column's own input function (vector_recv), which checks the size.
            copy.set_types(["int8", "text", "text", "timestamptz", "bytea"])
            for (paper_id, digest, encoded_at, _), values in zip(rows, big_endian, strict=True):
                copy.write_row((paper_id, model, digest, encoded_at, header + values.tobytes()))
        added += len(rows)
        if progress:
            progress(len(rows))


def _build(
    cursor: CursorWrapper, n: _Names, model: str, dim: int | None, progress: Progress | None
) -> int:
    """Fill a new table, index it in bulk, then swap it in (searches use the old one until
    the transaction commits)."""
    build, column_type = _qn(BUILD_TABLE), f"vector({int(dim)})" if dim else "vector"
    cursor.execute(f"DROP TABLE IF EXISTS {build}")
    cursor.execute(
        f"CREATE TABLE {build} (paper_id bigint NOT NULL, model text NOT NULL, "
        f"content_hash text NOT NULL, encoded_at timestamptz NOT NULL, "
        f"embedding {column_type} NOT NULL)"
    )
    added = _copy_missing(cursor, n, BUILD_TABLE, model, dim, progress)
    cursor.execute(
        f"ALTER TABLE {build} ADD CONSTRAINT {_qn(BUILD_TABLE + '_pkey')} PRIMARY KEY (paper_id)"
    )
    if dim is not None and dim <= HNSW_MAX_DIM:
        _raise_build_memory(cursor, added, dim)
        cursor.execute(
            f"CREATE INDEX {_qn(BUILD_TABLE + '_hnsw')} ON {build} "
            f"USING hnsw (embedding vector_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
    cursor.execute(f"DROP TABLE IF EXISTS {_qn(VECTOR_TABLE)}")
    cursor.execute(f"ALTER TABLE {build} RENAME TO {_qn(VECTOR_TABLE)}")
    # Index names are unique per schema: the next build reuses the *_build names.
    cursor.execute(
        f"ALTER INDEX {_qn(BUILD_TABLE + '_pkey')} RENAME TO {_qn(VECTOR_TABLE + '_pkey')}"
    )
    cursor.execute(
        f"ALTER INDEX IF EXISTS {_qn(BUILD_TABLE + '_hnsw')} RENAME TO {_qn(HNSW_INDEX)}"
    )
    cursor.execute(f"ANALYZE {_qn(VECTOR_TABLE)}")
    return added


def _raise_build_memory(cursor: CursorWrapper, rows: int, dim: int) -> None:
    # The graph holds each vector plus up to 2*m neighbours on layer 0 (and some overhead).
    needed_kb = rows * (dim * 4 + HNSW_M * 2 * 8 + 64) // 1024 + 1024
    cursor.execute("SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'")
    row = cursor.fetchone()
    current_kb = int(row[0]) if row else 0
    wanted_kb = min(needed_kb, BUILD_MEMORY_CAP_KB)
    if wanted_kb > current_kb:
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [f"{wanted_kb}kB"])


def _vector_problem(exc: DatabaseError, query_dim: int) -> str:
    state = _sqlstate(exc)
    if state == UNDEFINED_TABLE:
        # No table yet: an index still to build, or one that cannot be without pgvector.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            return NO_VECTOR_INDEX if cursor.fetchone() else NO_PGVECTOR
    if state in (UNDEFINED_OBJECT, UNDEFINED_FUNCTION):
        return NO_PGVECTOR
    if state == DATA_EXCEPTION:
        return (
            f"the vector index holds vectors of another dimension than the query's "
            f"({query_dim}): run `paperwire reindex`"
        )
    raise exc
