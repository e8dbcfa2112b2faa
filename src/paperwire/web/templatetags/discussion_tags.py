"""``{% discussion_thread %}``: the discussion under the paper in the template's context.

A tag, so that the paper page's view (web/papers.py) needs to know nothing of comments: the
thread is read here, in one query for the comments and their authors (and one for the
reader's votes), whatever the thread's length.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from paperwire.discussion import render

register = template.Library()


@register.inclusion_tag("web/discussion/_thread.html", takes_context=True)
def discussion_thread(context: Any) -> dict[str, Any]:
    from paperwire.web.discussion_pages import section_context

    return section_context(context["request"], context["paper"])


@register.filter
def comment_html(body: str) -> SafeString:
    """A comment body (an earlier version, say) as the sanitised HTML discussion.markdown
    makes; safe to put in a page as it is."""
    return mark_safe(render(body))  # noqa: S308  # nh3's allow-list made it safe
