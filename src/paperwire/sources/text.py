"""Text clean-up shared by every source, so one paper read from two sources compares equal."""

from __future__ import annotations

import re
import unicodedata

# TeX accent commands -> Unicode combining marks ("Bal\'azs" -> "Balázs").
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}  # fmt: skip
_LETTERS = {
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "aa": "å", "AA": "Å",
    "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "i": "ı", "j": "ȷ",
}  # fmt: skip
# \'a  \'{a}  {\'a}  \v{s}  \c c  -- the forms arXiv author lists use.
_ACCENT_RE = re.compile(
    r"\{?\\(?P<cmd>['`^\"~=.]|[uvHckr](?=[\s{]))\s*(?:\{(?P<b>\\?[A-Za-z]?)\}|(?P<c>\\?[A-Za-z]))\}?"
)
_LETTER_RE = re.compile(
    r"\{?\\(?P<name>ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\})?\}?"
)


def clean(text: object) -> str:
    """Collapse arXiv's hard wraps and indentation into single spaces; non-strings become ''."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split())  # str.split() is several times faster than a regex here


def detex_name(name: str) -> str:
    """Turn TeX accents in an author name into Unicode; leave anything else alone."""
    if "\\" not in name:
        return clean(name)

    def accent(match: re.Match[str]) -> str:
        letter = match.group("b") if match.group("b") is not None else match.group("c")
        letter = (letter or "").lstrip("\\")
        if letter == "i":
            letter = "i"  # \'{\i} is a dotless i taking the accent: plain i with it reads right
        return unicodedata.normalize("NFC", letter + _ACCENTS[match.group("cmd")])

    def letter(match: re.Match[str]) -> str:
        return _LETTERS[match.group("name")]

    result = _ACCENT_RE.sub(accent, name)
    result = _LETTER_RE.sub(letter, result)
    return clean(result.replace("{", "").replace("}", ""))
