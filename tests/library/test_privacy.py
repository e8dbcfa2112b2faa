"""A reader's data is theirs: exported whole, deleted whole, and never shown to anyone else.

The last test is the site-wide check: reader A has a private collection with a distinctive
name, note and tag, a public collection (whose notes stay private), marks, votes, an API
token and a trained ranking. Then reader B and an anonymous visitor fetch every address the
URLconf has — walked from ``get_resolver()``, so an address added later is covered without
editing this file — with A's slugs, ids and tokens filled in, with and without list filters
and period parameters, as a page and as an htmx fragment, after A has fetched them all (so any
cached copy would exist). None of A's private strings may appear, and B's For you is not A's.
Runs on SQLite and PostgreSQL (``make test-postgres``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from paperwire import foryou
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import day, month_of, week_of
from paperwire.community.models import ApiToken, Vote
from paperwire.community.votes import set_vote
from paperwire.library import (
    Collection,
    Entry,
    Mark,
    Reader,
    create_collection,
    delete_reader_data,
    export_reader,
    mark,
    mark_address,
    public_token,
    save,
    set_public,
)
from tests.factories import DAY, account, paper, token_for

pytestmark = pytest.mark.django_db

NOTE = "Zanzibar quokka note 8841"
TAG = "quokkatag5521"
PRIVATE_NAME = "Quokka Vault Zq7"
PUBLIC_NAME = "Open Shelf Wm3"
PUBLIC_NOTE = "Public shelf but private note 4410"
PUBLIC_TAG = "shelftag9937"
A_EMAIL = "alice.privacy@example.org"

TOPICS = {
    "cs.CL": "language model translation of text",
    "cs.CV": "image segmentation of pixels",
    "cs.RO": "robot grasping with arms",
}


# ---------------------------------------------------------------- export and delete


def test_export_holds_the_readers_library_marks_votes_state_and_tokens():
    alice, bob = account(A_EMAIL), account("bob@example.org")
    kept, skipped, liked = paper(title="Kept"), paper(), paper()
    save(alice, kept, PRIVATE_NAME, note=NOTE, tags=[TAG])
    mark(alice, skipped, "not_interested")
    mark_address(A_EMAIL, liked, "more")  # from a digest link, still under the address
    set_vote(alice, liked, voted=True)
    token_for(alice, "laptop")
    save(bob, kept, "Bob's", note="bob's own note")
    data = export_reader(alice)
    (vault,) = [c for c in data["collections"] if c["name"] == PRIVATE_NAME]
    assert vault["entries"] == [
        {
            "arxiv_id": kept.arxiv_id,
            "title": "Kept",
            "note": NOTE,
            "tags": [TAG],
            "added_at": vault["entries"][0]["added_at"],
        }
    ]
    assert {(m["arxiv_id"], m["kind"]) for m in data["marks"]} == {
        (skipped.arxiv_id, "not_interested"),
        (liked.arxiv_id, "more"),
    }
    assert [v["arxiv_id"] for v in data["votes"]] == [liked.arxiv_id]
    assert [(t["name"], t["prefix"][:3]) for t in data["api_tokens"]] == [("laptop", "pw_")]
    assert data["account"]["email"] == A_EMAIL
    assert "bob's own note" not in repr(data)


def test_delete_removes_everything_of_the_reader_and_nothing_of_others():
    alice, bob = account(A_EMAIL), account("bob@example.org")
    shared = paper()
    for reader in (alice, bob):
        save(reader, shared, "Reading", note="n", tags=["t"])
        mark(reader, paper(), "less")
        set_vote(reader, shared, voted=True)
        token_for(reader)
    mark_address(A_EMAIL, paper(), "save")
    Reader.objects.filter(user=alice).update(filters={"cat": "cs.CL"}, onboarded=True)
    counts = delete_reader_data(alice)
    # The marks: "less like this" and the address's unclaimed "save".
    assert counts == {"collections": 1, "entries": 1, "marks": 2, "votes": 1, "api_tokens": 1}
    for model, field in ((Collection, "owner"), (Mark, "user"), (Vote, "user"), (ApiToken, "user")):
        assert not model.objects.filter(**{field: alice}).exists(), model
        assert model.objects.filter(**{field: bob}).exists(), model
    assert not Mark.objects.filter(email=A_EMAIL).exists()
    assert not Entry.objects.filter(collection__owner=alice).exists()
    shared.refresh_from_db()
    assert shared.votes == 1  # bob's vote stands, alice's came off the public count
    state = Reader.objects.get(user=alice)
    assert (state.filters, state.onboarded) == ({}, False)
    assert User.objects.filter(pk=alice.pk).exists()


# ---------------------------------------------------------------- the site-wide walk


def _catalogue() -> dict[str, list[Paper]]:
    made: dict[str, list[Paper]] = {}
    for category, words in TOPICS.items():
        for n in range(6):
            for when in (DAY, DAY - dt.timedelta(days=7)):
                made.setdefault(category, []).append(
                    paper(
                        title=f"{words.title()} {n} {when:%d}",
                        abstract=f"We study {words}, part {n}.",
                        categories=[category],
                        primary_category=category,
                        day=when,
                        daily_date=when if n % 2 else None,
                    )
                )
    return made


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """(the pattern's text as a regex or route, its name) for every endpoint of the URLconf."""
    for entry in patterns:
        text = prefix + _text(entry)
        if isinstance(entry, URLResolver):
            if text.lstrip("^").startswith("admin/"):
                # The admin is staff only behind its own login; A and B are not staff, and the
                # admin's pages show no reader data to non-staff.
                continue
            yield from _routes(entry.url_patterns, text)
        else:
            yield text, str(entry.name)


def _text(entry: URLPattern | URLResolver) -> str:
    pattern = entry.pattern
    regex = getattr(pattern, "_regex", None)
    if regex is not None and not hasattr(pattern, "_route"):
        return "^" + str(regex).removeprefix("^").removesuffix("$").removesuffix(r"\Z") + "$"
    return str(pattern)


_ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _params(text: str) -> tuple[str, list[str]]:
    """The pattern with each parameter as ``{name}``, and the names; a regex's groups are
    found by matching their parentheses (a group may hold classes and groups of its own)."""
    names: list[str] = []
    out = []
    i = 0
    while i < len(text):
        if text.startswith("(?P<", i):
            end_name = text.index(">", i)
            name = text[i + 4 : end_name]
            depth, j, in_class = 0, i, False
            while j < len(text):
                ch = text[j]
                if ch == "\\":
                    j += 2
                    continue
                if in_class:
                    in_class = ch != "]"
                elif ch == "[":
                    in_class = True
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            names.append(name)
            out.append("{" + name + "}")
            i = j + 1
            continue
        out.append(text[i])
        i += 1
    result = "".join(out)

    def route_param(match: re.Match[str]) -> str:
        names.append(match.group(2))
        return "{" + match.group(2) + "}"

    return _ROUTE_PARAM.sub(route_param, result), names


def _addresses(values: dict[str, list[str]]) -> Iterator[str]:
    for text, _name in _routes(get_resolver().url_patterns):
        template, names = _params(text)
        if "^" in template:  # a regex, maybe under a route's prefix (api/^$)
            template = template.replace("^", "").removesuffix("$")
            template = template.replace(r"\.", ".").replace(r"\-", "-")
            if re.search(r"[\\()\[\]*+?|^$]", template):
                continue  # a regex with parts a value cannot stand for: nothing to fill
        choices = [values.get(name, values["*"]) for name in names]
        for filled in itertools.islice(itertools.product(*choices), 24):
            address = template
            for name, value in zip(names, filled, strict=True):
                address = address.replace("{" + name + "}", value, 1)
            yield "/" + address.lstrip("/")


def _body(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + content.decode("utf-8", "replace")


def _fetch_all(client: Client, addresses: list[str], **headers: Any) -> dict[str, tuple[int, str]]:
    """Each address as a page and as an htmx fragment (cached apart): (status, text)."""
    seen = {}
    for address in addresses:
        extras: tuple[dict[str, Any], ...] = ({}, {"HTTP_HX_REQUEST": "true"})
        for extra in extras:
            response = client.get(address, **headers, **extra)
            seen[f"{address}{' (htmx)' if extra else ''}"] = (
                response.status_code,
                _body(response),
            )
    return seen


@override_settings(PAGE_CACHE_SECONDS=300)
def test_no_private_data_of_a_reader_reaches_anyone_else():
    made = _catalogue()
    alice, bob = account(A_EMAIL), account("bob@example.org")

    vault = create_collection(alice, PRIVATE_NAME)
    for item in made["cs.CL"][1::2]:
        save(alice, item, vault, note=NOTE, tags=[TAG])
    shelf = create_collection(alice, PUBLIC_NAME)
    save(alice, made["cs.CL"][3], shelf, note=PUBLIC_NOTE, tags=[PUBLIC_TAG])
    set_public(shelf, True)
    mark(alice, made["cs.CV"][0], "not_interested")
    mark(alice, made["cs.CL"][0], "more")
    set_vote(alice, made["cs.CL"][2], voted=True)
    alice_token = token_for(alice, "alice's script")
    foryou.retrain(alice)
    for item in made["cs.RO"][1::2]:
        save(bob, item)
    foryou.retrain(bob)
    bob_token = token_for(bob)

    # A's recommendations' reasons name A's library: distinctive only if B's do not say the same.
    today = Paper.objects.filter(announced_on=DAY)
    alice_why = {s for r in foryou.recommend(alice, today, 50) for s in r.why}
    bob_why = {s for r in foryou.recommend(bob, today, 50) for s in r.why}
    secrets = {NOTE, TAG, PRIVATE_NAME, PUBLIC_NOTE, PUBLIC_TAG, A_EMAIL, alice_token}
    secrets |= {s for s in alice_why - bob_why if len(s) >= 20}

    slugs = [vault.slug, shelf.slug, "saved"]
    ids = [p.arxiv_id for p in (made["cs.CL"][1], made["cs.CV"][0], made["cs.CL"][2])]
    ints = [
        str(pk)
        for pk in Entry.objects.filter(collection__owner=alice).values_list("pk", flat=True)[:2]
    ]
    ints += [str(vault.pk), str(ApiToken.objects.get(user=alice).pk), str(alice.pk)]
    # The public address of A's private collection: it must answer nothing. (A private
    # collection's feed token is a capability A hands out on purpose; it is not guessed here.)
    tokens = [public_token(vault), public_token(shelf)]
    periods = [day(DAY).slug, week_of(DAY).slug, month_of(DAY).slug]
    values = {
        "slug": slugs,
        "arxiv_id": ids,
        "pk": ints,
        "id": ints,
        "token": tokens,
        "token_id": ints,
        "paper": [str(p.pk) for p in (made["cs.CL"][1], made["cs.CV"][0])],
        "text": periods,
        "fmt": ["bibtex", "ris", "csv", "json"],
        "*": [*slugs, *ids, *ints, *tokens, *periods],
    }
    addresses = sorted(set(_addresses(values)))
    queries = [
        "",
        "?cat=cs.CL",
        "?hide=read,not_interested",
        "?cat=cs&exclude=robot&listing=submitted",
        f"?date={day(DAY).slug}",
        f"?week={week_of(DAY).slug}",
        f"?month={month_of(DAY).slug}",
        "?limit=50",
    ]
    assert any(a.startswith("/api/") for a in addresses)
    assert f"/library/{vault.slug}" in addresses
    assert "/for-you" in addresses

    as_alice = Client(raise_request_exception=False)
    as_alice.force_login(alice)
    alice_auth = {"HTTP_AUTHORIZATION": f"Bearer {alice_token}"}
    first = _fetch_all(as_alice, addresses, **alice_auth)
    # Every address that answers a GET, again with list filters and period parameters (those
    # that take none ignore them, so only the ones that answer are worth the time).
    answering = {a for a in addresses if first[a][0] == 200 and "?" not in a}
    with_queries = sorted({a + q for a in answering for q in queries if q})
    seen_by_alice = {**first, **_fetch_all(as_alice, with_queries, **alice_auth)}
    walk = [*addresses, *with_queries]
    everything = "\n".join(text for _, text in seen_by_alice.values())
    for text in (NOTE, TAG, PRIVATE_NAME):  # the strings are real: A's own pages show them
        assert text in everything, text

    as_bob = Client(raise_request_exception=False)
    as_bob.force_login(bob)
    anonymous = Client(raise_request_exception=False)
    for who, client, headers in (
        ("bob", as_bob, {"HTTP_AUTHORIZATION": f"Bearer {bob_token}"}),
        ("anonymous", anonymous, {}),
    ):
        for where, (_, body) in _fetch_all(client, walk, **headers).items():
            leaked = [s for s in secrets if s in body]
            assert not leaked, f"{who} saw {leaked} at {where}"

    def ranking(client: Client) -> list[str]:
        return re.findall(r'id="fy-(\d+)"', client.get("/for-you").content.decode())

    assert ranking(as_alice)
    assert ranking(as_bob) != ranking(as_alice)
