"""`paperwire harvest` and `paperwire add` against a local server replaying real arXiv answers."""

from __future__ import annotations

import json

from tests.conftest import Cli, shared
from tests.replay import ReplayServer, Reply


def test_add_fetches_one_paper_by_url(cli: Cli, replay_server: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-1605.08386_start0-max100.xml").read_bytes()
    replay_server.route("/api/query", Reply(body=body), id_list="1605.08386")
    cli.env["PAPERWIRE_ARXIV_API_URL"] = f"{replay_server.url}/api/query"
    result = cli("add", "https://arxiv.org/abs/1605.08386")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added: 1605.08386")
    again = cli("add", "arxiv.org/pdf/1605.08386.pdf")
    assert again.stdout.startswith("unchanged")


def test_add_says_clearly_when_arxiv_has_no_such_paper(cli: Cli, replay_server: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-0808.05394_start0-max100.xml").read_bytes()
    replay_server.route("/api/query", Reply(body=body))
    cli.env["PAPERWIRE_ARXIV_API_URL"] = f"{replay_server.url}/api/query"
    result = cli("add", "0808.05394")
    assert result.returncode != 0
    assert result.stderr.strip() == "CommandError: arXiv has no paper 0808.05394"


def test_add_refuses_what_is_not_an_id_before_asking_arxiv(cli: Cli, replay_server: ReplayServer):
    cli.env["PAPERWIRE_ARXIV_API_URL"] = f"{replay_server.url}/api/query"
    result = cli("add", "not a paper")
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert replay_server.requests == []


def test_harvest_arxiv_pages_through_a_category(cli: Cli, replay_server: ReplayServer):
    folder = shared("arxiv-api/api-2026")
    for start in (0, 10, 20):
        body = (folder / f"query-testing_start{start}-max10.xml").read_bytes()
        # Only three pages are recorded: cut the reported total so the harvest ends there.
        body = body.replace(b">214881<", b">30<")
        replay_server.route("/api/query", Reply(body=body), start=str(start))
    cli.env["PAPERWIRE_ARXIV_API_URL"] = f"{replay_server.url}/api/query"
    result = cli(
        "harvest",
        "arxiv",
        "--category",
        "cs.LG",
        "--since",
        "2024-01-01",
        "--batch-size",
        "10",
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    assert "read 30" in result.stdout
    first = replay_server.requests[0].params
    assert first["search_query"].startswith("cat:cs.LG AND submittedDate:[202401010000 TO ")
    papers = json.loads(cli("stats", "--json").stdout)["papers"]
    assert papers == len({r for r in range(30)})


def test_harvest_oai_follows_the_resumption_token(cli: Cli, replay_server: ReplayServer):
    first = shared("arxiv-oai/listrecords-oai_dc-cs-2024-01-25-with-resumptionToken.xml")
    last = shared("arxiv-oai/listrecords-arXiv-physics_hep-th-2017-12-14.xml")
    replay_server.route("/oai", Reply(body=first.read_bytes()), set="cs")
    replay_server.route("/oai", Reply(body=last.read_bytes()), resumptionToken="6960524|1001")
    cli.env["PAPERWIRE_ARXIV_OAI_URL"] = f"{replay_server.url}/oai"
    result = cli("harvest", "oai", "--set", "cs", "--from", "2024-01-25", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "read 8" in result.stdout
    assert [r.params.get("resumptionToken") for r in replay_server.requests] == [
        None,
        "6960524|1001",
    ]


def test_harvest_refuses_bad_dates_and_categories(cli: Cli):
    bad_date = cli("harvest", "arxiv", "--category", "cs.LG", "--since", "yesterday")
    assert bad_date.returncode != 0
    assert "not a date" in bad_date.stderr
    bad_cat = cli("harvest", "arxiv", "--category", "nonsense", "--since", "2024-01-01")
    assert bad_cat.returncode != 0
    assert "not an arXiv category" in bad_cat.stderr
