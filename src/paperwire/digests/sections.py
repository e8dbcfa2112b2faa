"""The sections a digest is made of: what each one is, and how it picks its papers.

A digest is a short list of sections, in the order of ``SECTIONS``: "For you" (a reader's
own ranking), "Your groups", "Followed authors" (new papers of the authors and organisations
the subscriber's account follows), "Your topics" (what the subscriber's saved queries
matched), "Trending" (the period's list). Each ``Section`` names itself (a key stored with
every item, a heading and a line saying what it is, both shown in the mail) and has a
``prepare`` step that runs once per composing run — where all batching happens, so no
section queries per subscriber — and returns the function that picks one subscriber's papers.

A new section (say, "Comments on your papers") is one more ``Section`` in ``SECTIONS``: the
composer, the renderer and the "never the same paper twice" rule (``compose.assemble``) need
no change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from paperwire.catalogue.periods import Period
from paperwire.digests.models import Subscriber, Topic
from paperwire.library import readers_with_signals

# What a section may show of one digest (a paper already shown above is not counted twice).
FOR_YOU_ITEMS = 10
TOPIC_ITEMS = 5  # per topic
TOPICS_ITEMS = 20
TRENDING_ITEMS = 10
GROUP_ITEMS = 10
FOLLOWED_ITEMS = 15
# Readers ranked per call of the engine: large enough to share its per-call set-up, small
# enough that one chunk's models and scores stay a few megabytes.
FOR_YOU_CHUNK = 1_000
# Asked of the engine beyond what is shown: a paper the reader was already sent is dropped
# afterwards, and the section should still be full.
FOR_YOU_SLACK = 5


@dataclass(frozen=True, slots=True)
class Pick:
    """A paper a section chose for one subscriber, with the reasons the reader sees."""

    paper: int
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Person:
    """One subscriber as the composer knows them."""

    subscriber: int
    email: str
    include_trending: bool
    topics: tuple[str, ...]
    user: int | None  # the account with the subscriber's address, if it has For-you signals
    # The subscriber's account whether or not it has signals: its own, or the one with the
    # subscriber's address. Sections that read an account's choices (followed authors,
    # groups) use this one; For you needs signals and uses ``user``.
    account: int | None = None


@dataclass
class Run:
    """What every section of one composing run shares: the period's papers (loaded once)
    and everyone being composed for."""

    trending: list[int]  # the period's list, most points first, papers with points only
    candidates: Sequence[int]  # every paper of the period, in the period's list order
    matches: dict[str, list[int]]  # each followed topic's matches, best first
    people: list[Person]
    notes: list[str] = field(default_factory=list)
    period: Period | None = None  # the digest's period (sections that look back from it)


Picker = Callable[[Person], Iterable[Pick]]


@dataclass(frozen=True)
class Section:
    key: str  # stored with each digest item: {"paper": 1, "section": "topics", "why": [...]}
    heading: str
    about: str  # one line under the heading: what the section is
    limit: int
    prepare: Callable[[Run], Picker]


def _prepare_for_you(run: Run) -> Picker:
    readers = sorted({p.user for p in run.people if p.user is not None})
    if not readers or not run.candidates:
        return lambda person: ()
    # Imported here, not at the top: the engine loads scikit-learn, which a run whose
    # subscribers have no accounts (and every page that imports the composer) never needs.
    from paperwire.foryou import recommend_many

    ranked: dict[int, list[Pick]] = {}
    candidates = list(run.candidates)
    for start in range(0, len(readers), FOR_YOU_CHUNK):
        chunk = readers[start : start + FOR_YOU_CHUNK]
        for user_id, recs in recommend_many(
            chunk, candidates, FOR_YOU_ITEMS + FOR_YOU_SLACK
        ).items():
            ranked[user_id] = [Pick(r.paper_id, tuple(r.why)) for r in recs]
    return lambda person: ranked.get(person.user, ()) if person.user is not None else ()


def _prepare_topics(run: Run) -> Picker:
    def pick(person: Person) -> list[Pick]:
        reasons: dict[int, list[str]] = {}
        for topic in person.topics:
            for pk in run.matches.get(topic, ())[:TOPIC_ITEMS]:
                reasons.setdefault(pk, []).append(f"topic: {topic}")
        return [Pick(pk, tuple(why)) for pk, why in reasons.items()]

    return pick


def _prepare_trending(run: Run) -> Picker:
    everyone = [Pick(pk, ("trending",)) for pk in run.trending[:TRENDING_ITEMS]]
    return lambda person: everyone if person.include_trending else ()


def _prepare_followed(run: Run) -> Picker:
    """The period's papers by the authors and organisations each subscriber's account
    follows, in the period's list order (most points first): one batch for the whole run."""
    accounts = sorted({p.account for p in run.people if p.account is not None})
    if not accounts or not run.candidates:
        return lambda person: ()
    from paperwire.community import follow_reason, followers_of_papers

    followed = followers_of_papers(run.candidates, accounts)
    if not followed:
        return lambda person: ()
    order = {pk: n for n, pk in enumerate(run.candidates)}

    def pick(person: Person) -> list[Pick]:
        mine = followed.get(person.account, {}) if person.account is not None else {}
        return [
            Pick(pk, tuple(follow_reason(kind, name) for kind, name in mine[pk]))
            for pk in sorted(mine, key=order.__getitem__)
        ]

    return pick


def _prepare_groups(run: Run) -> Picker:
    # Imported here: the groups' module reads this one's types.
    from paperwire.digests.group_section import prepare

    return prepare(run)


FOR_YOU = Section(
    "foryou",
    "For you",
    "Ranked by what you saved and upvoted, and by the papers you asked for more or less of.",
    FOR_YOU_ITEMS,
    _prepare_for_you,
)
TOPICS = Section(
    "topics",
    "Your topics",
    "New papers that match the topics you follow.",
    TOPICS_ITEMS,
    _prepare_topics,
)
TRENDING = Section(
    "trending",
    "Trending",
    "The papers of the period with the most votes.",
    TRENDING_ITEMS,
    _prepare_trending,
)
GROUPS = Section(
    "groups",
    "Your groups",
    "What your groups saved and upvoted this week, and their reading queues.",
    GROUP_ITEMS,
    _prepare_groups,
)
FOLLOWED = Section(
    "followed",
    "Followed authors",
    "New papers by the authors and organisations you follow.",
    FOLLOWED_ITEMS,
    _prepare_followed,
)
# Followed authors come after For you and the groups: a paper of theirs those already show
# keeps its place there (with "by <author>, whom you follow" among its reasons in For you).
SECTIONS: tuple[Section, ...] = (FOR_YOU, GROUPS, FOLLOWED, TOPICS, TRENDING)
_BY_KEY = {s.key: s for s in SECTIONS}


def section(key: str) -> Section | None:
    """The section a stored item names (None for items composed before sections)."""
    return _BY_KEY.get(key)


def readers_by_address(subscribers: Iterable[tuple[int, str, int | None]]) -> dict[int, int]:
    """subscriber id -> the account whose e-mail is the subscriber's address (or that
    subscribed while signed in), for ``(subscriber id, email, user id)`` rows.

    Only accounts that have ever had a signal count (``Reader.signals_changed_at``): one
    query over those readers, never one per subscriber."""
    rows = list(subscribers)
    if not rows:
        return {}
    by_email = readers_with_signals()
    if not by_email:
        return {}
    with_signals = set(by_email.values())
    found: dict[int, int] = {}
    for subscriber_id, email, user_id in rows:
        account = by_email.get(email.lower())
        if account is None and user_id in with_signals:
            account = user_id
        if account is not None:
            found[subscriber_id] = account
    return found


def people(subscriber_ids: Sequence[int], chunk: int = 20_000) -> list[Person]:
    """The composer's view of these subscribers, read in a few large queries."""
    topics_of: dict[int, list[str]] = {}
    rows: list[tuple[int, str, bool, int | None]] = []
    for start in range(0, len(subscriber_ids), chunk):
        ids = list(subscriber_ids[start : start + chunk])
        rows.extend(
            Subscriber.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "email", "include_trending", "user_id")
        )
        for subscriber_id, query in (
            Topic.objects.filter(subscriber_id__in=ids)
            .order_by("pk")
            .values_list("subscriber_id", "query")
        ):
            topics_of.setdefault(subscriber_id, []).append(query)
    accounts = readers_by_address((pk, email, user) for pk, email, _, user in rows)
    owners = subscriber_accounts((pk, email, user) for pk, email, _, user in rows)
    return [
        Person(pk, email, trending, tuple(topics_of.get(pk, ())), accounts.get(pk), owners.get(pk))
        for pk, email, trending, _ in rows
    ]


def subscriber_accounts(
    subscribers: Iterable[tuple[int, str, int | None]], chunk: int = 5_000
) -> dict[int, int]:
    """subscriber id -> their account, signals or not: the account that subscribed while
    signed in, else the active account whose e-mail is the subscriber's address (of two, the
    older, as ``library.account_for_address`` chooses). A few queries per ``chunk`` rows."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    rows = list(subscribers)
    found = {pk: user for pk, _, user in rows if user is not None}
    missing = [(pk, email.lower()) for pk, email, user in rows if user is None]
    for start in range(0, len(missing), chunk):
        part = missing[start : start + chunk]
        by_email: dict[str, int] = {}
        for pk, email in (
            get_user_model()
            .objects.annotate(address=Lower("email"))
            .filter(address__in=[e for _, e in part], is_active=True)
            .order_by("-pk")
            .values_list("pk", "address")
        ):
            by_email[email] = pk  # ordered newest first: the oldest is written last and wins
        for pk, email in part:
            if email in by_email:
                found[pk] = by_email[email]
    return found


__all__ = [
    "FOLLOWED",
    "FOR_YOU",
    "GROUPS",
    "SECTIONS",
    "TOPICS",
    "TRENDING",
    "Person",
    "Pick",
    "Run",
    "Section",
    "people",
    "readers_by_address",
    "section",
]
