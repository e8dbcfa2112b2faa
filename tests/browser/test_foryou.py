"""For you end to end in Chromium: a new reader signs up, goes through /for-you/start, marks
three papers interested, gets a ranking on /for-you, and dismisses an item (it disappears).

The ranking trains in the background (a Huey task) and the test site runs no worker, so the
test runs the engine's ``retrain`` for the reader itself, through ``paperwire shell`` against
the site's own database (``Site.env``) — the step a worker takes. This module starts a site
of its own, whose papers are embedded at import, as the ranking needs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, Site, running_site
from tests.browser.test_site import sign_in
from tests.conftest import PAPERWIRE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
READER = "newcomer@example.org"


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    # Unlike the shared site, papers are embedded at import: the ranking reads their vectors.
    with running_site(tmp_path_factory.mktemp("foryou-site")) as live:
        yield live


def retrain(env: dict[str, str], email: str) -> None:
    code = (
        "from django.contrib.auth.models import User; from paperwire import foryou; "
        f"foryou.retrain(User.objects.get(email={email!r}))"
    )
    done = subprocess.run(
        [str(PAPERWIRE), "shell", "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def test_a_new_reader_gets_a_ranking_from_three_papers_and_dismisses_one(own_site: Site, page: Any):
    site, env = own_site, own_site.env
    sign_in(site, page, READER)
    page.goto(site.url + "/for-you")
    assert page.locator("#no-signals").is_visible()
    page.locator("#no-signals").get_by_role("link", name="Pick your categories").click()
    page.wait_for_url("**/for-you/start")

    cards = page.locator("#papers li.foryou-item")
    assert cards.count() >= 10
    for n in range(3):
        # The start page's own choice, not the library's buttons every paper also carries.
        choice = cards.nth(n).locator("[id^=choice-]")
        choice.get_by_role("button", name="Interested", exact=True).click()
        cards.nth(n).get_by_text("Saved ✓").wait_for()
    assert "see your ranking" in page.locator("#progress").inner_text()
    cards.nth(3).locator("[id^=choice-]").get_by_role("button", name="Not interested").click()
    cards.nth(3).get_by_text("Not for you ✓").wait_for()

    retrain(env, READER)
    page.get_by_role("link", name="see your ranking").click()
    page.wait_for_url("**/for-you")
    items = page.locator("ol.foryou > li.foryou-item")
    items.first.wait_for()
    assert page.locator("ol.foryou .foryou-why").count() >= 1
    count = items.count()
    first_id = items.first.get_attribute("id")
    items.first.get_by_role("button", name="Dismiss").click()
    page.locator(f"#{first_id}").wait_for(state="detached")
    assert items.count() == count - 1

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "for-you.png"), full_page=False)
    page.reload()
    assert page.locator(f"#{first_id}").count() == 0  # dismissed for good, not just hidden
    assert page.problems == []
