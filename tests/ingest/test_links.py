"""Links a source states and links found in the abstract end up as one list without twins."""

from __future__ import annotations

from pathlib import Path

import orjson

from paperwire.catalogue.models import Paper
from paperwire.ingest import links
from paperwire.ingest.merge import merge
from paperwire.sources import links as source_links
from paperwire.sources.hf_daily import HfDailyStream
from paperwire.sources.records import PaperRecord


def test_ingest_finds_links_by_the_sources_rule():
    assert links.find_links is source_links.find_links
    assert links.classify is source_links.classify


def test_a_repository_stated_by_hugging_face_and_named_in_the_abstract_is_listed_once(
    tmp_path: Path,
):
    # As on Hugging Face (2503.00501): githubRepo with a trailing slash, the abstract without.
    item = {
        "paper": {
            "id": "2503.00501",
            "title": "Qilin",
            "summary": "Code is at https://github.com/RED-Search/Qilin.",
            "authors": [{"name": "Ada Lovelace"}],
            "publishedAt": "2025-03-01T00:00:00.000Z",
            "githubRepo": "https://github.com/RED-Search/Qilin/",
        }
    }
    day = tmp_path / "2025-03-04.json"
    day.write_bytes(orjson.dumps([item]))
    (record,) = [r for r in HfDailyStream(day) if isinstance(r, PaperRecord)]
    paper = Paper(arxiv_id="2503.00501")
    merge(paper, record)
    assert paper.links == [{"kind": "github", "url": "https://github.com/RED-Search/Qilin"}]
