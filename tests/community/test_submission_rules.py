"""The submission rules: a maximum paper age, a daily cap per account, and optionally only
verified authors. Each refusal is one line: the site's message, the API's {"detail"}, the
command's error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.community.submissions import SubmissionError, submit
from tests.factories import account, claim, paper, token_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()  # submissions go to today's list
MONTH = f"{TODAY:%y%m}"  # new ids are of this month


def recent(n: int, days_old: int = 1) -> str:
    """A paper of this month's ids, first released ``days_old`` days ago; its id."""
    published = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12))) - dt.timedelta(
        days=days_old
    )
    arxiv_id = f"{MONTH}.{n:05d}"
    paper(arxiv_id=arxiv_id, published=published, daily_date=None)
    return arxiv_id


def test_a_recent_paper_is_taken() -> None:
    done = submit(account(), recent(1, days_old=7), TODAY)
    assert done.paper.daily_date == TODAY


def test_a_paper_older_than_the_limit_is_refused_in_one_line(settings: Settings) -> None:
    settings.SUBMISSION_MAX_AGE_DAYS = 7
    old = recent(2, days_old=8)
    with pytest.raises(SubmissionError) as refused:
        submit(account(), old, TODAY)
    first = TODAY - dt.timedelta(days=8)
    assert str(refused.value) == (
        f"{old} is 8 days old (first version {first:%Y-%m-%d}); only papers from the last 7 "
        "days can be submitted"
    )


def test_an_id_from_an_old_month_is_refused_before_asking_arxiv(settings: Settings) -> None:
    # Not in the catalogue, and no arXiv to ask in a test: the id's month says enough.
    with pytest.raises(SubmissionError) as refused:
        submit(account(), "2401.01234", TODAY)
    assert str(refused.value) == (
        "2401.01234 was first released in January 2024; only papers from the last 7 days can "
        "be submitted"
    )


def test_the_daily_cap_per_account(settings: Settings) -> None:
    settings.SUBMISSIONS_PER_DAY = 2
    reader = account()
    first, second, third = recent(1), recent(2), recent(3)
    submit(reader, first)
    submit(reader, second)
    with pytest.raises(SubmissionError) as refused:
        submit(reader, third)
    assert str(refused.value) == (
        "you have submitted 2 papers today, the most an account may; submit again tomorrow"
    )
    assert submit(account("other@example.org"), third).paper.daily_date is not None


def test_only_verified_authors_when_the_site_asks_for_it(settings: Settings) -> None:
    settings.SUBMIT_REQUIRES_CLAIM = True
    reader = account()
    new = recent(1)
    with pytest.raises(SubmissionError) as refused:
        submit(reader, new)
    assert str(refused.value) == (
        "only verified authors may submit here: claim your name on your author page and wait "
        "for a moderator to approve it"
    )
    claim(reader, name="Ada Lovelace", approved=False)
    with pytest.raises(SubmissionError):
        submit(reader, new)
    claim(reader, name="Alan Turing")
    assert submit(reader, new).paper.daily_date is not None


def test_the_site_shows_the_refusal_as_one_message(client: Client, settings: Settings) -> None:
    settings.SUBMIT_REQUIRES_CLAIM = True
    client.force_login(account())
    response = client.post("/submit", {"paper": recent(1)})
    assert response.status_code == 400
    assert "only verified authors may submit here" in response.content.decode()


def test_the_api_answers_a_refusal_with_a_detail(settings: Settings) -> None:
    settings.SUBMISSIONS_PER_DAY = 1
    reader = account()
    first, second = recent(1), recent(2)
    api = Client(headers={"Authorization": f"Bearer {token_for(reader)}"})
    assert api.post("/api/submit", {"paper": first}, "application/json").status_code == 201
    refused = api.post("/api/submit", {"paper": second}, "application/json")
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "you have submitted 1 paper today, the most an account may; submit again tomorrow"
    }
