"""Authors' and organisations' pages and feeds, following, claiming from the site, and the
reader's own /following page and private feed (never anyone else's, never from the cache)."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml import ElementTree
from django.contrib.auth.models import User
from django.test import Client

from paperwire.community import approve, follows_of
from paperwire.community.models import Claim, ClaimStatus, Follow
from paperwire.web.people_feeds import feed_token
from tests.factories import DAY, account, claim, paper

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def titles(html: str) -> list[str]:
    import re

    return re.findall(r'<h3 class="title math"><a href="/papers/[^"]+">([^<]+)</a>', html)


def test_an_author_page_lists_their_papers_newest_first_and_never_yang_liu(client: Client):
    paper(title="Old", authors=["Yang Li", "Bo Chen"], day=DAY - dt.timedelta(days=9))
    paper(title="New", authors=["YANG  LI", "Bo Chen", "Cai Wu"], categories=["cs.CL"])
    paper(title="Someone else", authors=["Yang Liu"])
    paper(title="Hidden", authors=["Yang Li"], hidden=True)
    html = client.get("/authors/yang%20li").content.decode()
    assert titles(html) == ["New", "Old"]
    assert "2 papers in the catalogue" in html
    assert 'href="/authors/Bo%20Chen">Bo Chen</a> (2)' in html
    assert 'href="/search?cat=cs.CL&amp;sort=newest">cs.CL</a> (1)' in html
    assert titles(client.get("/authors/Yang%20Liu").content.decode()) == ["Someone else"]


def test_accents_and_case_are_folded(client: Client):
    paper(title="Umlaut", authors=["Ana Müller"])
    assert titles(client.get("/authors/ana%20MULLER").content.decode()) == ["Umlaut"]


def test_an_unknown_name_is_a_404_page_saying_names_match_whole(client: Client):
    paper(authors=["Yang Liu"])
    response = client.get("/authors/Yang%20Li")
    assert response.status_code == 404
    assert "No papers by Yang Li in the catalogue" in response.content.decode()


def test_an_author_page_pages(client: Client):
    for n in range(32):
        paper(title=f"Paper {n:02d}", authors=["Ada Lovelace"], day=DAY - dt.timedelta(days=n))
    first = titles(client.get("/authors/Ada%20Lovelace").content.decode())
    second = titles(client.get("/authors/Ada%20Lovelace?page=2").content.decode())
    assert first[0] == "Paper 00"
    assert len(first) == 30
    assert second == ["Paper 30", "Paper 31"]


def test_an_organisation_page_and_its_feeds(client: Client):
    paper(title="From the lab", organization="Hugging Face", authors=["Ana Müller"])
    paper(title="Another lab", organization="Hugging Faces")
    html = client.get("/orgs/hugging%20face").content.decode()
    assert titles(html) == ["From the lab"]
    assert "Authors: " in html
    rss = ElementTree.fromstring(client.get("/orgs/Hugging%20Face/feed.rss").content)
    assert [i.findtext("title") for i in rss.iter("item")] == ["From the lab"]
    atom = ElementTree.fromstring(client.get("/authors/Ana%20M%C3%BCller/feed.atom").content)
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == ["From the lab"]


def test_hostile_names_come_out_inert(client: Client):
    evil = '<script>alert(1)</script> "Bob"'
    paper(title="Evil", authors=[evil], organization="<img src=x onerror=alert(1)>")
    html = client.get("/papers/2501.00001").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    page = client.get("/authors/" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E%20%22Bob%22")
    assert page.status_code == 200
    assert "<script>alert" not in page.content.decode()


def test_the_paper_page_links_authors_and_the_organisation(client: Client):
    paper(authors=["Ana Müller"], organization="Hugging Face")
    html = client.get("/papers/2501.00001").content.decode()
    assert '<a class="author" href="/authors/Ana%20M%C3%BCller">Ana Müller</a>' in html
    assert '<a class="org" href="/orgs/Hugging%20Face">Hugging Face</a>' in html


def test_a_verified_author_gets_a_badge_on_the_paper_page(client: Client, alice: User):
    mine = paper(authors=["Ana Müller", "Bo Chen"])
    claim(alice, name="Ana Muller")
    html = client.get(f"/papers/{mine.arxiv_id}").content.decode()
    assert 'Ana Müller</a> <span class="verified"' in html
    assert "Bo Chen</a>" in html
    assert 'Bo Chen</a> <span class="verified"' not in html


def test_follow_and_unfollow_with_a_plain_post_and_with_htmx(client: Client, alice: User):
    paper(authors=["Yang Li"])
    signed_in(client, alice)
    response = client.post("/authors/Yang%20Li/follow", {"follow": "1"})
    assert response.status_code == 302
    assert [(f.kind, f.key, f.name) for f in follows_of(alice)] == [
        ("author", "yang li", "Yang Li")
    ]
    assert "Following ✓" in client.get("/authors/yang%20li").content.decode()
    swapped = client.post("/authors/Yang%20Li/follow", {"follow": "0"}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert ">Follow</button>" in swapped.content.decode()
    assert not Follow.objects.exists()


def test_following_needs_a_sign_in(client: Client):
    response = client.post("/authors/Yang%20Li/follow")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
    assert not Follow.objects.exists()


def test_a_signed_in_page_is_not_served_to_anonymous_visitors(client: Client, alice: User):
    paper(authors=["Yang Li"])
    signed_in(client, alice)
    client.post("/authors/Yang%20Li/follow", {"follow": "1"})
    assert "Following ✓" in client.get("/authors/Yang%20Li").content.decode()
    anonymous = Client()
    html = anonymous.get("/authors/Yang%20Li").content.decode()
    assert "Following ✓" not in html
    assert "Sign in to follow" in html


def test_the_private_feed_lists_followed_papers_by_its_signed_address_only(
    client: Client, alice: User
):
    paper(title="By Yang", authors=["Yang Li"])
    paper(title="From HF", organization="Hugging Face")
    paper(title="Not followed", authors=["Yang Liu"])
    signed_in(client, alice)
    client.post("/authors/Yang%20Li/follow")
    client.post("/orgs/Hugging%20Face/follow")
    token = feed_token(alice)
    anonymous = Client()
    response = anonymous.get(f"/following/feed/{token}.rss")
    assert "no-store" in response["Cache-Control"]
    items = [i.findtext("title") for i in ElementTree.fromstring(response.content).iter("item")]
    assert sorted(items) == ["By Yang", "From HF"]
    assert anonymous.get(f"/following/feed/{token[:-2]}xx.rss").status_code == 404
    bob = account("bob@example.org")
    assert (
        anonymous.get(f"/following/feed/{bob.pk}.{token.split('.', 1)[1]}.rss").status_code == 404
    )


def test_the_following_page_is_the_readers_own(client: Client, alice: User):
    bob = account("bob@example.org")
    paper(authors=["Yang Li"])
    signed_in(client, alice)
    client.post("/authors/Yang%20Li/follow")
    assert 'href="/authors/Yang%20Li">Yang Li</a>' in client.get("/following").content.decode()
    client.force_login(bob)
    assert "Yang Li" not in client.get("/following").content.decode()
    assert Client().get("/following").status_code == 302


def test_claim_a_name_and_a_paper_from_the_site(client: Client, alice: User):
    mine = paper(authors=["Ana Müller"])
    signed_in(client, alice)
    client.post("/authors/Ana%20M%C3%BCller/claim")
    client.post(f"/papers/{mine.arxiv_id}/claim", {"name": "Ana Müller"})
    assert list(Claim.objects.order_by("pk").values_list("key", "paper_id", "status")) == [
        ("ana muller", None, ClaimStatus.PENDING),
        ("ana muller", mine.pk, ClaimStatus.PENDING),
    ]
    assert "waits for a moderator" in client.get("/authors/Ana%20Muller").content.decode()
    approve(Claim.objects.values_list("pk", flat=True))
    assert "You are a verified author" in client.get("/authors/Ana%20Muller").content.decode()
    following = client.get("/following").content.decode()
    assert following.count("approved") == 2


def test_a_claim_of_a_name_not_on_the_paper_says_so(client: Client, alice: User):
    mine = paper(authors=["Yang Liu"])
    signed_in(client, alice)
    response = client.post(f"/papers/{mine.arxiv_id}/claim", {"name": "Yang Li"}, follow=True)
    assert f"&#x27;Yang Li&#x27; is not an author of {mine.arxiv_id}" in response.content.decode()
    assert not Claim.objects.exists()


def test_a_list_reads_its_verified_authors_once(alice: User, django_assert_num_queries):
    from django.template import Context, Template

    papers = [paper(authors=["Ana Müller"]), paper(authors=["Bo Chen"])]
    claim(alice, name="Ana Muller")
    template = Template(
        "{% load people_tags %}{% load_verified papers %}"
        "{% for paper in papers %}<p>{% paper_authors paper %}</p>{% endfor %}"
    )
    with django_assert_num_queries(3):  # verified_names: the whole list at once
        html = template.render(Context({"papers": papers}))
    assert html.count('class="verified"') == 1
    assert 'Ana Müller</a> <span class="verified"' in html


def test_hostile_names_are_plain_text_in_feeds(client: Client):
    evil = "<script>alert(1)</script> Bob"
    paper(title="<b>Evil</b>", authors=[evil], organization="<img src=x onerror=alert(1)>")
    response = client.get("/authors/%3Cscript%3Ealert(1)%3C%2Fscript%3E%20Bob/feed.rss")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # well-formed: nothing got in as markup
    assert root.findtext("channel/title") == f"paperwire — {evil}"
    assert [i.findtext("title") for i in root.iter("item")] == ["<b>Evil</b>"]
    assert b"<script>" not in response.content
    org = client.get("/orgs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/feed.atom")
    assert b"<img src=x" not in org.content
    assert ElementTree.fromstring(org.content).findtext(f"{ATOM}title") == (
        "paperwire — <img src=x onerror=alert(1)>"
    )


def test_the_day_list_and_an_author_page_show_verified_authors_badges(client: Client, alice: User):
    mine = paper(authors=["Ana Müller", "Bo Chen"], day=DAY)
    paper(authors=["Bo Chen"], day=DAY)
    claim(alice, name="Ana Muller")
    for path in (f"/date/{DAY:%Y-%m-%d}", "/authors/Bo%20Chen"):
        html = client.get(path).content.decode()
        assert html.count('class="verified"') == 1, path
        assert f'<a href="/papers/{mine.arxiv_id}">' in html
        assert '<a class="author" href="/authors/Ana%20M%C3%BCller">Ana Müller</a> <span' in html
