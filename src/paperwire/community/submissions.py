"""Submitting a paper to a day's list, by arXiv id or URL, under the site's rules.

The rules, as Hugging Face enforces them, each from settings (``PAPERWIRE_*``):

* ``SUBMIT_REQUIRES_CLAIM``: only accounts with an approved authorship claim may submit;
* ``SUBMISSIONS_PER_DAY``: an account submits at most this many papers a (local) day;
* ``SUBMISSION_MAX_AGE_DAYS``: a paper whose first version is older than this many days
  cannot be put on a day's list (the list is for new work).

Each refusal is one ``SubmissionError`` line, which the site shows as a message, the API as
``{"detail": ...}`` with a 4xx, the CLI as its error. The checks that need no network come
first, so a refused submission never fetches anything from arXiv.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.community.signals import announce_activity
from paperwire.ingest.single import FetchFailed, fetch_and_ingest
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url


class SubmissionError(ValueError):
    """A submission that cannot be taken; the message is for the person who sent it."""


@dataclass(frozen=True)
class Submitted:
    paper: Paper
    fetched: bool  # it was not in the catalogue and came from arXiv just now


def submit(user: AbstractBaseUser, id_or_url: str, day: dt.date | None = None) -> Submitted:
    """Put the paper on ``day``'s list (today's by default), fetching it from arXiv if new."""
    text = (id_or_url or "").strip()
    if not text:
        raise SubmissionError("give an arXiv id such as 2401.01234 or an arxiv.org link")
    try:
        arxiv_id = parse_id_or_url(text[:300]).id
    except InvalidArxivId as exc:
        raise SubmissionError(str(exc)) from None
    day = day or timezone.localdate()
    check_account(user, day)
    check_month(arxiv_id, day)
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    fetched = False
    if paper is None:
        try:
            paper = fetch_and_ingest(arxiv_id).paper
        except FetchFailed as exc:
            raise SubmissionError(str(exc)) from None
        fetched = True
    if paper.hidden:
        raise SubmissionError(f"{arxiv_id} has been hidden by the moderators")
    if paper.daily_date is not None:
        raise SubmissionError(
            f"{arxiv_id} was already submitted, to the list of {paper.daily_date:%Y-%m-%d}"
        )
    check_age(paper, day)
    Paper.objects.filter(pk=paper.pk).update(
        daily_date=day,
        submitted_by=user.get_username()[:150],
        submitted_at=timezone.now(),
        modified_at=timezone.now(),
    )
    announce_activity()
    paper.refresh_from_db()
    return Submitted(paper, fetched)


def check_account(user: AbstractBaseUser, day: dt.date) -> None:
    """The account's rules: an approved claim when the site asks for one, the daily cap."""
    from paperwire.community.claims import has_approved_claim

    if settings.SUBMIT_REQUIRES_CLAIM and not has_approved_claim(user):
        raise SubmissionError(
            "only verified authors may submit here: claim your name on your author page "
            "and wait for a moderator to approve it"
        )
    cap = settings.SUBMISSIONS_PER_DAY
    if submitted_on(user, day) >= cap:
        raise SubmissionError(
            f"you have submitted {cap} paper{'s' if cap != 1 else ''} today, the most an "
            "account may; submit again tomorrow"
        )


def submitted_on(user: AbstractBaseUser, day: dt.date) -> int:
    """How many papers the account submitted during ``day`` (local time)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    # daily_date is indexed: a submission goes to the day it is made on (or one given).
    return Paper.objects.filter(
        daily_date__gte=day - dt.timedelta(days=1),
        submitted_by=user.get_username()[:150],
        submitted_at__gte=start,
        submitted_at__lt=start + dt.timedelta(days=1),
    ).count()


def first_version_day(paper: Paper) -> dt.date | None:
    """The day of the paper's first version: its ``published``, else v1's date."""
    if paper.published is not None:
        return paper.published.date()
    for version in paper.versions or ():
        if version.get("version") == 1 and version.get("created"):
            try:
                return dt.date.fromisoformat(str(version["created"])[:10])
            except ValueError:
                return None
    return None


def check_age(paper: Paper, day: dt.date) -> None:
    first = first_version_day(paper)
    limit = settings.SUBMISSION_MAX_AGE_DAYS
    if first is not None and (day - first).days > limit:
        raise SubmissionError(
            f"{paper.arxiv_id} is {(day - first).days} days old (first version "
            f"{first:%Y-%m-%d}); only papers from the last {limit} days can be submitted"
        )


def check_month(arxiv_id: str, day: dt.date) -> None:
    """Refuse before fetching a paper whose id's month (2401.01234: January 2024) ended more
    than the age limit ago: its first version cannot be recent enough."""
    head = arxiv_id.split(".", 1)[0]
    if "/" in arxiv_id or len(head) != 4 or not head.isdigit():
        return
    year, month = 2000 + int(head[:2]), int(head[2:])
    if not 1 <= month <= 12:
        return
    month_end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    limit = settings.SUBMISSION_MAX_AGE_DAYS
    if (day - month_end).days > limit:
        raise SubmissionError(
            f"{arxiv_id} was first released in {month_end:%B %Y}; only papers from the last "
            f"{limit} days can be submitted"
        )
