"""One paper fetched and ingested: the same for `paperwire add` and a submission."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from paperwire.catalogue.signals import papers_changed
from paperwire.community.submissions import SubmissionError, submit
from paperwire.ingest import single
from paperwire.ingest.single import FetchFailed, fetch_and_ingest
from paperwire.sources.http import PoliteClient
from tests.conftest import shared
from tests.replay import ReplayServer, Reply

pytestmark = pytest.mark.django_db


def _no_wait(seconds: float) -> None:
    pass


@pytest.fixture
def arxiv(settings: Settings, replay_server: ReplayServer) -> ReplayServer:
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_REQUEST_INTERVAL = 0
    return replay_server


def test_a_new_paper_is_ingested_and_announced_once(arxiv: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-1605.08386_start0-max100.xml").read_bytes()
    arxiv.route("/api/query", Reply(body=body), id_list="1605.08386")
    heard: list[int] = []

    def listener(sender: object, changed: int = 0, **kwargs: Any) -> str:
        heard.append(changed)
        return "index refreshed"

    papers_changed.connect(listener, dispatch_uid="test_single")
    try:
        first = fetch_and_ingest("https://arxiv.org/abs/1605.08386")
        again = fetch_and_ingest("1605.08386")
    finally:
        papers_changed.disconnect(dispatch_uid="test_single")
    assert first.paper.arxiv_id == "1605.08386"
    assert first.summary.new == 1
    assert "index refreshed" in first.notes
    assert (again.summary.unchanged, again.notes) == (1, [])
    assert heard == [1]


def test_add_and_a_submission_give_the_same_reason_when_arxiv_cannot_be_asked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    # No backoff between the attempts: the test is about the message, not the waiting.
    monkeypatch.setattr(single, "PoliteClient", functools.partial(PoliteClient, sleep=_no_wait))
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens on port 9
    settings.ARXIV_REQUEST_INTERVAL = 0
    # The age rule (tests/community/test_submission_rules.py) would refuse this 2025 id first.
    settings.SUBMISSION_MAX_AGE_DAYS = 36_500
    with pytest.raises(FetchFailed, match=r"^arXiv could not be asked about 2501\.09999: ") as raw:
        fetch_and_ingest("2501.09999")
    reason = str(raw.value).split(": ", 1)[0]
    with pytest.raises(CommandError) as by_add:
        call_command("add", "2501.09999")
    user = get_user_model().objects.create_user(username="ada", email="a@example.org")
    with pytest.raises(SubmissionError) as by_submission:
        submit(user, "2501.09999")
    assert str(by_add.value).startswith(reason)
    assert str(by_submission.value).startswith(reason)


def test_an_id_arxiv_does_not_know_is_named(arxiv: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-0808.05394_start0-max100.xml").read_bytes()
    arxiv.route("/api/query", Reply(body=body))
    with pytest.raises(FetchFailed, match=r"^arXiv has no paper 0808\.05394$"):
        fetch_and_ingest("0808.05394")
