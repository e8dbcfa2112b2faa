"""The base of every paperwire command: Django's plumbing options kept out of --help."""

from __future__ import annotations

from django.core.management.base import BaseCommand


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
