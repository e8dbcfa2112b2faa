"""A group end to end in Chromium: a reader makes a group and invites a colleague by e-mail;
the colleague signs up with that address, follows the link and joins; proposes a paper from
its page for the reading queue; the owner votes on it. Screenshots of each step."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.browser.test_site import sign_in


def test_create_invite_accept_propose_and_vote(site: Site, page: Any, browser: Any):
    sign_in(site, page, "lab-owner@example.org")
    page.goto(site.url + "/groups")
    page.fill("#new-group-name", "Robotics reading group")
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url(site.url + "/groups/robotics-reading-group")
    page.fill("#invite-email", "lab-colleague@example.org")
    page.get_by_role("button", name="Invite").click()
    page.locator(".messages", has_text="Invitation mailed to lab-colleague@example.org").wait_for()
    assert "lab-colleague@example.org" in page.locator("ul.invitations").inner_text()
    screenshot(page, "groups-invite")
    link = site.mailbox.wait_for_link("lab-colleague@example.org", "/groups/invite/")

    colleague_context = browser.new_context(viewport={"width": 1280, "height": 900})
    colleague = colleague_context.new_page()
    problems: list[str] = []
    colleague.on("pageerror", lambda e: problems.append(str(e)))
    try:
        # Before signing in, the link says which address to sign in with.
        colleague.goto(link)
        assert "lab-colleague@example.org" in colleague.locator("main").inner_text()
        sign_in(site, colleague, "lab-colleague@example.org")
        colleague.goto(link)
        screenshot(colleague, "groups-accept")
        colleague.get_by_role("button", name="Join Robotics reading group").click()
        colleague.wait_for_url(site.url + "/groups/robotics-reading-group")
        assert "Welcome to" in colleague.locator(".messages").inner_text()

        # Propose the daily list's first paper from its page.
        colleague.goto(site.url + "/")
        colleague.get_by_role("link", name="Groups", exact=True).wait_for()
        first = colleague.locator("li.paper h3 a").first
        title = first.inner_text()
        first.click()
        colleague.get_by_role(
            "button", name="Propose for Robotics reading group’s reading queue"
        ).click()
        colleague.locator(".messages", has_text="reading queue").wait_for()
        colleague.goto(site.url + "/groups/robotics-reading-group/queue")
        assert title in colleague.locator("ol.queue").inner_text()
        assert "1 vote" in colleague.locator("ol.queue li").first.inner_text()
    finally:
        colleague_context.close()

    page.goto(site.url + "/groups/robotics-reading-group/queue")
    item = page.locator("ol.queue li").first
    assert title in item.inner_text()
    item.get_by_role("button", name="Vote").click()
    page.wait_for_load_state("networkidle")
    item = page.locator("ol.queue li").first
    assert "2 votes" in item.inner_text()
    assert item.locator("button.queue-vote[aria-pressed=true]").inner_text() == "Voted ✓"
    screenshot(page, "groups-queue")

    page.goto(site.url + "/groups/robotics-reading-group")
    assert "lab-colleague@example.org" in page.locator("ul.members").inner_text()
    assert title in page.locator("ol.queue-preview").inner_text()
    screenshot(page, "groups-group")
    assert page.problems == []
    assert problems == []
