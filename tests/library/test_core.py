"""The library core: saving, removing, notes and tags, marks, collections, an address's
signals moving into an account, the reader's signals in one place, visits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.community.models import Vote
from paperwire.library import (
    DEFAULT_COLLECTION,
    Collection,
    Entry,
    LibraryError,
    Mark,
    Reader,
    annotate,
    claim_address,
    clean_tags,
    collection_named,
    create_collection,
    delete_collection,
    hidden_for,
    mark,
    mark_address,
    mark_from_address,
    reader_signals,
    record_visit,
    remove,
    rename_collection,
    save,
    signals_changed,
    unmark,
)
from tests.factories import account, paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1(db: None) -> Paper:
    return paper("2401.00001", "First")


@pytest.fixture
def p2(db: None) -> Paper:
    return paper("2401.00002", "Second")


def changed_at(user: User) -> dt.datetime | None:
    return Reader.objects.filter(user=user).values_list("signals_changed_at", flat=True).first()


def test_saving_goes_into_saved_made_on_first_use(alice: User, p1: Paper):
    entry = save(alice, p1)
    assert entry.collection.name == DEFAULT_COLLECTION
    assert entry.collection.is_default
    assert Collection.objects.filter(owner=alice).count() == 1


def test_saving_twice_is_one_entry_and_may_update_the_note_and_tags(alice: User, p1: Paper):
    save(alice, p1, note="first", tags=["a"])
    again = save(alice, p1, tags=["b", " B ", "c"])
    assert Entry.objects.filter(collection__owner=alice).count() == 1
    assert (again.note, again.tags) == ("first", ["b", "c"])


def test_saving_into_a_named_collection_makes_it(alice: User, p1: Paper):
    save(alice, p1, "Reading group")
    assert collection_named(alice, "reading-group").name == "Reading group"


def test_a_reader_cannot_save_into_anothers_collection(alice: User, bob: User, p1: Paper):
    theirs = create_collection(bob, "Bob's")
    with pytest.raises(LibraryError, match=r"^that collection is not yours$"):
        save(alice, p1, theirs)


def test_removing_from_one_collection_or_from_all(alice: User, p1: Paper):
    save(alice, p1)
    save(alice, p1, "Other")
    assert remove(alice, p1, "Other") is True
    assert list(Entry.objects.values_list("collection__name", flat=True)) == ["Saved"]
    save(alice, p1, "Other")
    assert remove(alice, p1) is True
    assert not Entry.objects.exists()
    assert remove(alice, p1) is False


def test_notes_and_tags_are_bounded(alice: User, p1: Paper):
    entry = save(alice, p1)
    with pytest.raises(LibraryError, match="at most 20,000 characters"):
        annotate(entry, note="x" * 20_001)
    with pytest.raises(LibraryError, match="at most 20 tags"):
        annotate(entry, tags=[f"t{n}" for n in range(21)])
    assert clean_tags(["  a   b ", "A B", "", "c" * 80]) == ["a b", "c" * 50]


def test_more_and_less_exclude_each_other_and_the_newer_stands(alice: User, p1: Paper):
    mark(alice, p1, "more")
    mark(alice, p1, "less")
    assert list(Mark.objects.values_list("kind", flat=True)) == ["less"]
    mark(alice, p1, "less")  # idempotent
    assert Mark.objects.count() == 1
    assert unmark(alice, p1, "less") is True
    assert unmark(alice, p1, "less") is False


def test_an_unknown_mark_is_refused_naming_the_allowed_ones(alice: User, p1: Paper):
    with pytest.raises(LibraryError, match=r"^unknown mark 'love': one of more, less, "):
        mark(alice, p1, "love")
    with pytest.raises(LibraryError, match="unknown mark 'save'"):
        mark(alice, p1, "save")  # only address-only subscribers "save" by mark


def test_signals_change_with_saves_marks_and_votes_but_not_with_read(
    alice: User, p1: Paper, p2: Paper
):
    mark(alice, p1, "read")
    assert changed_at(alice) is None
    save(alice, p1)
    first = changed_at(alice)
    assert first is not None
    Vote.objects.create(user=alice, paper=p2)
    assert changed_at(alice) is not None
    assert changed_at(alice) >= first  # type: ignore[operator]


def test_signals_changed_is_sent_once_the_change_commits(
    alice: User, p1: Paper, django_capture_on_commit_callbacks: object
):
    heard: list[User] = []

    def listener(sender: object, user: User, **kwargs: object) -> None:
        heard.append(user)

    signals_changed.connect(listener, dispatch_uid="test_core")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
            save(alice, p1)
            assert heard == []
        for callback in callbacks:
            callback()
    finally:
        signals_changed.disconnect(dispatch_uid="test_core")
    assert heard == [alice]


def test_reader_signals_say_what_the_ranking_may_learn_from(alice: User, bob: User):
    saved, upvoted, more, less, dismissed, read, both = (
        paper(f"2401.0001{n}", f"P{n}") for n in range(7)
    )
    save(alice, saved, "Graphs")
    save(alice, saved)
    Vote.objects.create(user=alice, paper=upvoted)
    mark(alice, more, "more")
    mark(alice, less, "less")
    mark(alice, dismissed, "not_interested")
    mark(alice, read, "read")
    save(alice, both)
    mark(alice, both, "not_interested")  # a dismissal is explicit: it wins over saving
    save(bob, less)  # another reader's signals are theirs
    signals = reader_signals(alice)
    assert signals.positives == {saved.pk: "saved", upvoted.pk: "upvoted", more.pk: "more"}
    assert signals.negatives == {
        less.pk: "less",
        dismissed.pk: "not_interested",
        both.pk: "not_interested",
    }
    assert signals.hidden == {saved.pk, dismissed.pk, read.pk, both.pk}
    assert sorted(signals.collections[saved.pk]) == ["Graphs", "Saved"]
    assert not signals.empty
    assert reader_signals(account("carol@example.org")).empty


def test_an_addresss_signals_move_into_the_account_that_claims_it(
    alice: User, p1: Paper, p2: Paper
):
    mark_address("Alice@Example.org ", p1, "save")
    mark_address("alice@example.org", p2, "less")
    mark_address("alice@example.org", p2, "less")  # the same click twice
    assert claim_address(alice, "ALICE@example.org") == 2
    assert list(Entry.objects.filter(collection__owner=alice).values_list("paper", flat=True)) == [
        p1.pk
    ]
    assert list(Mark.objects.filter(user=alice).values_list("paper", "kind")) == [(p2.pk, "less")]
    assert not Mark.objects.filter(user=None).exists()
    assert claim_address(alice, "alice@example.org") == 0


def test_a_claimed_mark_replaces_its_opposite_as_mark_does(alice: User, p1: Paper):
    mark(alice, p1, "more")
    mark_address("alice@example.org", p1, "less")
    claim_address(alice, "alice@example.org")
    assert list(Mark.objects.filter(user=alice).values_list("kind", flat=True)) == ["less"]


def test_a_digest_link_goes_to_the_account_with_the_address_or_waits_for_one(
    alice: User, p1: Paper, p2: Paper
):
    mark_from_address("ALICE@example.org", p1, "save")
    mark_from_address("ALICE@example.org", p2, "more")
    mark_from_address("nobody@example.org", p1, "less")
    assert Entry.objects.get(collection__owner=alice).paper == p1
    assert Mark.objects.get(user=alice).kind == "more"
    assert Mark.objects.get(user=None).email == "nobody@example.org"


def test_collections_are_created_renamed_and_deleted_but_saved_stays(alice: User, p1: Paper):
    graphs = create_collection(alice, "  Graph   papers ")
    assert (graphs.name, graphs.slug, graphs.public) == ("Graph papers", "graph-papers", False)
    with pytest.raises(LibraryError, match="exists already"):
        create_collection(alice, "graph papers")
    rename_collection(graphs, "Graphs")
    assert collection_named(alice, "graphs") == graphs
    save(alice, p1, graphs)
    delete_collection(graphs)
    assert not Entry.objects.exists()
    saved = collection_named(alice, None)
    with pytest.raises(LibraryError, match="keeps its name"):
        rename_collection(saved, "Other")
    with pytest.raises(LibraryError, match="cannot be deleted"):
        delete_collection(saved)
    with pytest.raises(LibraryError, match=r"^there is no collection named 'Nope'$"):
        collection_named(alice, "Nope")


def test_names_that_are_pages_of_the_site_are_refused(alice: User):
    with pytest.raises(LibraryError, match="taken by a page of the site"):
        create_collection(alice, "Import")


def test_a_visit_remembers_the_one_before_and_reloads_are_one_visit(alice: User):
    assert record_visit(alice) is None
    assert record_visit(alice) is None  # a reload: still the first visit
    reader = Reader.objects.get(user=alice)
    earlier = timezone.now() - dt.timedelta(hours=5)
    Reader.objects.filter(user=alice).update(last_visit_at=earlier)
    assert record_visit(alice) == earlier
    assert record_visit(alice) == earlier
    assert reader.pk == alice.pk


def test_an_account_with_votes_and_a_library_can_be_deleted(alice: User, p1: Paper):
    save(alice, p1)
    mark(alice, p1, "more")
    Vote.objects.create(user=alice, paper=p1)
    with transaction.atomic():  # a failure rolls back to here, not into the test's teardown
        alice.delete()
        connection.check_constraints()
    assert not Reader.objects.exists()
    assert not Mark.objects.exists()


def test_hidden_for_many_readers_is_each_readers_own_hidden_set():
    one, two = account("hide-one@example.org"), account("hide-two@example.org")
    saved, read, dismissed, untouched = (paper() for _ in range(4))
    save(one, saved)
    mark(one, read, "read")
    mark(two, dismissed, "not_interested")
    mark(two, untouched, "more")  # a positive hides nothing
    ids = [p.pk for p in (saved, read, dismissed, untouched)]
    hidden = hidden_for([one.pk, two.pk], ids)
    assert hidden == {one.pk: frozenset({saved.pk, read.pk}), two.pk: frozenset({dismissed.pk})}
    assert hidden[one.pk] == reader_signals(one).hidden & set(ids)
