"""What the benchmarks share: where things are, logging, the real papers, ranking measures.

The scripts run as ``.venv/bin/python bench/<name>.py``, which puts bench/ on ``sys.path``:
they import this module as ``common``.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import platform
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"
# Inside a data folder such as SHARED_DATA:
LISTINGS = Path("arxiv-cs-daily-listings") / "papers.jsonl.gz"
HF_DAILY = Path("hf-daily-papers") / "daily"

# Real-model vectors of the real papers, encoded once (bench/search_speed.py) and reused.
VECTOR_CACHE = PROJECT / "var" / "cache" / "real-vectors"
SAMPLE_SEED = 11  # the fixed order in which the real papers are encoded


def vector_chunk_prefix(model_id: str) -> str:
    """The start of the name of each cached chunk of ``model_id``'s vectors."""
    return f"{model_id.replace('/', '_')}-seed{SAMPLE_SEED}-"


def logger(tag: str) -> Callable[[str], None]:
    """A log for progress on stderr, each line starting with ``[tag]``."""

    def log(message: str) -> None:
        print(f"[{tag}] {message}", file=sys.stderr, flush=True)

    return log


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def load_real(data: Path = SHARED_DATA) -> list[dict[str, Any]]:
    """Every record of the real arXiv CS listings, as parsed JSON."""
    with gzip.open(data / LISTINGS, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


class Stream:
    """A RecordStream over a generator, for the real Ingester."""

    unit = "rec"

    def __init__(self, items: Iterable[Any], total: int) -> None:
        self.items, self.label = items, "bench"
        self.notes: list[str] = []
        self.total: int | None = total
        self.cursor: str | None = None
        self.position = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.position += 1
            yield item


def paperwire_command() -> list[str]:
    script = Path(sys.executable).with_name("paperwire")
    return [str(script)] if script.exists() else [sys.executable, "-m", "paperwire.cli"]


def verdict(ok: bool, text: str) -> str:
    return f"  {'PASS' if ok else 'MISS'}  {text}"


def linear_gain(grade: int) -> float:
    return grade


def exponential_gain(grade: int) -> float:
    return float(2**grade - 1)


def ndcg_at(
    ranked: list[str],
    grades: dict[str, int],
    k: int,
    gain: Callable[[int], float] = linear_gain,
) -> float:
    """nDCG@k of ``ranked`` against graded judgements (ungraded documents count 0)."""
    dcg = sum(gain(grades.get(doc, 0)) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(gain(g) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def cpu_line(also: tuple[str, ...] = ()) -> str:
    """The CPU's model, cores and the vector-instruction flags that matter here (and ``also``
    these, when the CPU has them)."""
    model, flags = platform.processor() or "?", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("?", "", "x86_64"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                wanted = ("avx", "avx2", "avx512f", "fma", "sse4_2", *also)
                flags = " ".join(f for f in line.split(":", 1)[1].split() if f in wanted)
    except OSError:
        pass
    return f"CPU: {model}, {os.cpu_count()} cores; flags: {flags}"
