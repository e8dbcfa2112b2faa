"""End to end in a real browser: read, search, sign in by e-mail code, upvote, submit."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.conftest import shared
from tests.replay import Reply


def test_home_lists_the_newest_day_by_votes(site: Site, page: Any):
    page.goto(site.url + "/")
    assert page.locator("h1").inner_text().startswith("Daily papers")
    counts = [int(c) for c in page.locator("li.paper .upvote .count").all_inner_texts()]
    assert len(counts) >= 10
    assert counts == sorted(counts, reverse=True)
    screenshot(page, "home")
    page.get_by_role("link", name="Week").click()
    assert "/week/2026-W34" in page.url
    assert page.problems == []


def test_search_answers_as_you_type_and_keeps_a_permalink(site: Site, page: Any):
    page.goto(site.url + "/search")
    page.locator("#q").press_sequentially("language model agents", delay=20)
    page.wait_for_selector("#results li.paper")
    page.wait_for_url(re.compile(r"/search\?q=language"))
    first = page.locator("#results li.paper h3").first.inner_text()
    assert page.locator("#results mark").count() > 0
    screenshot(page, "search")
    permalink = page.url
    page.goto(permalink)
    assert page.locator("li.paper h3").first.inner_text() == first
    assert page.problems == []


def test_paper_page_renders_maths_with_local_katex(site: Site, page: Any):
    page.goto(site.url + "/")
    page.locator("li.paper h3 a").first.click()
    page.wait_for_selector("section.bibtex pre")
    page.wait_for_selector("section.similar ol, section.similar .empty")  # loaded after the page
    assert "@misc{" in page.locator("section.bibtex pre").inner_text()
    # New text with inline maths, typeset by the site's script through KaTeX from this server
    # (the same path live search results take).
    page.evaluate(
        "const a = document.querySelector('section.abstract');"
        "a.querySelector('p').textContent += ' $\\\\alpha^2$';"
        "a.dispatchEvent(new CustomEvent('htmx:afterSwap', {bubbles: true}))"
    )
    assert page.locator("section.abstract .katex").count() >= 1
    screenshot(page, "paper")
    assert page.problems == []


def sign_in(site: Site, page: Any, email: str) -> None:
    page.goto(site.url + "/accounts/signup/")
    page.fill("main input[name=email]", email)
    page.get_by_role("button", name="Sign Up").click()
    try:
        page.wait_for_selector("input[name=code]", timeout=10_000)
    except Exception:
        raise
    code = site.mailbox.wait_for_code(email)
    page.fill("input[name=code]", code)
    page.get_by_role("button", name=re.compile("Confirm|Sign In", re.I)).click()
    page.wait_for_selector(f"text={email}")


def test_sign_in_by_code_then_upvote_and_take_it_back(site: Site, page: Any):
    sign_in(site, page, "voter@example.org")
    page.goto(site.url + "/")
    button = page.locator("li.paper form.vote button").last
    before = int(button.locator(".count").inner_text())
    button.click()
    voted = page.locator("li.paper form.vote button").last
    page.wait_for_function(
        "n => document.querySelectorAll('li.paper form.vote button.voted').length === n", arg=1
    )
    assert int(voted.locator(".count").inner_text()) == before + 1
    page.reload()
    again = page.locator("li.paper button.voted")
    assert again.count() == 1
    again.click()
    page.wait_for_function("() => !document.querySelector('li.paper button.voted')")
    assert page.problems == []


def test_submit_a_paper_by_url(site: Site, page: Any):
    body = shared("arxiv-api/api-2026/id_list-1605.08386_start0-max100.xml").read_bytes()
    site.arxiv.route("/api/query", Reply(body=body), id_list="1605.08386")
    sign_in(site, page, "submitter@example.org")
    page.goto(site.url + "/submit")
    page.fill("#paper", "https://arxiv.org/abs/1605.08386")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(site.url + "/papers/1605.08386")
    assert "is on the list of" in page.locator(".messages").inner_text()
    page.goto(site.url + "/submit")
    page.fill("#paper", "1605.08386")
    page.get_by_role("button", name="Submit").click()
    assert "already submitted" in page.locator(".messages").inner_text()


def test_subscribe_from_the_header_confirm_and_manage(site: Site, page: Any):
    page.goto(site.url + "/")
    page.fill("#subscribe-email", "digest-reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    page.fill("main textarea[name=topics]", "graph neural networks\ncat:cs.CV")
    page.locator("main form button[type=submit]").click()
    link = site.mailbox.wait_for_link("digest-reader@example.org", "/subscriptions/confirm/")
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name=re.compile("manage", re.I)).first.click()
    assert "graph neural networks" in page.locator("main textarea").input_value()
    assert page.locator('main a[href^="/feeds/search.rss?q="]').count() == 2
    screenshot(page, "manage-subscription")
    assert page.problems == []
