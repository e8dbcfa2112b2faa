"""The docs keep up with the code: every PAPERWIRE_ variable read anywhere is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_is_documented():
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"\"(PAPERWIRE_[A-Z_]+)\"", path.read_text()))
    docs = (ROOT / "docs/configuration.md").read_text()
    documented = set(re.findall(r"^### `(PAPERWIRE_[A-Z_]+)`", docs, re.MULTILINE))
    assert used, "no PAPERWIRE_ variables found: the scan is broken"
    assert used - documented == set()


def test_the_readme_opens_with_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    assert "make demo" in head
    assert "make test" in head


def test_the_cli_reference_matches_the_commands_help():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "docs/cli_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs/cli.md").read_text() == module.render(), "run `make docs`"


def test_the_suite_runs_in_a_data_directory_of_its_own():
    from django.conf import settings

    assert Path.home() / ".local" / "share" / "paperwire" != settings.DATA_DIR
