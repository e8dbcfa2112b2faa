"""The inbox end to end in Chromium: a reader comments on a paper, another replies, and the
first sees "Inbox 1" in the nav, the reply in /inbox, and marks it read. A screenshot of the
inbox with the reply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.browser.test_site import sign_in

ROOT = Path(__file__).resolve().parents[2]

# New accounts' comments are held for a moderator (PAPERWIRE_COMMENT_HOLD_HOURS): these two
# readers are made a month old, as if they had signed up long ago.
AGE = """
import datetime as dt, sys, django
django.setup()
from django.contrib.auth.models import User
from django.utils import timezone
User.objects.filter(email__in=sys.argv[1:]).update(
    date_joined=timezone.now() - dt.timedelta(days=30)
)
"""


def age(site: Site, *emails: str) -> None:
    env = {**site.env, "DJANGO_SETTINGS_MODULE": "paperwire.settings"}
    done = subprocess.run(
        [sys.executable, "-c", AGE, *emails], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_a_reply_shows_in_the_inbox_of_the_comments_author(site: Site, page: Any, browser: Any):
    asker, answerer = "inbox-asker@example.org", "inbox-answerer@example.org"
    sign_in(site, page, asker)
    page.goto(site.url + "/")
    page.locator("li.paper h3 a").first.click()
    paper_url = page.url
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    reply_page = other.new_page()
    try:
        sign_in(site, reply_page, answerer)
        age(site, asker, answerer)
        page.reload()
        page.fill("#new-comment", "Does the bound hold for $n > 2$?")
        page.get_by_role("button", name="Post comment").click()
        asked = page.locator("li.comment", has_text="Does the bound hold")
        asked.wait_for()
        assert "Inbox" in page.locator("a.inbox-link").inner_text()
        assert page.locator("a.inbox-link .unread-count").count() == 0

        reply_page.goto(paper_url)
        question = reply_page.locator("li.comment", has_text="Does the bound hold")
        question.locator("summary", has_text="Reply").first.click()
        question.locator("textarea[name=body]").first.fill("Yes, see **Lemma 3**.")
        question.get_by_role("button", name="Post reply").first.click()
        reply_page.locator("li.comment", has_text="see Lemma 3").wait_for()
    finally:
        other.close()

    page.reload()
    count = page.locator("a.inbox-link .unread-count")
    assert count.inner_text() == "1"
    page.locator("a.inbox-link").click()
    page.wait_for_url(site.url + "/inbox")
    item = page.locator("li.notification.unread")
    assert item.count() == 1
    text = item.inner_text()
    assert "A reply to your comment" in text
    assert "inbox-answerer" in text
    assert "Yes, see Lemma 3." in text
    assert "inbox-answerer@example.org" not in page.content()  # never the address
    screenshot(page, "inbox-reply")

    item.get_by_role("button", name="Mark read").click()
    page.wait_for_url(site.url + "/inbox")
    assert page.locator("li.notification.unread").count() == 0
    assert page.locator("a.inbox-link .unread-count").count() == 0
    # the link leads to the reply on the paper's page
    page.locator("li.notification a[href*='#comment-']").click()
    page.locator("li.comment", has_text="see Lemma 3").wait_for()
    assert page.problems == []
