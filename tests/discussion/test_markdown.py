"""Comment Markdown: what it keeps (emphasis, lists, tables, code, links, maths for KaTeX) and
that hostile input comes out inert: no element, attribute or address that could run code,
load anything or restyle the page survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from paperwire.discussion.markdown import excerpt, plain_text, render, sanitise

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<style>body{display:none}</style>",
    '<p style="position:fixed;top:0">cover</p>',
    '<div onclick="alert(1)">click</div>',
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<details open ontoggle=alert(1)>",
    "<!-- a comment --><b>bold</b>",
    "<form action=https://evil.example><input name=q></form>",
    "[x](<javascript:alert(1)>)",
    '<https://example.org/" onmouseover="alert(1)>',
    "$<img src=x onerror=alert(1)>$",
    "$$\n</div><script>alert(1)</script>\n$$",
]


class Elements(HTMLParser):
    """The elements a browser would build from the HTML, with their attributes (text, and
    markup shown as text, is not an element)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_comes_out_inert(text: str):
    html = render(text)
    for tag, attrs in Elements(html).found:
        assert tag in {"p", "a", "span", "div", "br", "b"}, html
        assert set(attrs) <= {"href", "rel", "class"}, html
        if "href" in attrs:
            assert tag == "a"
            assert attrs["href"].startswith(("http://", "https://", "mailto:")), html
            assert attrs["rel"] == "nofollow ugc noopener"
        if "class" in attrs:
            assert attrs["class"] == "math", html


def test_raw_html_is_shown_as_the_text_it_is():
    assert (
        render("<b>bold</b> <em>x</em>")
        == "<p>&lt;b&gt;bold&lt;/b&gt; &lt;em&gt;x&lt;/em&gt;</p>\n"
    )
    assert render("<div>\nblock\n</div>") == "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>\n"


def test_links_get_nofollow_ugc_and_noopener():
    html = render("[paper](https://arxiv.org/abs/2501.00001) and <mailto:a@b.org>")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://arxiv.org/abs/2501.00001"' in html
    assert 'href="mailto:a@b.org"' in html


def test_relative_and_other_scheme_links_lose_their_address():
    for text in ["[x](/admin/)", "[x](//evil.example/)", "[x](ftp://host/f)", "[x](file:///etc)"]:
        assert "href" not in render(text), text


def test_images_are_links_not_embedded():
    html = render("![chart](https://example.org/chart.png)")
    assert "<img" not in html
    assert 'href="https://example.org/chart.png"' in html


def test_maths_is_kept_for_katex():
    html = render("Inline $a<b$, display $$\\sum_i x_i$$ and\n\n$$\nE = mc^2\n$$\n")
    assert '<span class="math">\\(a&lt;b\\)</span>' in html
    assert '<span class="math">\\[\\sum_i x_i\\]</span>' in html
    assert '<div class="math">\\[E = mc^2\\]</div>' in html


def test_dollars_next_to_digits_are_money():
    assert "math" not in render("It costs $5 and $10.")


def test_markdown_features():
    html = render("*em* **strong** ~~gone~~ `code`\n\n- a\n- b\n\n| h |\n|---|\n| c |\n\n> q\n")
    for tag in ("em", "strong", "s", "code", "ul", "li", "table", "th", "td", "blockquote"):
        assert f"<{tag}>" in html, tag


def test_sanitise_alone_drops_what_markdown_would_never_make():
    html = sanitise('<p class="x" style="color:red" onclick="a()">t<script>b()</script></p>')
    assert html == "<p>t</p>"


def test_plain_text_for_mail_and_feed_titles():
    text = plain_text("Hello *world* <b>$x<y$</b>\n\n- one\n- two")
    assert text == "Hello world <b>$x<y$</b>\none\ntwo"
    assert excerpt("word " * 40, 20) == "word word word word…"
    assert render("   ") == ""
