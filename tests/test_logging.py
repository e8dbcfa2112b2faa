"""Logs are one event per line (logfmt, or JSON with PAPERWIRE_LOG_FORMAT=json), a traceback
inside its event, in a real process configured by paperwire's settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

# key=value pairs, a value bare or double-quoted with backslash escapes; nothing else.
PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"=\\]+)(?: |$)')

EVENTS = """
import logging, django
django.setup()
log = logging.getLogger("paperwire.test")
log.warning("plain")
log.warning("two\\nlines and \\"quotes\\" and key=value")
try:
    {}["missing"]
except KeyError:
    log.exception("it failed")
# An error in a page: Django's own request logger, with the traceback.
from django.test import Client
from django.urls import path
import paperwire.urls as urls
def broken(request):
    raise RuntimeError("a page that breaks")
urls.urlpatterns.insert(0, path("broken", broken))
Client(raise_request_exception=False).get("/broken", HTTP_HOST="localhost")
"""


def logfmt(line: str) -> dict[str, str]:
    fields, end = {}, 0
    for match in PAIR.finditer(line):
        assert match.start() == end, f"not key=value at {end}: {line!r}"
        key, value = match.groups()
        if value.startswith('"'):
            value = json.loads(value)  # the same escapes as JSON strings
        fields[key] = value
        end = match.end()
    assert end == len(line), f"left over: {line[end:]!r}"
    return fields


def run(log_format: str) -> list[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperwire.settings",
        "PAPERWIRE_LOG_FORMAT": log_format,
        "PAPERWIRE_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", EVENTS], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_each_event_is_one_line_with_its_traceback(log_format: str):
    lines = run(log_format)
    events = [json.loads(line) if log_format == "json" else logfmt(line) for line in lines]
    assert [e["msg"] for e in events] == [
        "plain",
        'two\nlines and "quotes" and key=value',
        "it failed",
        "Internal Server Error: /broken",
    ]
    assert {e["logger"] for e in events[:3]} == {"paperwire.test"}
    assert events[3]["logger"] == "django.request"
    assert [e["level"] for e in events] == ["WARNING", "WARNING", "ERROR", "ERROR"]
    assert events[2]["exc"] == "KeyError: 'missing'"
    assert events[2]["traceback"].startswith("Traceback (most recent call last):\n")
    assert events[3]["exc"] == "RuntimeError: a page that breaks"
    assert ", in broken\n" in events[3]["traceback"]  # where it was raised
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]) for e in events)
