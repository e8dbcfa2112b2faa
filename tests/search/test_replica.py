"""On PostgreSQL each node searches its own derived indexes, kept from the database; a node
without them serves at once from the database's full text and says so.

Real processes against the machine's PostgreSQL (a fresh database each), whatever database the
rest of the suite runs on.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, NewEnd

BUILDING = "still building its own keyword index"

RECORDS = [
    (
        "2501.00001",
        "Message Passing in Graph Neural Networks",
        "Graph neural networks pass messages.",
    ),
    (
        "2501.00002",
        "Diffusion Models for Video Generation",
        "We denoise video frames with diffusion.",
    ),
    ("2501.00003", "Sparse Mixture of Experts", "Tokens are routed to a few experts."),
]


def listing(tmp_path: Path) -> Path:
    path = tmp_path / "listing.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": arxiv_id,
                    "title": title,
                    "summary": abstract,
                    "authors": ["Ada Lovelace"],
                    "categories": ["cs.LG"],
                    "listing_date": "2025-01-03",
                }
            )
            + "\n"
            for arxiv_id, title, abstract in RECORDS
        )
    )
    return path


def second_node(node: Cli, tmp_path: Path) -> Cli:
    """Another node of the same instance: the same database, its own (empty) data directory."""
    data = tmp_path / "node-b"
    data.mkdir()
    return Cli({**node.env, "PAPERWIRE_DATA_DIR": str(data)})


def test_a_new_node_answers_from_the_database_says_so_and_then_follows_into_its_own_index(
    tmp_path: Path, new_end: NewEnd
) -> None:
    node = new_end("postgres")
    node.env["PAPERWIRE_SEARCH_BACKEND"] = "index"  # the default, whatever this run chose
    imported = node("import", "jsonl", str(listing(tmp_path)), "--no-progress")
    assert imported.returncode == 0, imported.stderr
    new = second_node(node, tmp_path)
    index = Path(new.env["PAPERWIRE_DATA_DIR"]) / "index"

    # The import leaves the database's keyword column to the nodes' followers: until one
    # has run, a node without its own index finds nothing by keyword, and says it is building.
    unfilled = new("search", "graph neural networks", "--mode", "lexical")
    assert unfilled.returncode == 0, unfilled.stderr
    assert "2501.00001" not in unfilled.stdout
    assert BUILDING in unfilled.stdout + unfilled.stderr

    # The first node's follower round fills the column for every node.
    filled = node("follow", "--once")
    assert filled.returncode == 0, filled.stderr
    assert "keyword column +3" in filled.stdout

    early = new("search", "graph neural networks", "--mode", "lexical")
    assert early.returncode == 0, early.stderr
    assert "2501.00001" in early.stdout
    assert BUILDING in early.stdout + early.stderr
    assert not (index / "lexical").exists()  # a search never builds a whole index itself

    followed = new("follow", "--once")
    assert followed.returncode == 0, followed.stderr
    assert "keywords +3" in followed.stdout
    assert "keyword column" not in followed.stdout  # nothing left to fill: no row twice

    later = new("search", "graph neural networks", "--mode", "lexical")
    assert later.returncode == 0, later.stderr
    assert "2501.00001" in later.stdout
    assert BUILDING not in later.stdout + later.stderr
    assert (index / "lexical").exists()


def test_the_follower_picks_up_a_paper_hidden_through_another_process(
    tmp_path: Path, new_end: NewEnd
) -> None:
    node = new_end("postgres")
    node.env["PAPERWIRE_SEARCH_BACKEND"] = "index"  # the default, whatever this run chose
    assert node("import", "jsonl", str(listing(tmp_path)), "--no-progress").returncode == 0
    assert "2501.00003" in node("search", "experts", "--mode", "lexical").stdout

    hide = (
        "from paperwire.catalogue.models import Paper; "
        "p = Paper.objects.get(arxiv_id='2501.00003'); p.hidden = True; p.save()"
    )
    assert node("shell", "-c", hide).returncode == 0
    assert "keywords +" in node("follow", "--once").stdout
    assert "2501.00003" not in node("search", "experts", "--mode", "lexical").stdout
