"""A real digest in Chromium: composed from real Hugging Face papers for a reader with an
account and a library, sent through a real SMTP server, its HTML part shown as a mail client
would; then a "Save" link in it followed to the site (a live server on the same database)
and its one button pressed. The screenshot of the digest is var/screenshots/digest.png."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.send import Sender
from paperwire.library import Entry, save
from paperwire.search.embedding_jobs import embed_pending
from paperwire.search.embeddings import get_embedder
from tests.browser.conftest import screenshot
from tests.conftest import shared
from tests.digests.conftest import SmtpSink, smtp_server, smtp_sink  # noqa: F401  (fixtures)
from tests.factories import account, subscriber

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DAYS = ("2026-08-20", "2026-08-21")
TODAY = dt.date(2026, 8, 21)


@pytest.fixture
def real_papers(transactional_db: None, tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    folder.mkdir()
    for day in DAYS:
        shutil.copy(shared(f"hf-daily-papers/daily/{day}.json.gz"), folder)
    call_command("import", "hf-daily", str(folder), "--no-progress", "--no-index")
    embed_pending(get_embedder())  # topics match by meaning; the ranking reads the vectors


@pytest.fixture
def retrain() -> Callable[[Any], object]:
    """The engine's own training, run now rather than in the background."""
    from paperwire import foryou

    return foryou.retrain


def html_part(message: EmailMessage) -> str:
    html = message.get_body(("html",))
    assert html is not None
    return str(html.get_content())


def test_a_digest_with_sections_and_its_save_link_end_to_end(
    real_papers: None,
    live_server: Any,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
    page: Any,
    retrain: Callable[[Any], None],
):
    settings.BASE_URL = live_server.url
    reader = account("reader@example.org")
    yesterday = Paper.objects.filter(announced_on=dt.date(2026, 8, 20)).order_by("-upvotes")
    for liked in yesterday[:3]:
        save(reader, liked)
    retrain(reader)
    subscriber("reader@example.org", "diffusion", "cat:cs.CV")
    compose_period(containing("daily", TODAY))
    assert Sender(rate=0, retry_base=0.01).send_period(containing("daily", TODAY)).sent == 1
    (message,) = smtp_sink.to("reader@example.org")

    page.set_content(html_part(message))
    headings = [
        h for h in ("For you", "Your topics", "Trending") if page.get_by_text(h, exact=True).count()
    ]
    # For you leads; a topic's matches that For you already showed carry the topic as a
    # second reason there instead of a section of their own.
    assert headings[0] == "For you"
    assert headings[-1] == "Trending"
    assert "Your topics" in headings or "topic: " in page.locator("body").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "digest.png"), full_page=True)
    screenshot(page, "digest")

    first_title = page.locator("a[style*='font-size:16px']").first.inner_text()
    saved_before = Entry.objects.count()
    page.get_by_role("link", name="Save", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/subscriptions/feedback/**")
    assert page.locator("main h1").inner_text() == "Save?"
    assert Entry.objects.count() == saved_before  # opening the link changed nothing
    page.locator("main").get_by_role("button", name="Save").click()
    page.locator("main h1", has_text="Saved").wait_for()
    assert first_title in page.locator("main").inner_text()
    assert Entry.objects.count() == saved_before + 1
    assert page.problems == []
