"""Comment Markdown made into HTML that is safe to show, and into plain text.

Two layers, each enough on its own for what it guards:

1. markdown-it-py with raw HTML off: a ``<script>`` someone types is text, and links with
   schemes other than the usual (``javascript:``, ``vbscript:``, ``data:`` …) are not links.
   Maths (``$x$``, ``$$x$$``, from mdit-py-plugins' dollarmath) becomes an element with class
   ``math`` holding the formula between ``\\(…\\)`` or ``\\[…\\]``: the site's KaTeX
   auto-render (web/static/web/site.js) typesets exactly the ``.math`` elements, so dollars
   outside maths (``$5``) stay dollars.
2. nh3 (ammonia) with an explicit allow-list: these tags, these attributes, ``class`` only
   ``math``, links only http, https and mailto with ``rel="nofollow ugc noopener"``. Whatever
   the first layer let through by mistake is dropped here.
"""

from __future__ import annotations

import functools
import html as htmllib
import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "span", "div",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"span": {"math"}, "div": {"math"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# Whatever holds content that must never show as text, were it ever let through.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _linkify_available() -> bool:
    try:
        import linkify_it  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _math(open_: str, close: str, tag: str) -> Any:
    def rule(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        formula = htmllib.escape(tokens[idx].content.strip(), quote=False)
        newline = "\n" if tag == "div" else ""
        return f'<{tag} class="math">{open_}{formula}{close}</{tag}>{newline}'

    return rule


@functools.cache
def _parser() -> MarkdownIt:
    linkify = _linkify_available()
    md = MarkdownIt("commonmark", {"html": False, "linkify": linkify, "typographer": False})
    md.enable(["table", "strikethrough"])
    if linkify:
        md.enable("linkify")
    # An image in a comment would load from anywhere on every visitor's page (tracking, size):
    # it is written as a link instead (the "!" stays as text).
    md.disable("image")
    # No digits right next to a dollar: "$5 and $10" is money, not maths.
    md.use(dollarmath_plugin, allow_digits=False, double_inline=True)
    md.add_render_rule("math_inline", _math("\\(", "\\)", "span"))
    md.add_render_rule("math_inline_double", _math("\\[", "\\]", "span"))
    md.add_render_rule("math_block", _math("\\[", "\\]", "div"))
    md.add_render_rule("math_block_label", _math("\\[", "\\]", "div"))
    return md


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Relative and scheme-less addresses are not links to anywhere a comment should point:
    # only absolute http(s) and mailto survive.
    if tag == "a" and attribute == "href":
        match = _SCHEME.match(value.strip())
        if match is None or match.group(1).lower() not in URL_SCHEMES:
            return None
    return value


def sanitise(html: str) -> str:
    """HTML reduced to the allow-list; the last word on what a comment's HTML may hold."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_keep_attribute,
        strip_comments=True,
    )


def render(body: str) -> str:
    """A comment's Markdown as sanitised HTML."""
    if not body.strip():
        return ""
    return sanitise(_parser().render(body))


_INLINE_MATH = re.compile(r'<span class="math">\\\((.*?)\\\)</span>', re.S)
_DISPLAY_MATH = re.compile(r'<(?:span|div) class="math">\\\[(.*?)\\\]</(?:span|div)>', re.S)
_BLOCK_END = re.compile(r"</(p|div|li|blockquote|pre|h[1-6]|tr)>|<br\s*/?>|<hr\s*/?>", re.I)


def plain_text(body: str) -> str:
    """A comment as plain text (mail, feed titles): the rendered text without any markup,
    maths kept as its TeX source. Not HTML: escape it where it goes into HTML."""
    html = _INLINE_MATH.sub(r"$\1$", _DISPLAY_MATH.sub(r"$$\1$$", render(body)))
    html = _BLOCK_END.sub("\n", html)
    text = htmllib.unescape(nh3.clean(html, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def excerpt(body: str, limit: int = 80) -> str:
    """The first line of a comment's text, cut at a word near ``limit`` characters."""
    text = " ".join(plain_text(body).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + "…"
