"""A small catalogue on two topics (graphs on molecules, speech recognition) and others, and
a task queue that runs tasks at once, as a worker would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.foryou import features
from tests.factories import account, paper

GRAPHS = [
    "Graph neural networks for molecule property prediction",
    "Message passing graph neural networks on molecular graphs",
    "Equivariant graph neural networks for molecule generation",
    "Graph transformers predict molecule binding affinity",
    "Molecular graph pretraining with contrastive graph neural networks",
]
SPEECH = [
    "Streaming speech recognition with transducer models",
    "Self-supervised speech representations for low-resource recognition",
    "Speech recognition of accented English with conformers",
    "Speaker diarization and speech recognition in meetings",
]
OTHER = [
    "Reinforcement learning for robot grasping",
    "Image segmentation with vision transformers",
    "Code generation with large language models",
    "Federated learning under label noise",
    "Weather forecasting with neural operators",
    "Question answering over tables",
    "Diffusion models for video synthesis",
    "Bandit algorithms for online advertising",
]


@pytest.fixture(autouse=True)
def _fresh_features() -> Iterator[None]:
    features.forget()
    yield
    features.forget()


@pytest.fixture
def run_tasks_now() -> Iterator[None]:
    from huey.contrib.djhuey import HUEY

    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


@pytest.fixture
def catalogue(db: None) -> dict[str, Paper]:
    out = {}
    for title in GRAPHS + SPEECH + OTHER:
        category = "cs.LG" if title in GRAPHS else "eess.AS" if title in SPEECH else "cs.AI"
        out[title] = paper(
            title=title,
            abstract=f"We study {title.lower()} and report results.",
            categories=[category],
            primary_category=category,
        )
    return out


@pytest.fixture
def reader(db: None) -> User:
    return account("reader@example.org")
