"""A digest as a mail: sections with their headings, a paper's excerpt (its first sentence,
LaTeX made readable)."""

from __future__ import annotations

import pytest

from paperwire.catalogue.periods import containing
from paperwire.digests.models import Digest
from paperwire.digests.render import EXCERPT_CHARS, HEAD_CHARS, Renderer, one_line
from paperwire.digests.sections import SECTIONS
from tests.factories import DAY, paper, subscriber

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


@pytest.mark.django_db
def test_each_section_has_its_heading_and_what_it_is_in_html_and_text():
    ours = paper("2503.00001", "Graph networks", upvotes=3)
    hot = paper("2503.00002", "Hot", upvotes=9)
    liked = paper("2503.00003", "Liked")
    lab = paper("2503.00004", "Queued")
    followed = paper("2503.00005", "Followed")
    person = subscriber("a@example.org", "graph networks")
    digest = Digest.objects.create(
        subscriber=person, frequency="daily", period_start=DAY, period_end=DAY,
        items=[
            {"paper": liked.pk, "section": "foryou", "why": ["close to «<i>Mine</i>» in Saved"]},
            {"paper": lab.pk, "section": "groups", "why": ["Lab: reading queue, 1 vote"]},
            {"paper": followed.pk, "section": "followed", "why": ["by Ada, whom you follow"]},
            {"paper": ours.pk, "section": "topics", "why": ["topic: graph networks", "trending"]},
            {"paper": hot.pk, "section": "trending", "why": ["trending"]},
        ],
    )  # fmt: skip
    out = Renderer(containing("daily", DAY)).outbound(digest, person.email)
    for section in SECTIONS:
        assert f">{section.heading}</div>" in out.html
        assert f"== {section.heading} ==\n{section.about}" in out.text
        assert section.about in out.html
    order = [out.html.index(f">{s.heading}</div>") for s in SECTIONS]
    assert order == sorted(order)
    assert out.html.index("Liked") < out.html.index("Graph networks") < out.html.index("Hot")
    # A For-you reason may quote a title: escaped in HTML, as written in text.
    assert "why: close to «&lt;i&gt;Mine&lt;/i&gt;» in Saved" in out.html
    assert "why: close to «<i>Mine</i>» in Saved" in out.text
    assert "why: topic: graph networks; trending" in out.text
    assert out.html.count("/subscriptions/feedback/") == 15  # save, more, less for each
    assert out.text.count("/subscriptions/feedback/") == 15
    assert max(len(line) for line in out.html.splitlines()) < 998  # travels as 8-bit text


@pytest.mark.django_db
def test_a_digest_composed_before_sections_reads_as_one_list():
    old = paper("2503.00001", "Old style", upvotes=3)
    person = subscriber("a@example.org")
    digest = Digest.objects.create(
        subscriber=person, frequency="daily", period_start=DAY, period_end=DAY,
        items=[{"paper": old.pk, "why": ["trending"]}],
    )  # fmt: skip
    out = Renderer(containing("daily", DAY)).outbound(digest, person.email)
    assert "Old style" in out.html
    assert not any(f">{s.heading}</div>" in out.html for s in SECTIONS)
    assert "==" not in out.text
