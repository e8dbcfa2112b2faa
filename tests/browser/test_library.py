"""The library end to end in Chromium: save from the daily list, see it in /library, write a
note, make a collection; a screenshot of /library for the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import Site, screenshot
from tests.browser.test_site import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_save_from_the_daily_list_note_it_and_make_a_collection(site: Site, page: Any):
    sign_in(site, page, "librarian@example.org")
    page.goto(site.url + "/")
    first = page.locator("li.paper").first
    title = first.locator("h3 a").inner_text()
    first.locator(".library button.save").click()
    # htmx swaps the button for the saved menu, without leaving the page.
    first.locator(".library summary", has_text="Saved ✓").wait_for()
    assert page.url == site.url + "/"
    first.locator(".library button.mark.read").click()
    first.locator(".library button.mark.read[aria-pressed=true]").wait_for()
    first.locator("form.vote button").click()
    first.locator("form.vote button.voted").wait_for()

    page.reload()  # the state is the reader's, rendered with the page
    assert page.locator("li.paper").first.locator(".library summary").inner_text() == "Saved ✓"

    page.get_by_role("link", name="Library", exact=True).click()
    page.wait_for_url(site.url + "/library")
    page.get_by_role("link", name="Saved", exact=True).click()
    page.wait_for_url(site.url + "/library/saved")
    assert page.locator("li.paper h3 a").first.inner_text() == title
    page.fill("li.paper textarea[name=note]", "Read section 3 first <b>really</b>")
    page.fill("li.paper input[name=tags]", "to read, theory")
    page.get_by_role("button", name="Save note").click()
    page.locator("li.paper .entry [role=status]", has_text="Saved").wait_for()
    page.reload()
    assert page.locator("li.paper textarea[name=note]").input_value() == (
        "Read section 3 first <b>really</b>"
    )
    assert page.locator("li.paper .tag").all_inner_texts() == ["to read", "theory"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "library-saved.png"), full_page=False)

    page.goto(site.url + "/library")
    page.fill("#new-collection-name", "Reading group")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(site.url + "/library/reading-group")
    page.goto(site.url + "/")
    menu = page.locator("li.paper").first.locator(".library details")
    menu.locator("summary").click()
    menu.locator("select[name=collection]").select_option(label="Reading group")
    menu.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    menu.locator("summary").click()  # open again: the swapped menu is a new element
    screenshot(page, "library-daily-list")

    page.goto(site.url + "/library")
    assert "1 paper" in page.locator(".collection-list li", has_text="Reading group").inner_text()
    assert title in page.locator("section.upvoted").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "library.png"), full_page=True)
    screenshot(page, "library")
    assert page.problems == []


def test_export_a_collection_as_bibtex_and_import_it_into_another(
    site: Site, page: Any, tmp_path: Path
):
    sign_in(site, page, "exporter@example.org")
    page.goto(site.url + "/")
    titles = []
    for n in range(2):
        item = page.locator("li.paper").nth(n)
        titles.append(item.locator("h3 a").inner_text())
        item.locator(".library button.save").click()
        item.locator(".library summary", has_text="Saved ✓").wait_for()

    page.goto(site.url + "/library/saved")
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX", exact=True).click()
    saved_as = tmp_path / "saved.bib"
    download.value.save_as(saved_as)
    assert saved_as.read_text().count("@") == 2

    page.goto(site.url + "/library/import")
    page.set_input_files("#import-file", str(saved_as))
    page.fill("#import-collection", "From BibTeX")
    page.get_by_role("button", name="Import").click()
    page.locator("p.summary", has_text="2 of 2").wait_for()
    page.get_by_role("link", name="From BibTeX").click()
    page.wait_for_url(site.url + "/library/from-bibtex")
    assert sorted(page.locator("li.paper h3 a").all_inner_texts()) == sorted(titles)
    screenshot(page, "library-imported")
    assert page.problems == []
