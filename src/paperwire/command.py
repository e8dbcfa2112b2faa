"""The base of every paperwire command: Django's plumbing options kept out of --help."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class PaperwireCommand(BaseCommand):
    # Still accepted, just not shown: a researcher reading `paperwire import --help` needs
    # the import's options, not Django's --settings and --pythonpath.
    suppressed_base_arguments = {
        "--version",
        "--settings",
        "--pythonpath",
        "--no-color",
        "--force-color",
        "--skip-checks",
        "--verbosity",
    }


def date_option(value: str) -> dt.date:
    """A YYYY-MM-DD command-line value, or a one-line error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None
