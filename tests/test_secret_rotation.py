"""Rotating PAPERWIRE_SECRET_KEY with PAPERWIRE_SECRET_KEY_FALLBACKS (docs/operations.md):
with the old key among the fallbacks, readers stay signed in and links mailed before keep
working; without it, both stop, which is what rotating after a leak is for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from paperwire.digests.links import make_token
from tests import factories

OLD, NEW = "old-key-" + "o" * 50, "new-key-" + "n" * 50


def settings_in_child(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY_FALLBACKS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "paperwire.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_fallbacks_are_read_from_the_variable_or_a_file(tmp_path: Path):
    listed = settings_in_child(PAPERWIRE_SECRET_KEY_FALLBACKS=" first , second,")
    assert listed.stdout.strip() == "['first', 'second']", listed.stderr
    keys = tmp_path / "fallbacks"
    keys.write_text("from-a-file\n")
    filed = settings_in_child(PAPERWIRE_SECRET_KEY_FALLBACKS_FILE=str(keys))
    assert filed.stdout.strip() == "['from-a-file']", filed.stderr
    assert settings_in_child().stdout.strip() == "[]"


@pytest.mark.django_db
def test_with_the_old_key_as_a_fallback_nothing_signed_before_breaks(settings: Any):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD, []
    ada, carol = Client(), Client()
    ada.force_login(factories.account("ada@example.org"))
    carol.force_login(factories.account("carol@example.org"))
    subscriber = factories.subscriber("bob@example.org")
    manage = f"/subscriptions/manage/{make_token(subscriber.pk, 'manage')}"

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert ada.get("/account").status_code == 200  # still signed in...
    assert Client().get(manage).status_code == 200  # ...and last week's mail's link works
    assert make_token(subscriber.pk, "manage") not in manage  # new links: the new key

    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped (after a leak, at once)
    assert Client().get(manage).status_code == 400
    # Carol did not come back while the old key was a fallback: signed out. Ada did, and her
    # session was moved to the new key then.
    assert carol.get("/account").status_code == 302
    assert ada.get("/account").status_code == 200
