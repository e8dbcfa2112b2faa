"""``{% library_state %}``: the reader's saved papers and marks for the template it is in.

See ``paperwire.web.library_pages`` (module docstring) for why this is a tag: one query per
request, whichever view renders a paper, and nothing for anonymous visitors.
"""

from __future__ import annotations

from typing import Any

from django import template

from paperwire.web.library_pages import NOBODY, collections_menu, reader_state

register = template.Library()


@register.simple_tag(takes_context=True)
def library_state(context: Any) -> str:
    """Set ``saved_ids``, ``marked`` and ``library_collections`` where the view did not."""
    request = context.get("request")
    if context.get("saved_ids") is None or context.get("marked") is None:
        state = reader_state(request) if request is not None else NOBODY
        if context.get("saved_ids") is None:
            context["saved_ids"] = state.saved_ids
        if context.get("marked") is None:
            context["marked"] = state.marked
    if context.get("library_collections") is None and request is not None:
        context["library_collections"] = collections_menu(request)
    return ""
