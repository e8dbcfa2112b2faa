"""LaTeX made readable, the one rule the mail and the search excerpts share."""

from __future__ import annotations

import pytest

from paperwire.catalogue.mathtext import is_latex, readable


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        (r"\textbf{bold} and \emph{x}", "bold and x"),
        (r"the $\alpha$-divergence", "the α-divergence"),
        (r"bounded by $x^2$ over $\mathbb{R}$", "bounded by x² over ℝ"),
        (r"50\% faster -- and cheaper", "50% faster – and cheaper"),
    ],
)
def test_latex_reads_as_unicode(latex: str, shown: str):
    assert readable(latex) == shown


def test_text_without_latex_is_left_alone():
    # "--" is an en dash only in LaTeX; "<" is no markup to this module (escaping is the page's)
    text = "Graphs -- fast. <b>x</b> < y"
    assert not is_latex(text)
    assert readable(text) == text


def test_a_part_reads_as_its_whole_would():
    assert readable("Stories -- rated", True) == "Stories – rated"
