"""The discussion end to end in Chromium: a comment with maths (typeset by KaTeX), an edit
and its history, a new account's reply held for a moderator (seen by its author only), an
upvote and a report, a moderator approving and hiding in the admin, and a deleted comment
keeping its place for its reply. Screenshots in tests/artifacts/."""

from __future__ import annotations

import subprocess
from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.browser.test_site import sign_in
from tests.conftest import PAPERWIRE

MODERATOR = ("discussion-moderator", "a long moderator password 43")
MATHS = "The bound $\\sum_{i=1}^n x_i \\le 1$ is tight <script>alert(1)</script>"


def run_python(site: Site, code: str) -> None:
    done = subprocess.run(
        [str(PAPERWIRE), "shell", "-c", code],
        env=site.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def older_account(site: Site, email: str) -> None:
    """An account older than the comment hold (the site holds accounts younger than 24 h)."""
    run_python(
        site,
        "import datetime as dt; from django.utils import timezone; "
        "from django.contrib.auth.models import User; "
        f"User.objects.filter(email={email!r}).update("
        "date_joined=timezone.now() - dt.timedelta(days=30))",
    )


def make_moderator(site: Site) -> None:
    env = {**site.env, "DJANGO_SUPERUSER_PASSWORD": MODERATOR[1]}
    made = subprocess.run(
        [str(PAPERWIRE), "createsuperuser", "--noinput", "--username", MODERATOR[0],
         "--email", "discussion-moderator@example.org"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def comment_item(page: Any, text: str) -> Any:
    return page.locator("li.comment", has_text=text).first


def test_comment_with_maths_reply_edit_vote_report_and_moderate(
    site: Site, page: Any, browser: Any
):
    page.on("dialog", lambda dialog: dialog.accept())  # "Delete this comment?"
    sign_in(site, page, "writer@example.org")
    older_account(site, "writer@example.org")
    page.goto(site.url + "/")
    page.locator("li.paper h3 a").first.click()
    page.wait_for_url(site.url + "/papers/**")
    paper_url = page.url

    # A comment with maths: posted with htmx, typeset by KaTeX, the script inert text.
    page.fill("#new-comment", MATHS)
    page.get_by_role("button", name="Post comment").click()
    first = comment_item(page, "is tight")
    first.locator(".comment-body .katex").wait_for()
    assert page.url == paper_url  # swapped in place
    assert "<script>alert(1)</script>" in first.locator(".comment-body").inner_text()
    assert "Your comment is posted." in page.locator(".discussion-notice").inner_text()
    first.scroll_into_view_if_needed()
    screenshot(page, "discussion-comment-with-maths")

    # Edit it; the history page shows both versions.
    first.locator("details.comment-edit summary").click()
    first.locator("details.comment-edit textarea").fill(MATHS + " (edited: see Lemma 2)")
    first.get_by_role("button", name="Save changes").click()
    comment_item(page, "see Lemma 2").locator("a.comment-edited").click()
    page.wait_for_url(site.url + "/comments/*/history")
    versions = page.locator(".comment-history li.version")
    assert versions.count() == 2
    assert "see Lemma 2" in versions.nth(0).inner_text()
    assert "see Lemma 2" not in versions.nth(1).inner_text()
    page.locator(".comment-history .katex").first.wait_for()
    screenshot(page, "discussion-edit-history")

    # A second reader, new: their reply is held, shown to them only; they upvote and report.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    reader = other.new_page()
    problems: list[str] = []
    reader.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    reader.on("pageerror", lambda e: problems.append(str(e)))
    try:
        sign_in(site, reader, "newcomer@example.org")
        reader.goto(paper_url)
        theirs = comment_item(reader, "see Lemma 2")
        theirs.locator("details.comment-reply summary").click()
        theirs.locator("details.comment-reply textarea").fill("Does it hold for $n = 0$?")
        theirs.get_by_role("button", name="Post reply").click()
        held = comment_item(reader, "Does it hold for")
        held.locator(".held-note", has_text="waiting for a moderator").wait_for()
        assert "depth-2" in (held.get_attribute("class") or "")
        vote = comment_item(reader, "see Lemma 2").locator("form.comment-vote button")
        vote.click()
        comment_item(reader, "see Lemma 2").locator(
            "form.comment-vote button.voted .count", has_text="1"
        ).wait_for()
        reported = comment_item(reader, "see Lemma 2")
        reported.locator("details.comment-report summary").click()
        reported.locator("select[name=reason]").select_option("off-topic")
        reported.get_by_role("button", name="Send report").click()
        reader.locator(".discussion-notice", has_text="the moderators will look").wait_for()
        held.scroll_into_view_if_needed()
        screenshot(reader, "discussion-held-reply")
        assert problems == []
    finally:
        other.close()

    page.goto(paper_url)
    assert page.locator("li.comment", has_text="Does it hold for").count() == 0

    # The moderator approves the held reply and hides the reported comment, in the admin.
    make_moderator(site)
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = staff.new_page()
    try:
        admin.goto(site.url + "/admin/login/")
        admin.fill("#id_username", MODERATOR[0])
        admin.fill("#id_password", MODERATOR[1])
        admin.locator("input[type=submit]").click()
        admin.goto(site.url + "/admin/discussion/comment/?state__exact=held")
        row = admin.locator("#result_list tbody tr", has_text="Does it hold for")
        row.locator("input[type=checkbox]").check()
        admin.select_option("select[name=action]", "approve")
        screenshot(admin, "discussion-admin-held-queue")
        admin.locator("button[name=index]").click()
        admin.locator(".messagelist", has_text="Approved 1 comment(s).").wait_for()
        admin.goto(site.url + "/admin/discussion/comment/?reported=open")
        row = admin.locator("#result_list tbody tr", has_text="is tight")
        row.locator("input[type=checkbox]").check()
        admin.select_option("select[name=action]", "hide")
        admin.locator("button[name=index]").click()
        admin.locator(".messagelist", has_text="Hid 1 comment(s).").wait_for()
    finally:
        staff.close()

    page.goto(paper_url)
    assert "Does it hold for" in page.locator("section.discussion").inner_text()
    assert "[hidden by a moderator]" in page.locator("section.discussion").inner_text()
    assert "see Lemma 2" not in page.locator("section.discussion").inner_text()

    # A deleted comment with a reply keeps its place as "[deleted]".
    page.fill("#new-comment", "A second thought, to be deleted.")
    page.get_by_role("button", name="Post comment").click()
    second = comment_item(page, "A second thought")
    second.locator("details.comment-reply summary").click()
    second.locator("details.comment-reply textarea").fill("A reply that stays.")
    second.get_by_role("button", name="Post reply").click()
    comment_item(page, "A reply that stays").wait_for()
    comment_item(page, "A second thought").get_by_role("button", name="Delete").click()
    page.locator(".discussion-notice", has_text="Your comment is deleted.").wait_for()
    # htmx settles a swapped element's new class a moment after its text: wait for it.
    deleted = page.locator("li.comment.placeholder", has_text="[deleted]")
    deleted.first.wait_for()
    assert deleted.count() == 1
    assert "A second thought" not in page.locator("section.discussion").inner_text()
    page.locator("section.discussion").scroll_into_view_if_needed()
    screenshot(page, "discussion-after-moderation")
    assert page.problems == []
