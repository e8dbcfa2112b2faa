"""The embedded keyword index is rebuilt beside the one being served and swapped in: a rebuild
cut short leaves the served index as it was, and every reader moves to the new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import parse_query
from tests.factories import paper

pytestmark = pytest.mark.django_db


class Killed(Exception):
    """Stands in for SIGKILL part-way (tests/commands/test_killable.py kills a real reindex)."""


def found(index: LexicalIndex, words: str) -> set[str]:
    return {hit.arxiv_id for hit in index.search(parse_query(words), 50)}


def test_a_rebuild_cut_short_leaves_the_served_index_as_it_was(tmp_path: Path) -> None:
    for n in range(5):
        paper(f"2501.{n:05d}", f"Graph networks {n}")
    index = LexicalIndex(tmp_path / "lexical")
    index.rebuild()
    before = found(index, "graph")
    assert len(before) == 5

    def die(_: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        index.rebuild(on_batch=die)
    assert found(index, "graph") == before
    assert found(LexicalIndex(tmp_path / "lexical"), "graph") == before  # a fresh reader too


def test_a_reader_holding_the_old_index_moves_to_the_rebuilt_one(tmp_path: Path) -> None:
    paper("2501.00001", "Graph networks")
    writer, reader = LexicalIndex(tmp_path / "lexical"), LexicalIndex(tmp_path / "lexical")
    writer.rebuild()
    assert found(reader, "graph") == {"2501.00001"}
    paper("2501.00002", "Graph transformers")
    writer.rebuild()
    assert found(reader, "graph") == {"2501.00001", "2501.00002"}


def test_an_index_built_from_another_database_is_refused_then_rebuilt(tmp_path: Path) -> None:
    from paperwire.search.lexical import LexicalIndexError
    from paperwire.search.models import SearchMeta

    paper("2501.00001", "Graph networks")
    index = LexicalIndex(tmp_path / "lexical")
    index.rebuild()
    assert found(index, "graph") == {"2501.00001"}
    # Another database behind the same index folder (a restored backup, a loaded instance):
    # its paper keys mean other papers.
    SearchMeta.objects.filter(name="database_id").update(value="another-database")
    paper("2501.00002", "Graph transformers")
    reader = LexicalIndex(tmp_path / "lexical")
    with pytest.raises(LexicalIndexError, match="built from another database"):
        found(reader, "graph")
    first_build = index.manifest()["build"]  # type: ignore[index]
    index.refresh()  # a refresh rebuilds it from this database, not just the changes
    assert index.manifest()["build"] != first_build  # type: ignore[index]
    assert index.manifest()["database"] == "another-database"  # type: ignore[index]
    assert found(reader, "graph") == {"2501.00001", "2501.00002"}
