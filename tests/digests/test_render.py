"""A paper's excerpt in a digest: its first sentence, LaTeX made readable."""

from __future__ import annotations

from paperwire.digests.render import EXCERPT_CHARS, HEAD_CHARS, one_line

FILLER = " ".join(["Further results on the same question follow here."] * 30)


def test_the_excerpt_is_the_first_sentence_with_its_maths_readable():
    abstract = r"We bound the $\alpha$-divergence by $x^2$ for every prior. " + FILLER
    assert one_line(abstract) == "We bound the α-divergence by x² for every prior."


def test_a_long_abstract_reads_the_same_as_if_converted_whole():
    # only the start is converted (the speed of a digest run); LaTeX later in the abstract
    # still decides how the start reads (-- is an en dash in LaTeX)
    abstract = "Stories are hard to rate -- ratings differ between readers. " + FILLER + r" $\beta$"
    assert len(abstract) > HEAD_CHARS
    assert one_line(abstract) == "Stories are hard to rate – ratings differ between readers."


def test_an_abstract_that_is_mostly_latex_at_its_start_still_gets_a_full_excerpt():
    maths = " ".join([r"$\mathbb{R}^{n}\otimes\mathcal{H}$"] * 40)
    excerpt = one_line(maths + " and words after the maths, " + FILLER)
    assert excerpt.endswith(" …")
    assert EXCERPT_CHARS // 2 < len(excerpt) <= EXCERPT_CHARS + 2
    assert "$" not in excerpt
    assert "\\" not in excerpt
