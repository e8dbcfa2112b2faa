"""The search box syntax: words, phrases, filters, ids; hostile input never breaks it."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.search.query import MAX_QUERY_CHARS, parse_query


def test_words_and_quoted_phrases():
    q = parse_query('graph neural "message passing" networks')
    assert q.words == ["graph", "neural", "networks"]
    assert q.phrases == ["message passing"]


def test_filters_are_taken_out_of_the_words():
    q = parse_query('diffusion author:"Yann LeCun" cat:cs.CV since:2024 until:2024-06 has:code')
    assert q.words == ["diffusion"]
    assert q.filters.authors == ["Yann LeCun"]
    assert q.filters.categories == ["cs.CV"]
    assert q.filters.since == dt.date(2024, 1, 1)
    assert q.filters.until == dt.date(2024, 6, 30)
    assert q.filters.has_code


@pytest.mark.parametrize(
    ("text", "arxiv_id"),
    [
        ("2401.01234", "2401.01234"),
        ("2401.01234v3", "2401.01234"),
        ("https://arxiv.org/abs/2401.01234v2", "2401.01234"),
        ("arxiv.org/pdf/hep-th/9901001", "hep-th/9901001"),
        ("  2401.01234  ", "2401.01234"),
    ],
)
def test_an_arxiv_id_or_url_names_a_paper(text: str, arxiv_id: str):
    assert parse_query(text).arxiv_id == arxiv_id


def test_an_id_among_words_is_just_a_word():
    assert parse_query("see 2401.01234 for details").arxiv_id is None


def test_a_bad_date_is_reported_not_fatal():
    q = parse_query("transformers since:yesterday")
    assert q.filters.since is None
    assert any("since:yesterday is not a date" in note for note in q.notes)


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE catalogue_paper; --",
        'title:foo OR (bar AND "baz',
        "NEAR(a b) * ^ ~ + - && || ! { } [ ] :",
        "\x00\x01\x02 control\x1b[31m characters\x7f",
        '"unbalanced quote',
        "a" * 10_000,
        "🙂 émigré naïve ﬁ ligature",
        "",
        "   ",
        "author: cat: since: has:",
    ],
)
def test_hostile_queries_parse_into_plain_words(hostile: str):
    q = parse_query(hostile)
    for word in [*q.words, *q.phrases]:
        assert '"' not in word
        assert all(ch.isprintable() for ch in word)
    assert len(q.text) <= MAX_QUERY_CHARS


def test_a_huge_query_is_cut_and_says_so():
    q = parse_query("word " * 3000)
    assert any("cut" in note or "first" in note for note in q.notes)
    assert len(q.words) <= 64
