"""The suite's one set of builders: papers, accounts, API tokens and digest subscribers.

Each builds a valid row with only what a test names; everything else takes a plain default.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.community.models import ApiToken
from paperwire.digests.models import Subscriber, Topic
from tests.conftest import Cli, shared

DAY = dt.date(2025, 3, 12)  # a Wednesday: the day a paper is on unless a test says otherwise
PUBLISHED = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)

_serial = itertools.count(1)


def restart_numbering() -> None:
    """Number the next made-up paper 1 again (tests/conftest.py does this before each test)."""
    global _serial
    _serial = itertools.count(1)


def paper(
    arxiv_id: str | None = None,
    title: str | None = None,
    *,
    day: dt.date = DAY,
    **fields: Any,
) -> Paper:
    """A paper announced on ``day``; ``fields`` set any other column (``announced_on`` too).

    Without an id it takes the next free one of 2501.00001, 2501.00002, ... and without a
    title "Paper number N" after it.
    """
    n = next(_serial)
    if arxiv_id is None:
        while Paper.objects.filter(arxiv_id=f"2501.{n:05d}").exists():
            n = next(_serial)
        arxiv_id = f"2501.{n:05d}"
    if title is None:
        title = f"Paper number {n}"
    values: dict[str, Any] = {
        "abstract": f"About {title.lower()}.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "stat.ML"],
        "primary_category": "cs.LG",
        "published": PUBLISHED,
        "announced_on": day,
    }
    values.update(fields)
    return Paper.objects.create(arxiv_id=arxiv_id, title=title, **values)


def account(
    email: str = "reader@example.org",
    *,
    username: str | None = None,
    age: dt.timedelta = dt.timedelta(days=30),
) -> User:
    """A signed-up reader, ``age`` old (new accounts' votes count less); username: the email."""
    user = User.objects.create_user(username=username or email, email=email, password=None)
    user.date_joined = timezone.now() - age
    user.save(update_fields=["date_joined"])
    return user


def token_for(user: User, name: str = "test") -> str:
    """A new API token of ``user``'s, as the raw string a client sends."""
    return ApiToken.issue(user, name)[1]


def subscriber(
    email: str, *topics: str, frequency: str = "daily", trending: bool = True
) -> Subscriber:
    """A confirmed digest subscriber following ``topics``."""
    person = Subscriber.objects.create(
        email=email, frequency=frequency, include_trending=trending, confirmed_at=timezone.now()
    )
    Topic.objects.bulk_create([Topic(subscriber=person, query=q) for q in topics])
    return person


def real_day_with_subscribers(cli: Cli, tmp_path: Path, csv_rows: str) -> str:
    """A real Hugging Face day imported by the CLI, and subscribers imported from CSV rows."""
    day = "2026-08-21"
    folder = tmp_path / "daily"
    folder.mkdir()
    source = shared(f"hf-daily-papers/daily/{day}.json.gz")
    (folder / source.name).write_bytes(source.read_bytes())
    assert cli("import", "hf-daily", str(folder), "--no-progress").returncode == 0
    people = tmp_path / "list.csv"
    people.write_text("email,frequency,topics\n" + csv_rows)
    assert cli("subscribers", "import", str(people)).returncode == 0
    return day


def claim(user: User, *, name: str = "", paper: Paper | None = None, approved: bool = True) -> Any:
    """An authorship claim of ``user``'s on an author name or a paper, approved unless asked."""
    from paperwire.community import approve, claim_author, claim_paper

    made = claim_paper(user, paper, name) if paper is not None else claim_author(user, name)
    if approved:
        approve([made.claim.pk])
        made.claim.refresh_from_db()
    return made.claim


def comment(
    on: Paper,
    author: User,
    body: str = "A comment.",
    *,
    parent: Any = None,
    state: str = "visible",
    age: dt.timedelta = dt.timedelta(0),
) -> Any:
    """A comment (discussion.Comment) by ``author`` on ``on``, a reply under ``parent`` if
    given, in ``state``, written ``age`` ago; a visible one counts as published then."""
    from paperwire.discussion.models import MAX_DEPTH, Comment

    depth = min(parent.depth + 1, MAX_DEPTH) if parent is not None else 1
    made = Comment.objects.create(
        paper=on, author=author, parent=parent, depth=depth, body=body, state=state
    )
    when = timezone.now() - age
    Comment.objects.filter(pk=made.pk).update(
        created_at=when, published_at=when if state == "visible" else None
    )
    made.refresh_from_db()
    return made


# --- groups (lab mode) -----------------------------------------------------------------------

from paperwire.groups import Group, Membership  # noqa: E402


def group(
    name: str = "Vision lab", *, owner: User | None = None, members: tuple[User, ...] = ()
) -> Group:
    """A group made by ``owner`` (a new account when not given), with ``members`` joined."""
    from paperwire.groups import add_member, create_group

    made = create_group(owner or account(f"owner-{next(_serial)}@example.org"), name)
    for reader in members:
        add_member(made, reader)
    return made


def membership_of(user: User, made_group: Group) -> Membership:
    """``user``'s membership of ``made_group`` (the groups' functions take memberships)."""
    from paperwire.groups import membership

    return membership(user, made_group.slug)


# --- inbox (notifications) ---------------------------------------------------------------------


def notification(
    recipient: User,
    about: Any,
    kind: str = "saved",
    *,
    read: bool = False,
    mail: bool = False,
    inbox: bool = True,
) -> Any:
    """An inbox.Notification of ``about`` (a discussion.Comment) for ``recipient``, as the
    receiver makes it; ``mail``: still waiting to be mailed."""
    from paperwire.inbox import Notification

    return Notification.objects.create(
        recipient=recipient, kind=kind, comment=about, paper_id=about.paper_id,
        read_at=timezone.now() if read else None, in_inbox=inbox, mail_pending=mail,
    )  # fmt: skip
