"""Template filters of the site."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.web.templatetags.people_tags import author_path

register = template.Library()


@register.filter
def web_url(value: object) -> str:
    """The URL if it is http(s), else "": a link from a paper's text never runs script."""
    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


# The list entries' link lines, built in Python: as template loops they were a third of the
# time of a search page (20 entries × up to 8 authors and 4 categories; cProfile).


@register.simple_tag
def author_links(authors: list[str], limit: int = 8) -> SafeString:
    """Each author linked to their page (a list without its verified authors loaded; with
    them, ``people_tags.paper_authors`` adds the badges)."""
    links = [
        f'<a href="{escape(author_path(name))}">{escape(name)}</a>' for name in authors[:limit]
    ]
    more = ", et al." if len(authors) > limit else ""
    return mark_safe(", ".join(links) + more)  # noqa: S308 — every piece escaped above


@register.simple_tag
def category_links(categories: list[str], limit: int = 4) -> SafeString:
    return mark_safe(  # noqa: S308 — every piece escaped
        "".join(
            f' <a class="cat" href="/search?cat={escape(quote(c, safe=""))}&amp;sort=newest">'
            f"{escape(c)}</a>"
            for c in categories[:limit]
        )
    )
