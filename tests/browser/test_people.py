"""Authors end to end in Chromium: follow an author from a paper's page (htmx, no reload),
claim the name, a moderator approves the claim in the admin, and the badge shows on the
paper's page."""

from __future__ import annotations

import subprocess
from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.browser.test_site import sign_in
from tests.conftest import PAPERWIRE

MODERATOR = ("moderator", "a long moderator password 42")


def make_moderator(site: Site) -> None:
    env = {**site.env, "DJANGO_SUPERUSER_PASSWORD": MODERATOR[1]}
    made = subprocess.run(
        [str(PAPERWIRE), "createsuperuser", "--noinput", "--username", MODERATOR[0],
         "--email", "moderator@example.org"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def test_follow_an_author_claim_the_name_and_see_the_badge_once_approved(
    site: Site, page: Any, browser: Any
):
    sign_in(site, page, "author@example.org")
    page.goto(site.url + "/")
    page.locator("li.paper h3 a").first.click()
    page.wait_for_url(site.url + "/papers/**")
    paper_url = page.url
    author = page.locator(".paper-page p.authors a.author").first
    name = author.inner_text()
    author.click()
    page.wait_for_url(site.url + "/authors/**")
    assert page.locator("h1").inner_text().startswith(name)
    assert "in the catalogue" in page.locator("p.person-meta").inner_text()

    page.get_by_role("button", name="Follow").click()
    page.locator("button.follow.following").wait_for()  # swapped in place by htmx
    screenshot(page, "people-following-an-author")
    page.goto(site.url + "/following")
    assert name in page.locator("ul.follows").inner_text()
    page.go_back()

    page.get_by_role("button", name="This is me: claim this name").click()
    assert "waits for a moderator" in page.locator(".messages").inner_text()

    make_moderator(site)
    context = browser.new_context()
    admin = context.new_page()
    try:
        admin.goto(site.url + "/admin/login/")
        admin.fill("#id_username", MODERATOR[0])
        admin.fill("#id_password", MODERATOR[1])
        admin.locator("input[type=submit]").click()
        admin.goto(site.url + "/admin/community/claim/?status__exact=pending")
        row = admin.locator("#result_list tbody tr", has_text=name)
        row.locator("input.action-select").check()
        admin.select_option("select[name=action]", "approve_claims")
        admin.locator("button[name=index]").click()
        assert "Approved 1 claim(s)." in admin.locator(".messagelist").inner_text()
        screenshot(admin, "people-admin-claim-approved")
    finally:
        context.close()

    page.goto(paper_url)
    badge = page.locator(".paper-page p.authors .verified").first
    badge.wait_for()
    assert badge.inner_text() == "✓ author"
    screenshot(page, "people-verified-author-badge")
    page.goto(site.url + "/authors/" + name)
    assert "You are a verified author under this name." in page.locator(".claim").inner_text()
    assert page.problems == []
