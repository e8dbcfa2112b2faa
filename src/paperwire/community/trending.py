"""Trending: votes with time decay, computed by the database.

    score = points / (age + 2) ** 1.5

``points`` are the source's upvotes plus this site's weighted votes; ``age`` is whole days
between the paper's day and the newest day in the catalogue (so a mirror that stopped
harvesting still shows what was trending when it stopped, instead of an empty page).

Why this shape: it is Hacker News' gravity formula on a scale of days, which is the unit
papers arrive in. The offset of 2 keeps today's papers from being divided by almost nothing
(one early vote would otherwise beat a hundred from yesterday); the exponent 1.5 halves a
paper's score in about two days when it is new and makes a week-old paper need 9.5 times
the votes of one from today (``(7 + 2) ** 1.5 / 2 ** 1.5``). Papers older than
``WINDOW_DAYS`` are not considered at all. docs/site.md has the worked examples.

The age factor is a CASE over the window's days, so the whole ranking is one indexed query
that SQLite and PostgreSQL run alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from paperwire.catalogue.models import Paper, PaperQuerySet
from paperwire.catalogue.periods import Period, latest_day

GRAVITY = 1.5
OFFSET_DAYS = 2
WINDOW_DAYS = 14
# A vote from an account younger than a day counts a quarter: enough that a real newcomer's
# vote still matters, little enough that a batch of fresh accounts cannot lift a paper alone.
NEW_ACCOUNT_AGE = dt.timedelta(days=1)
NEW_ACCOUNT_WEIGHT = 0.25


def decay(age_days: int) -> float:
    return float((max(age_days, 0) + OFFSET_DAYS) ** GRAVITY)


def vote_weight(account_created: dt.datetime, now: dt.datetime | None = None) -> float:
    now = now or timezone.now()
    return NEW_ACCOUNT_WEIGHT if now - account_created < NEW_ACCOUNT_AGE else 1.0


def with_points(papers: PaperQuerySet) -> QuerySet[Paper]:
    return papers.annotate(
        points_weighted=F("upvotes") + F("vote_weight"),
    )


def ranked_for_period(papers: PaperQuerySet) -> QuerySet[Paper]:
    """Within one day, week or month: by points; the newest first among equals."""
    return with_points(papers).order_by(
        F("points_weighted").desc(), F("announced_on").desc(nulls_last=True), "-arxiv_id"
    )


def day_list(period: Period) -> QuerySet[Paper]:
    """The visible papers of a day, week or month, most points first: the one list query
    behind the site's lists, the API's, the daily feed and the digests' trending part."""
    return ranked_for_period(Paper.objects.visible().in_days(period.first, period.last))


def trending(anchor: dt.date | None = None) -> QuerySet[Paper]:
    """Every visible paper of the last ``WINDOW_DAYS`` days, best trending score first.

    Each paper carries ``trending_score``, ``trending_age`` (days) and ``points_weighted``.
    """
    anchor = anchor or latest_day()
    if anchor is None:
        return Paper.objects.none()
    days = [anchor - dt.timedelta(days=n) for n in range(WINDOW_DAYS)]
    age = Case(
        *[When(_day_is(d), then=Value(n)) for n, d in enumerate(days)],
        default=Value(WINDOW_DAYS),
        output_field=IntegerField(),
    )
    factor = Case(
        *[When(_day_is(d), then=Value(1.0 / decay(n))) for n, d in enumerate(days)],
        default=Value(0.0),
        output_field=FloatField(),
    )
    return (
        with_points(Paper.objects.visible().in_days(days[-1], anchor))
        .annotate(trending_age=age, trending_score=(F("upvotes") + F("vote_weight")) * factor)
        .order_by(F("trending_score").desc(), F("announced_on").desc(nulls_last=True), "-arxiv_id")
    )


def reason(paper: Paper) -> Reason:
    """Why an annotated paper from ``trending()`` is where it is."""
    points = float(getattr(paper, "points_weighted", paper.upvotes + paper.vote_weight))
    age = int(getattr(paper, "trending_age", 0))
    return Reason(points, age, float(getattr(paper, "trending_score", points / decay(age))))


def _day_is(day: dt.date) -> Q:
    # The same rule as PaperQuerySet.in_days: the submission day wins over the listing day.
    return Q(daily_date=day) | Q(daily_date__isnull=True, announced_on=day)


@dataclass(frozen=True)
class Reason:
    """Why a paper is where it is in a trending list."""

    points: float
    age_days: int
    score: float

    def __str__(self) -> str:
        votes = f"{self.points:g} vote" + ("" if self.points == 1 else "s")
        if self.age_days == 0:
            age = "from the newest day"
        else:
            age = f"{self.age_days} day" + ("" if self.age_days == 1 else "s") + " old"
        formula = f"{self.points:g} / ({self.age_days} + {OFFSET_DAYS})^{GRAVITY:g}"
        return f"{votes}, {age}: {formula} = {self.score:.2f}"
