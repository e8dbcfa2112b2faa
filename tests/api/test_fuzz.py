"""schemathesis over /api/openapi.json: every operation, with a token and a signed-in session.

The run is in process: schemathesis' WSGI transport calls Django's real WSGI application
(every middleware, the URLconf, ninja) inside pytest-django's test transaction, so the same
test runs on SQLite and on PostgreSQL (``make test-postgres``) against the papers, accounts
and tokens the fixture makes. A server in another process could not see that transaction; the
only part left out is the HTTP server, which is not what is being tested here.

The document is held both ways: what it allows must be accepted (``positive_data_acceptance``)
and what it forbids refused (``negative_data_rejection``), besides no 5xx and every answer
matching its declared status, content type, headers and schema. The run is reproducible: a
fixed seed, Hypothesis derandomized, no example database. ``pytest -s`` shows what it sent and
what came back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from paperwire.api.reads import ARXIV_ID_EXAMPLES
from paperwire.api.schemas import SUBMIT_EXAMPLES
from paperwire.sources.arxiv_ids import parse_id_or_url
from tests.factories import account, paper, token_for

# Examples per operation in the fuzzing phase (the examples and coverage phases add theirs):
# the whole run stays well under two minutes on two cores, on either database.
EXAMPLES = 100
CSRF = "fuzzcsrftokenfuzzcsrftokenfuzzcs"  # any 32 letters: Django compares cookie and header
# The papers the document names in its examples (the fuzzer tries those first).
PAPERS = {parse_id_or_url(text).id for text in [*ARXIV_ID_EXAMPLES, *SUBMIT_EXAMPLES]}

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20250312,
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The fixture's token and session go with every case: none are generated.
            "with-security-parameters": False,
        },
        "checks": {
            # Listed, defaults or not, so that what the API is held to is read here.
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "positive_data_acceptance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
        },
        "operations": [
            {
                # A well-formed submission can still be refused for reasons no schema can
                # state: the paper is already on a list, hidden, or unknown to arXiv.
                "include-path": "/api/submit",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [201, 400, 401, 403, 429]}
                },
            }
        ],
    }
)

# Read from the running app when the module is collected (the document needs no database).
# schemathesis.pytest.from_fixture would defer it, but breaks on pytest 9 (it sets the
# removed Node._nodeid).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)

# (operation, method sent, status): the coverage phase also sends methods an operation lacks.
ANSWERS: Counter[tuple[str, str, int]] = Counter()


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Django closes the database connection when a request starts and ends; inside the test's
    transaction that would end it (PostgreSQL; an in-memory SQLite is never closed). Django's
    test client unhooks the same handler for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db, connection_kept, backend, settings) -> dict[str, Any]:
    """A catalogue to find, a writer's bearer token, and another account's signed-in session
    (so the token endpoints revoke that account's tokens, never the writer's)."""
    settings.SEMANTIC = False  # the model is tests/search's business
    # A new paper's submission asks arXiv: here nothing listens, and that is a 400.
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    settings.ARXIV_REQUEST_INTERVAL = 0
    for arxiv_id in sorted(PAPERS):
        paper(arxiv_id=arxiv_id, title=f"Diffusion models, part {arxiv_id}")
    backend.refresh_lexical()
    writer = account("writer@example.org")
    browser = Client()
    browser.force_login(account("session@example.org"))
    return {
        "headers": {"Authorization": f"Bearer {token_for(writer)}", "X-CSRFToken": CSRF},
        "cookies": {"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF},
    }


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """What the run sent and what came back, once at the end."""
    yield
    operations = sorted({operation for operation, _, _ in ANSWERS})
    print(f"\nfuzz: {sum(ANSWERS.values())} cases over {len(operations)} operations")
    for operation in operations:
        documented = operation.split()[0]
        answers = Counter(
            {
                str(status) if method == documented else f"{method} {status}": count
                for (name, method, status), count in ANSWERS.items()
                if name == operation
            }
        )
        print(f"  {operation}: " + ", ".join(f"{k} x{n}" for k, n in sorted(answers.items())))


# The two kinds of dependency between query parameters (x-dependencies, in IDL's notation)
# that the document declares.
ZERO_OR_ONE = re.compile(r"ZeroOrOne\((\w+(?:, \w+)+)\)")
SUM_AT_MOST = re.compile(r"(\w+) \+ (\w+) <= ([0-9]+)")


def broken_dependencies(case: schemathesis.Case[Any]) -> list[str]:
    """The operation's declared dependencies that this case's query breaks (a parameter left
    out counts as its default). None for the methods the coverage phase tries beside the
    operation's own: those are 405s whatever the query."""
    if case.method.upper() != case.operation.method.upper():
        return []
    definition = case.operation.definition.raw
    defaults = {
        p["name"]: p.get("schema", {}).get("default")
        for p in definition.get("parameters", [])
        if p["in"] == "query"
    }
    query = case.query or {}
    broken = []
    for rule in definition.get("x-dependencies", []):
        if match := ZERO_OR_ONE.fullmatch(rule):
            given = [name for name in match.group(1).split(", ") if query.get(name) is not None]
            if len(given) > 1:
                broken.append(rule)
        elif match := SUM_AT_MOST.fullmatch(rule):
            first, second, total = match.groups()
            a, b = (_integer(query.get(name, defaults[name])) for name in (first, second))
            if a is not None and b is not None and a + b > int(total):
                broken.append(rule)
        else:
            raise AssertionError(f"this test cannot read the dependency {rule!r}")
    return broken


def _integer(value: object) -> int | None:
    """A query value as the server reads an integer (some phases send integers as text)."""
    if type(value) is int:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        return int(value)
    return None


@schema.parametrize()
# An operation's examples share the fixture's catalogue and accounts on purpose: votes,
# submissions and tokens pile up as on a server, and 429s come when a budget runs out.
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_the_api_keeps_its_document(case, credentials):
    broken = broken_dependencies(case)
    if broken:
        # Valid for JSON Schema, refused by a declared dependency: a 400, JSON like the rest.
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance], **credentials)
        assert response.status_code == 400, (broken, case.query)
    else:
        response = case.call_and_validate(**credentials)
    ANSWERS[(case.operation.label, case.method, response.status_code)] += 1
