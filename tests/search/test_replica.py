"""On PostgreSQL each node searches its own derived indexes, kept from the database; a node
without them serves at once from the database's full text and says so.

Real processes against the machine's PostgreSQL (a fresh database each), whatever database the
rest of the suite runs on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import NewEnd

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


def test_a_new_node_answers_from_the_database_says_so_and_then_follows_into_its_own_index(
    tmp_path: Path, new_end: NewEnd
) -> None:
    node = new_end("postgres")
    node.env["PAPERWIRE_SEARCH_BACKEND"] = "index"  # the default, whatever this run chose
    imported = node("import", "jsonl", str(listing(tmp_path)), "--no-progress")
    assert imported.returncode == 0, imported.stderr
    index = Path(node.env["PAPERWIRE_DATA_DIR"]) / "index"
    shutil.rmtree(index)  # a node just added: the same database, no index directory

    early = node("search", "graph neural networks", "--mode", "lexical")
    assert early.returncode == 0, early.stderr
    assert "2501.00001" in early.stdout
    assert BUILDING in early.stdout + early.stderr
    assert not (index / "lexical").exists()  # a search never builds a whole index itself

    followed = node("follow", "--once")
    assert followed.returncode == 0, followed.stderr
    assert "keywords +3" in followed.stdout

    later = node("search", "graph neural networks", "--mode", "lexical")
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
