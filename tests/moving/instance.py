"""A small instance with a row in every table a dump carries, built with the shared factories
and the apps' own functions where they exist; awkward values on purpose (microseconds, unicode,
JSON with nested and float values, raw bytes, a self-referencing comment thread)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group as StaffGroup
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from tests import factories

ODD = dt.datetime(2025, 3, 11, 23, 59, 58, 123457, tzinfo=dt.UTC)


def populate() -> dict[str, Any]:
    """Build the instance; returns what tests ask for by name."""
    from allauth.account.models import (  # type: ignore[import-untyped]
        EmailAddress,
        EmailConfirmation,
    )
    from allauth.socialaccount.models import (  # type: ignore[import-untyped]
        SocialAccount,
        SocialApp,
        SocialToken,
    )

    from paperwire import discussion, groups, library
    from paperwire.community import set_follow, sync_names
    from paperwire.community.votes import set_vote
    from paperwire.digests.models import Delivery, Digest, Notice, PeriodRun, Received
    from paperwire.discussion.models import Comment
    from paperwire.foryou.models import StoredModel, TermStatistics
    from paperwire.inbox import set_preference
    from paperwire.ingest.models import Checkpoint
    from paperwire.search import current_model_id
    from paperwire.search.models import Embedding

    # -- the catalogue: papers with versions, one submitted to a day's list, one hidden
    quantum = factories.paper(
        "2503.01234",
        "Quantum error correction with Ünïcode: ∑ over 𝔽₂ “quoted”",
        abstract="We correct quantum errors with surface codes; $\\mathbb{F}_2$ and émigrés.",
        authors=["Zoë Müller", "José Núñez", "李 华"],
        categories=["quant-ph", "cs.IT"],
        primary_category="quant-ph",
        versions=[
            {"version": 1, "created": "2025-03-01T10:00:00+00:00", "size": "1.5kb"},
            {"version": 2, "created": "2025-03-05T12:30:00.250000+00:00", "size": None},
        ],
        latest_version=2,
        updated=ODD,
        links=[{"kind": "code", "url": "https://github.com/example/qec", "stars": 1.5e-300}],
        daily_date=factories.DAY,
        submitted_by="zoe",
        submitted_at=ODD,
        organization="Example Lab",
        upvotes=7,
    )
    others = [factories.paper(title=f"Surface codes and transformers, part {i}") for i in range(5)]
    factories.paper(title="A withdrawn quantum paper", hidden=True)
    sync_names(full=True)

    # -- accounts, their addresses, tokens, votes, a staff group with permissions
    ada = factories.account("ada@example.org")
    bob = factories.account("bob@example.org", age=dt.timedelta(hours=2))
    moderator = factories.account("mod@example.org")
    moderator.is_staff = True
    moderator.save()
    factories.token_for(ada, "laptop")
    set_vote(ada, quantum, voted=True)
    set_vote(bob, others[0], voted=True)
    staff = StaffGroup.objects.create(name="moderators")
    change_comment = Permission.objects.get(codename="change_comment")
    staff.permissions.add(change_comment)
    moderator.groups.add(staff)
    moderator.user_permissions.add(Permission.objects.get(codename="view_paper"))
    address = EmailAddress.objects.create(user=ada, email=ada.email, verified=True, primary=True)
    EmailConfirmation.objects.create(email_address=address, key="k" * 64, sent=ODD)
    github = SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="s")
    orcid = SocialAccount.objects.create(
        user=ada, provider="orcid", uid="0000-0002-1825-0097",
        extra_data={"person": {"name": {"given-names": "Ada"}}, "score": 0.1},
    )  # fmt: skip
    SocialToken.objects.create(app=github, account=orcid, token="t0k3n", expires_at=ODD)
    session = SessionStore()
    session["_auth_user_id"] = str(ada.pk)
    session.create()

    # -- follows and claims
    set_follow(ada, "author", "Zoë Müller", following=True)
    factories.claim(bob, name="José Núñez")
    factories.claim(ada, paper=quantum, name="Zoë Müller", approved=False)

    # -- the library: collections, entries with notes and tags, marks, the reader's state
    reading = library.create_collection(ada, "Reading list", public=True)
    entry = library.save(ada, quantum, reading)
    library.annotate(entry, note="Read §3 twice — the proof is *subtle*.", tags=["qec", "ünï"])
    library.save(ada, others[1])
    library.mark(ada, others[2], "not_interested")
    library.mark(bob, others[3], "more")
    library.record_visit(ada)

    # -- the discussion: a thread, an edit (a revision), votes, a report; held and hidden ones
    first = factories.comment(quantum, ada, "First! $x^2$ **bold**", age=dt.timedelta(hours=3))
    reply = factories.comment(quantum, moderator, "A reply.", parent=first)
    discussion.edit(moderator, reply, "A reply, edited.")
    discussion.vote(moderator, first, True)
    discussion.report(moderator, first, note="spam?")
    factories.comment(others[0], bob, "Held for review.", state="held")
    LogEntry.objects.create(
        user=moderator, content_type=ContentType.objects.get_for_model(Comment),
        object_id=str(first.pk), object_repr="First!", action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["state"]}}]',
    )  # fmt: skip

    # -- the inbox
    factories.notification(ada, reply, "reply", mail=True)
    set_preference(bob, "saved", inbox=False, mail=True)

    # -- groups: members, an invitation, a shared collection, the reading queue
    lab = factories.group("Vision lab", owner=ada, members=(bob,))
    owner = factories.membership_of(ada, lab)
    shared = groups.create_collection(owner, "Papers to read")
    groups.add_paper(owner, shared, quantum)
    proposal, _ = groups.propose(owner, others[4])
    groups.vote(factories.membership_of(bob, lab), proposal)
    groups.Invitation.objects.create(group=lab, email="carol@example.org", invited_by=ada)

    # -- digests: subscribers, a sent digest and the papers each subscriber received
    alice = factories.subscriber("alice@example.org", "cat:quant-ph", "surface codes")
    factories.subscriber("weekly@example.org", frequency="weekly", trending=False)
    digest = Digest.objects.create(
        subscriber=alice, frequency="daily", period_start=factories.DAY,
        period_end=factories.DAY, status="sent", sent_at=ODD, message_id="<1@example.org>",
        items=[{"section": "topics", "papers": [quantum.arxiv_id], "why": "cat:quant-ph"}],
    )  # fmt: skip
    PeriodRun.objects.create(frequency="daily", period_start=factories.DAY, started_at=ODD,
                             finished_at=ODD + dt.timedelta(minutes=3))  # fmt: skip
    Received.objects.create(subscriber=alice, paper=quantum, digest=digest)
    Received.objects.create(subscriber=alice, paper=others[0], digest=digest)
    notice = Notice.objects.create(account=ada, email=ada.email, items=[reply.pk])
    Delivery.objects.create(digest=digest, email=alice.email, kind="digest", outcome="sent",
                            code=250, detail="2.0.0 OK")  # fmt: skip
    Delivery.objects.create(notice=notice, email=ada.email, kind="notice", outcome="deferred",
                            code=451, detail="4.7.1 try later")  # fmt: skip

    # -- stored vectors and models: computed at cost, carried as bytes
    rng = np.random.default_rng(7)
    for p in [quantum, *others]:
        vector = rng.standard_normal(384).astype("<f4")
        vector /= np.linalg.norm(vector)
        Embedding.objects.create(
            paper=p, model=current_model_id(), content_hash="0123456789abcdef",
            vector=vector.tobytes(), encoded_at=timezone.now(), checked_at=ODD,
        )  # fmt: skip
    StoredModel.objects.create(
        user=ada, blob=bytes(range(256)) * 3, trained_at=ODD, signals_at=ODD,
        positives=2, negatives=1,
    )  # fmt: skip
    TermStatistics.objects.create(fitted_at=ODD, papers=6, catalogue_size=7, blob=b"\x00\xff" * 100)
    try:  # a run of `paperwire embed` holding a paper (search/claims.py)
        claims = apps.get_model("search", "EmbeddingClaim")
        claims.objects.create(paper_id=others[0].pk, owner="node-1:4242", expires_at=ODD)
    except LookupError:
        pass
    Checkpoint.objects.create(key="jsonl:papers.jsonl.gz", label="papers.jsonl.gz",
                              cursor="1200", records_done=1200)  # fmt: skip
    return {"paper": quantum, "author": "Zoë Müller", "reader": ada}
