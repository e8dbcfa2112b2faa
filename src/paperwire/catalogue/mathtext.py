"""LaTeX in paper text made readable as plain Unicode: for mail, whose clients run no KaTeX,
and for search excerpts, which are cut and marked where KaTeX would see broken maths.

It lives in the catalogue, upstream of both the digests and the web, so both read one rule.

pylatexenc turns commands into characters (``\\alpha`` → α, ``\\mathbb{R}`` → ℝ); simple
super- and subscripts that Unicode has glyphs for are raised or lowered (``x^2`` → x², ``x_i``
→ xᵢ); anything else is left as pylatexenc renders it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

_SUPER = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ"
)
_SUB = str.maketrans("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]{1,8})\}|([0-9A-Za-z+\-]))")
_converter = LatexNodes2Text(math_mode="text")


def _script(match: re.Match[str]) -> str:
    mark, braced, single = match.groups()
    body = braced if braced is not None else single
    table = _SUPER if mark == "^" else _SUB
    converted = body.translate(table)
    # Only when every character has a glyph; otherwise keep the readable x^{ab} form.
    if any(ch == orig for ch, orig in zip(converted, body, strict=True) if not ch.isspace()):
        return match.group(0)
    return converted


def is_latex(text: str) -> bool:
    return "$" in text or "\\" in text


@lru_cache(maxsize=4096)
def readable(text: str, latex: bool | None = None) -> str:
    """``latex``: whether the text is LaTeX (by default ``is_latex(text)``); a part of a longer
    text is converted as its whole would be."""
    if latex is None:
        latex = is_latex(text)
    if not latex:
        return text
    try:
        plain = _converter.latex_to_text(text)
    except Exception:  # pylatexenc gives up on some malformed input: show it as it is
        return text
    return " ".join(_SCRIPT.sub(_script, plain).split())
