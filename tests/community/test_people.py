"""Authors and organisations: a name matches whole and normalised (case and accents folded),
never as a substring; the names' index follows the catalogue (a saved paper at once, an
import's papers when it announces them); following is one row per reader and name."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalogue.keys import paper_keys
from paperwire.catalogue.models import Paper
from paperwire.catalogue.signals import papers_changed
from paperwire.community import (
    FollowError,
    followed,
    followers_of_papers,
    is_following,
    name_papers,
    profile,
    set_follow,
    sync_names,
)
from paperwire.community.models import Follow, NameKey
from tests.factories import DAY, account, paper

pytestmark = pytest.mark.django_db


def titles(kind: str, name: str) -> list[str]:
    return [p.title for p in name_papers(kind, name)]


def test_yang_li_is_not_yang_liu_nor_li_yang() -> None:
    paper(title="Li", authors=["Yang Li"])
    paper(title="Liu", authors=["Yang Liu"])
    paper(title="Reversed", authors=["Li Yang"])
    paper(title="Longer", authors=["Yang Li Jr"])
    assert titles("author", "Yang Li") == ["Li"]
    assert titles("author", "Yang Liu") == ["Liu"]
    assert titles("author", "Yang") == []


def test_case_accents_and_punctuation_are_folded() -> None:
    paper(title="Umlaut", authors=["Ana Müller"])
    paper(title="Hyphen", authors=["José García-Núñez"])
    paper(title="Stroke", authors=["Łukasz Søren"])
    assert titles("author", "ANA MULLER") == ["Umlaut"]
    assert titles("author", "jose garcia nunez") == ["Hyphen"]
    assert titles("author", "lukasz soren") == ["Stroke"]


def test_organisations_match_whole_too() -> None:
    paper(title="HF", organization="Hugging Face")
    paper(title="Not HF", organization="Hugging Face Research")
    assert titles("org", "hugging  face") == ["HF"]


def test_newest_first_hidden_papers_left_out() -> None:
    paper(title="Older", authors=["Ada"], day=DAY - dt.timedelta(days=2))
    paper(title="Newer", authors=["Ada"])
    paper(title="Hidden", authors=["Ada"], hidden=True)
    assert titles("author", "ada") == ["Newer", "Older"]
    assert profile("author", "ada").count == 2


def test_a_profile_counts_categories_and_coauthors_by_key_shown_as_spelled_most() -> None:
    paper(authors=["Yang Li", "Bo Chen"], categories=["cs.CL", "cs.LG"])
    paper(authors=["yang li", "BO CHEN", "Cai Wu"], categories=["cs.CL"])
    paper(authors=["Yang Li", "Bo Chen"], categories=["cs.CV"])
    about = profile("author", "YANG LI")
    assert about.name == "Yang Li"
    assert about.count == 3
    assert about.categories[0] == ("cs.CL", 2)
    assert about.coauthors == [("Bo Chen", 3), ("Cai Wu", 1)]


def test_an_import_that_bypasses_save_is_indexed_when_it_announces_its_papers() -> None:
    # As ingest writes: no save(), no post_save; the terms computed by the writer.
    Paper.objects.bulk_create(
        [
            Paper(
                arxiv_id="2503.00001",
                title="Bulk",
                authors=["Yang Li"],
                categories=["cs.CL"],
                match_keys=paper_keys(["Yang Li"], ["cs.CL"]),
                announced_on=DAY,
                organization="Hugging Face",
            )
        ]
    )
    assert titles("author", "Yang Li") == []
    replies = papers_changed.send(sender=object, changed=1)
    assert "author and organisation pages: 1 papers (re)indexed" in [r for _, r in replies]
    assert titles("author", "Yang Li") == ["Bulk"]
    assert titles("org", "Hugging Face") == ["Bulk"]
    # The next sync reads only what changed since (and a short overlap), not every paper.
    assert sync_names() == 1


def test_a_changed_author_list_moves_the_paper_between_names() -> None:
    moved = paper(authors=["Yang Li"])
    moved.authors = ["Yang Liu"]
    moved.save()
    assert titles("author", "Yang Li") == []
    assert titles("author", "Yang Liu") == [moved.title]
    assert NameKey.objects.filter(paper=moved).count() == 1


def test_a_full_reindex_rebuilds_the_index() -> None:
    paper(authors=["Yang Li"])
    NameKey.objects.all().delete()
    assert sync_names(full=True) == 1
    assert titles("author", "yang li") == ["Paper number 1"]


def test_follow_is_one_row_per_reader_and_name_and_idempotent() -> None:
    reader = account()
    for spelling in ("Yang Li", "yang  LI", "Yáng Li"):
        set_follow(reader, "author", spelling, following=True)
    assert Follow.objects.filter(user=reader).count() == 1
    assert is_following(reader, "author", "YANG LI")
    assert not is_following(reader, "author", "Yang Liu")
    set_follow(reader, "author", "yang li", following=False)
    set_follow(reader, "author", "yang li", following=False)
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("person", "Yang Li", "follow an author or an org, not 'person'"),
        ("author", "  ", "give the name to follow"),
    ],
)
def test_a_bad_follow_is_one_line(kind: str, name: str, message: str) -> None:
    with pytest.raises(FollowError, match=f"^{message}$"):
        set_follow(account(), kind, name, following=True)


def test_followed_papers_and_their_followers() -> None:
    reader, other = account(), account("other@example.org")
    by_yang = paper(title="Yang", authors=["Yang Li"])
    from_hf = paper(title="HF", organization="Hugging Face", day=DAY - dt.timedelta(days=1))
    paper(title="Liu", authors=["Yang Liu"])
    set_follow(reader, "author", "Yang Li", following=True)
    set_follow(reader, "org", "Hugging Face", following=True)
    set_follow(other, "author", "Yang Liu", following=True)
    assert [p.title for p in followed(reader)] == ["Yang", "HF"]
    assert followers_of_papers([by_yang.pk, from_hf.pk]) == {
        reader.pk: {by_yang.pk: [("author", "Yang Li")], from_hf.pk: [("org", "Hugging Face")]}
    }
    assert followers_of_papers([by_yang.pk], [other.pk]) == {}
