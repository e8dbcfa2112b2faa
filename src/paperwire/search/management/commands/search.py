"""paperwire search "query" [filters] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand, date_option
from paperwire.db import ensure_schema
from paperwire.search.engine import Mode, SearchResponse, search
from paperwire.search.filters import Filters
from paperwire.search.maintenance import catch_up
from paperwire.search.query import Sort


class Command(PaperwireCommand):
    help = (
        "Search titles, abstracts and authors by keywords and by meaning. Query syntax: words, "
        '"a quoted phrase", author:"First Last" (a whole name), cat:cs.LG or cat:cs (every '
        "cs.*), since:2024-01-01, until:2024-12-31, has:code; an arXiv id or URL goes straight "
        "to its paper."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", help="what to look for")
        parser.add_argument(
            "--cat",
            action="append",
            default=[],
            metavar="CATEGORY",
            help="only papers in this category; an archive (cs) is all of it (repeatable)",
        )
        parser.add_argument(
            "--author",
            action="append",
            default=[],
            help="only papers by this author: a whole name, case and accents folded",
        )
        parser.add_argument("--since", help="announced on or after YYYY-MM-DD")
        parser.add_argument("--until", help="announced on or before YYYY-MM-DD")
        parser.add_argument("--has-code", action="store_true", help="only papers with a code link")
        parser.add_argument("--sort", choices=[s.value for s in Sort], default=Sort.RELEVANCE.value)
        parser.add_argument(
            "--mode",
            choices=[m.value for m in Mode],
            default=Mode.HYBRID.value,
            help="hybrid (default), lexical or semantic",
        )
        parser.add_argument("--limit", type=int, default=10, help="results (default 10)")
        parser.add_argument("--offset", type=int, default=0, help="skip this many results")
        parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["limit"] <= 1000:
            raise CommandError("--limit must be between 1 and 1000")
        if options["offset"] < 0:
            raise CommandError("--offset must not be negative")
        ensure_schema()
        catch_up()
        filters = Filters(
            categories=options["cat"],
            authors=options["author"],
            since=date_option(options["since"]) if options["since"] else None,
            until=date_option(options["until"]) if options["until"] else None,
            has_code=options["has_code"],
        )
        response = search(
            options["query"],
            mode=Mode(options["mode"]),
            sort=Sort(options["sort"]),
            limit=options["limit"],
            offset=options["offset"],
            extra_filters=filters,
        )
        if options["json"]:
            self.stdout.write(json.dumps(as_json(response), indent=2, ensure_ascii=False))
            return
        for note in response.notes:
            self.stderr.write(f"note: {note}")
        if not response.results:
            self.stdout.write("no results")
            return
        for number, result in enumerate(response.results, start=options["offset"] + 1):
            paper = result.paper
            self.stdout.write(f"{number:>3}. {result.score:.4f}  {paper.arxiv_id}  {paper.title}")
            authors = ", ".join(paper.authors[:4]) + (" et al." if len(paper.authors) > 4 else "")
            day = paper.announced_on.isoformat() if paper.announced_on else ""
            self.stdout.write(f"     {authors} · {paper.primary_category} · {day}")
        self.stderr.write(f"({response.mode} search)")


def as_json(response: SearchResponse) -> list[dict[str, object]]:
    return [
        {
            "id": r.paper.arxiv_id,
            "title": r.paper.title,
            "score": round(r.score, 6),
            "authors": r.paper.authors,
            "categories": r.paper.categories,
            "announced_on": r.paper.announced_on.isoformat() if r.paper.announced_on else None,
            "url": r.paper.abs_url,
            "lexical_rank": r.lexical_rank,
            "semantic_rank": r.semantic_rank,
            "mode": response.mode,
        }
        for r in response.results
    ]
