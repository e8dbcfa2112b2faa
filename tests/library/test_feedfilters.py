"""FeedFilters: what each list filter means, read from parameters and applied to papers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import day
from paperwire.community import trending as trend
from paperwire.library import FeedFilters, FilterError, canonical_query, mark, pinned
from paperwire.library.feedfilters import MAX_ENTRIES, MAX_VALUES
from tests.factories import DAY, account, paper

pytestmark = pytest.mark.django_db


def ids(papers) -> list[str]:
    return [p.arxiv_id for p in papers]


def both_ways(filters: FeedFilters, user=None) -> list[str]:
    """The filters applied to the day's list as a query and as a list: always the same."""
    as_query = ids(filters.apply(trend.day_list(day(DAY)), user))
    as_list = ids(filters.apply(list(trend.day_list(day(DAY))), user))
    assert as_query == as_list
    return as_query


# -- parameters ------------------------------------------------------------------------


def test_it_reads_repeated_and_comma_separated_values_alike():
    repeated = FeedFilters.from_params(QueryDict("cat=cs.lg&cat=math&exclude=Survey&hide=read"))
    joined = FeedFilters.from_params({"cat": "math, cs.LG", "exclude": "survey", "hide": ["read"]})
    assert repeated == joined
    assert repeated.categories == ("cs.LG", "math")
    assert repeated.exclude == ("survey",)
    assert repeated.hide_read
    assert not repeated.hide_not_interested


def test_to_params_is_canonical_and_round_trips():
    filters = FeedFilters.from_params(
        QueryDict(
            "cat=physics.Atom-PH,q-bio.nc&exclude=Large  Language Model,,survey"
            "&hide=read,not_interested&listing=submitted"
        )
    )
    assert filters.to_params() == {
        "cat": "physics.atom-ph,q-bio.NC",
        "exclude": "large language model,survey",
        "hide": "not_interested,read",
        "listing": "submitted",
    }
    assert FeedFilters.from_params(filters.to_params()) == filters


def test_empty_filters_have_no_parameters():
    assert FeedFilters().is_empty
    assert FeedFilters.from_params(QueryDict("cat=&exclude=&listing=all")).is_empty
    assert FeedFilters().to_params() == {}


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("cat=cs LG", "cat: 'cs LG' is not an arXiv archive or category"),
        ("cat=<script>", "cat: '<script>' is not an arXiv archive or category"),
        ("cat=" + ",".join(["cs"] * (MAX_ENTRIES + 1)), f"at most {MAX_ENTRIES} categories"),
        ("&".join(["cat=cs"] * (MAX_VALUES + 1)), f"at most {MAX_VALUES} times"),
        ("hide=everything", "hide: write read or not_interested, not 'everything'"),
        ("listing=some", "listing: write all or submitted, not 'some'"),
        ("exclude=" + "x" * 61, "exclude: at most"),
    ],
)
def test_unreadable_parameters_are_one_line_errors_naming_the_parameter(query, says):
    with pytest.raises(FilterError) as caught:
        FeedFilters.from_params(QueryDict(query))
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_canonical_query_spells_equal_filters_one_way():
    one = canonical_query(QueryDict("cat=math&cat=cs.lg&hide=read"))
    other = canonical_query(QueryDict("hide=read&cat=cs.LG,math"))
    assert one == other == [("cat", "cs.LG,math"), ("hide", "read")]
    # Given but empty: "no filters", which is not the same as "nothing said" (pinned).
    assert canonical_query(QueryDict("cat=")) == [("listing", "all")]
    assert canonical_query(QueryDict("page=2")) == []
    # Unreadable: kept, joined, for the view to refuse.
    assert canonical_query(QueryDict("cat=a b&cat=cs")) == [("cat", "a b,cs")]


# -- categories: search's one rule ------------------------------------------------------


def test_an_archive_means_all_its_categories_and_a_category_only_itself():
    paper("2501.00001", categories=["cs.LG"])
    paper("2501.00002", categories=["cs.CV", "eess.IV"])
    paper("2501.00003", categories=["math.ST", "cs.LG"])
    paper("2501.00004", categories=["stat.ML"])
    paper("2501.00005", categories=["cs.LGX"])  # a prefix of a name is not the category
    assert sorted(both_ways(FeedFilters(categories=("cs",)))) == [
        "2501.00001", "2501.00002", "2501.00003", "2501.00005",
    ]  # fmt: skip
    assert sorted(both_ways(FeedFilters(categories=("cs.LG",)))) == ["2501.00001", "2501.00003"]
    assert sorted(both_ways(FeedFilters(categories=("eess", "stat.ML")))) == [
        "2501.00002", "2501.00004",
    ]  # fmt: skip


# -- excluded words ---------------------------------------------------------------------


def test_an_excluded_word_hides_its_other_endings_as_search_stems_them():
    paper("2501.00001", "Transformers for tables")
    paper("2501.00002", "Transformation groups")  # another word, not an ending
    paper("2501.00003", "Graphs", abstract="A transformer-based model.")
    paper("2501.00004", "Retransformer")  # not a whole word
    kept = both_ways(FeedFilters(exclude=("transformer",)))
    assert sorted(kept) == ["2501.00002", "2501.00004"]


def test_an_excluded_phrase_hides_only_those_words_in_a_row():
    paper("2501.00001", "Large language models reason")
    paper("2501.00002", "A large model of language")
    kept = both_ways(FeedFilters.from_params({"exclude": "large language model"}))
    assert kept == ["2501.00002"]


def test_excluded_words_fold_case_beyond_ascii():
    paper("2501.00001", "ÜBERSICHT der Methoden")
    paper("2501.00002", "Methods")
    assert both_ways(FeedFilters.from_params({"exclude": "übersicht"})) == ["2501.00002"]


# -- the reader's own marks ------------------------------------------------------------


def test_hiding_read_and_not_interested_is_the_readers_own():
    alice, bob = account("alice@example.org"), account("bob@example.org")
    read, dull, other = paper(), paper(), paper()
    mark(alice, read, "read")
    mark(alice, dull, "not_interested")
    mark(bob, other, "read")
    everything = sorted([read.arxiv_id, dull.arxiv_id, other.arxiv_id])
    hide_both = FeedFilters(hide_read=True, hide_not_interested=True)
    assert both_ways(hide_both, alice) == [other.arxiv_id]
    assert sorted(both_ways(FeedFilters(hide_read=True), alice)) == sorted(
        [dull.arxiv_id, other.arxiv_id]
    )
    assert sorted(both_ways(hide_both, bob)) == sorted([read.arxiv_id, dull.arxiv_id])
    # Nobody signed in, or nobody at all (a feed, a cached page): nothing is hidden.
    assert sorted(both_ways(hide_both, AnonymousUser())) == everything
    assert sorted(both_ways(hide_both, None)) == everything


# -- submitted only ---------------------------------------------------------------------


def test_submitted_only_keeps_the_papers_on_the_daily_list():
    submitted = paper(daily_date=DAY, submitted_by="someone")
    paper()  # only in arXiv's listing
    assert both_ways(FeedFilters(submitted_only=True)) == [submitted.arxiv_id]
    assert len(both_ways(FeedFilters())) == 2


def test_filters_keep_the_lists_order():
    for n, votes in enumerate([3, 9, 1, 7], start=1):
        paper(f"2501.0000{n}", upvotes=votes, categories=["cs.LG"])
    paper("2501.00009", upvotes=100, categories=["math.ST"])
    assert both_ways(FeedFilters(categories=("cs",))) == [
        "2501.00002", "2501.00004", "2501.00001", "2501.00003",
    ]  # fmt: skip


# -- a request's filters, pinned defaults -----------------------------------------------


def _request(query: str, user=None):
    request = RequestFactory().get("/", QueryDict(query))
    request.user = user or AnonymousUser()
    return request


def test_pinned_defaults_apply_when_the_request_names_no_filters():
    alice = account("alice@example.org")
    FeedFilters(categories=("cs.LG",), hide_read=True).pin(alice)
    assert pinned(alice) == FeedFilters(categories=("cs.LG",), hide_read=True)
    assert FeedFilters.for_request(_request("page=2", alice)).categories == ("cs.LG",)
    # The request's own filters win, even "none at all".
    assert FeedFilters.for_request(_request("cat=math", alice)).categories == ("math",)
    assert FeedFilters.for_request(_request("listing=all", alice)).is_empty
    # Another reader and anonymous visitors never get them.
    assert FeedFilters.for_request(_request("", account("bob@example.org"))).is_empty
    assert FeedFilters.for_request(_request("")).is_empty
    FeedFilters.unpin(alice)
    assert pinned(alice) is None
    assert FeedFilters.for_request(_request("", alice)).is_empty


def test_a_bad_request_filter_raises_even_with_pinned_defaults():
    alice = account("alice@example.org")
    FeedFilters(categories=("cs",)).pin(alice)
    with pytest.raises(FilterError):
        FeedFilters.for_request(_request("hide=all", alice))


def test_public_drops_only_the_personal_filters():
    filters = FeedFilters(("cs",), ("survey",), True, True, True)
    assert filters.is_personal
    assert filters.public() == FeedFilters(("cs",), ("survey",), submitted_only=True)
    assert not filters.public().is_personal


def test_it_works_on_a_paper_queryset_of_any_shape():
    paper("2501.00001", categories=["cs.LG"], title="Transformers")
    paper("2501.00002", categories=["cs.LG"])
    filters = FeedFilters(categories=("cs",), exclude=("transformer",))
    assert ids(filters.apply(Paper.objects.order_by("arxiv_id"))) == ["2501.00002"]
