"""What every ranking returns: a paper id and its score, best first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    arxiv_id: str
    score: float
