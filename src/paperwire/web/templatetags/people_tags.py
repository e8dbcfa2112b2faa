"""Template tags of the people pages: a paper's authors line (each author linked to their
page, a verified author's badge, the organisation) and a list's badges in one query."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from paperwire.catalogue.keys import name_key
from paperwire.catalogue.models import Paper
from paperwire.community import verified_names
from paperwire.community.claims import ANY_NAME

register = template.Library()

BADGE = '<span class="verified" title="Verified author: their claim was approved">✓ author</span>'
AUTHORS_SHOWN = 30


def author_path(name: str) -> str:
    return "/authors/" + quote(name, safe="")


def org_path(name: str) -> str:
    return "/orgs/" + quote(name, safe="")


@register.simple_tag(takes_context=True)
def paper_authors(context: Any, paper: Paper, limit: int = AUTHORS_SHOWN) -> SafeString:
    """The authors line: links to /authors/<name>, a badge after each verified author (after
    the line when the claim names no author), the organisation linked to /orgs/<name>."""
    known = context.get("verified_names")
    if known is None or paper.pk not in known.get("__papers__", ()):
        names = verified_names([paper.pk]).get(paper.pk, set())
    else:
        names = known.get(paper.pk, set())
    links = format_html_join(
        ", ",
        '<a class="author" href="{}">{}</a>{}',
        (
            (author_path(a), a, SafeString(" " + BADGE) if name_key(a) in names else "")
            for a in paper.authors[:limit]
        ),
    )
    more = ", et al." if len(paper.authors) > limit else ""
    tail = SafeString(" " + BADGE) if ANY_NAME in names else ""
    org = ""
    if paper.organization:
        org = format_html(
            ' · <a class="org" href="{}">{}</a>', org_path(paper.organization), paper.organization
        )
    return format_html("{}{}{}{}", links, more, tail, org)


@register.simple_tag(takes_context=True)
def load_verified(context: Any, papers: Any) -> str:
    """Read a whole list's verified authors in three queries (``verified_names``), for every
    ``paper_authors`` of the list to use: ``{% load_verified papers %}`` once, above the list."""
    ids = [p.pk for p in papers]
    found: dict[Any, Any] = dict(verified_names(ids))
    found["__papers__"] = set(ids)
    # Set where the whole template sees it, not only inside this tag's block.
    context.dicts[0]["verified_names"] = found
    return ""


@register.filter
def author_url(name: str) -> str:
    return author_path(name)


@register.filter
def org_url(name: str) -> str:
    return org_path(name)
