"""Reciprocal-rank fusion and the weighted sum."""

from __future__ import annotations

from paperwire.search.fusion import weighted_fusion
from paperwire.search.hits import Hit


def hits(*ids: str) -> list[Hit]:
    return [Hit(i, float(len(ids) - n)) for n, i in enumerate(ids)]


def test_weighted_fusion_normalises_each_side():
    lexical = [Hit("a", 40.0), Hit("b", 10.0)]
    semantic = [Hit("b", 0.9), Hit("c", 0.1)]
    # Raw scores differ 40-fold between the sides; after normalising, the weight decides.
    assert [h.arxiv_id for h in weighted_fusion(lexical, semantic, 0.7)] == ["b", "a", "c"]
    assert [h.arxiv_id for h in weighted_fusion(lexical, semantic, 0.3)] == ["a", "b", "c"]


def test_an_empty_side_leaves_the_other():
    assert [h.arxiv_id for h in weighted_fusion(hits("a", "b"), [], 0.45)] == ["a", "b"]


def test_a_paper_found_by_both_sides_rises():
    fused = weighted_fusion(hits("a", "b", "c"), hits("c", "d"), 0.45)
    assert [h.arxiv_id for h in fused][:2] == ["a", "c"]
