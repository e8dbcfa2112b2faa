"""Writes docs/cli.md from the commands' real --help (run by `make docs`; checked by a test)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

COMMANDS: list[tuple[str, ...]] = [
    ("init",),
    ("import",),
    ("import", "kaggle"),
    ("import", "jsonl"),
    ("import", "hf-daily"),
    ("harvest",),
    ("harvest", "arxiv"),
    ("harvest", "oai"),
    ("add",),
    ("stats",),
    ("search",),
    ("similar",),
    ("reindex",),
    ("embed",),
    ("prepare_model",),
    ("serve",),
    ("subscribers",),
    ("subscribers", "import"),
    ("subscribers", "list"),
    ("digest",),
    ("digest", "send"),
    ("digest", "preview"),
    ("notices",),
    ("notices", "send"),
    ("notices", "status"),
    ("worker",),
    ("token",),
    ("token", "create"),
    ("token", "list"),
    ("token", "revoke"),
    ("library",),
    ("library", "import"),
    ("library", "export"),
    ("recommend",),
    ("comments",),
    ("comments", "held"),
    ("comments", "approve"),
    ("comments", "hide"),
    ("comments", "block"),
    ("people",),
    ("people", "show"),
    ("people", "reindex"),
    ("people", "follows"),
    ("claims",),
    ("claims", "list"),
    ("claims", "approve"),
    ("claims", "reject"),
    ("group",),
    ("group", "list"),
    ("group", "show"),
    ("group", "export"),
    ("group", "add-member"),
    ("group", "remove-member"),
]
OUT = Path(__file__).with_name("cli.md")


def help_text(command: tuple[str, ...]) -> str:
    from django.core.management import load_command_class

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix it for stable docs
    name, *sub = command
    parser = load_command_class(_app_of(name), name).create_parser("paperwire", name)
    for part in sub:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = actions[0].choices[part]
    return parser.format_help().rstrip()


def _app_of(name: str) -> str:
    from django.core.management import get_commands

    return get_commands()[name]


def render() -> str:
    parts = [
        "# The `paperwire` command line\n",
        "Generated from each command's `--help` by `docs/cli_reference.py` (`make docs`).",
        "Every command exits non-zero with a one-line `CommandError: ...` on bad input, and any",
        "command started with a bad `PAPERWIRE_*` value prints one line naming it and exits 2.\n",
        "## Interrupted jobs\n",
        "Every long job can be killed at any time (`tests/commands/test_killable.py` kills each",
        "with SIGKILL and runs it again). Imports and harvests resume at their checkpoint and say",
        "`Resuming … at …`; an OAI harvest whose resumption token expired says so and starts",
        "again; `embed` says how many papers are done and how many to go; a `reindex` cut short",
        "is started over and says so (the keyword index served meanwhile is the previous one);",
        "`digest send` never sends a digest twice and counts one left in flight as sent.\n",
    ]
    for command in COMMANDS:
        parts.append(f"## `paperwire {' '.join(command)}`\n")
        parts.append("```\n" + help_text(command) + "\n```\n")
    return "\n".join(parts)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    OUT.write_text(render())
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
