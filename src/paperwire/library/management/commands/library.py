"""paperwire library import EMAIL FILE | export EMAIL"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# allauth ships no type information
from allauth.account.utils import filter_users_by_email  # type: ignore[import-untyped]
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.library import FORMATS, LibraryError, entries_of, export, import_library

# Below this many entries an import is over before a bar would say anything.
BAR_FROM = 50


class Command(PaperwireCommand):
    help = "Import a reader's library from BibTeX, RIS or a Zotero CSV export, or export it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{import,export}")
        actions.required = True
        imp = actions.add_parser(
            "import",
            help="import BibTeX, RIS, a Zotero CSV export or paperwire's JSON into an account",
            description="Import a library into the account with this e-mail address. Entries "
            "are matched to catalogue papers by arXiv id, then DOI, then exact title; an arXiv "
            "id the catalogue lacks is fetched from arXiv. Notes and tags come along. Entries "
            "that match nothing are listed by line with the reason; the rest is imported. "
            "Safe to run again: nothing is added twice, and no note is overwritten.",
        )
        imp.add_argument("email", metavar="EMAIL")
        imp.add_argument("path", metavar="FILE", help=".bib, .ris, .csv or .json")
        imp.add_argument(
            "--collection",
            metavar="NAME",
            help="save into this collection (made if needed); default: the collection each "
            'entry names in a paperwire export, else "Saved"',
        )
        imp.add_argument(
            "--format",
            choices=["bibtex", "ris", "csv", "json"],
            help="the file's format, when its extension does not say",
        )
        imp.add_argument(
            "--no-fetch",
            action="store_true",
            help="never ask arXiv for papers not in the catalogue",
        )
        imp.add_argument("--no-progress", action="store_true", help="no progress bar")
        exp = actions.add_parser(
            "export",
            help="write an account's library (or one collection) as BibTeX, RIS, CSV or JSON",
            description="Write the library of the account with this e-mail address to standard "
            "output (or --output FILE): one collection, or every collection.",
        )
        exp.add_argument("email", metavar="EMAIL")
        exp.add_argument("--collection", metavar="NAME", help="only this collection")
        exp.add_argument("--format", choices=list(FORMATS), required=True)
        exp.add_argument("--output", metavar="FILE", type=Path, help="write here, not to stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        user = _reader(options["email"])
        try:
            if options["action"] == "import":
                self.import_file(user, options)
            else:
                self.export(user, options)
        except LibraryError as exc:
            raise CommandError(str(exc)) from None

    def import_file(self, user: Any, options: dict[str, Any]) -> None:
        path = Path(options["path"]).expanduser()
        if not path.is_file():
            raise CommandError(f"no such file: {options['path']}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        bar: tqdm[Any] | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if options["no_progress"] or total < BAR_FROM:
                return
            if bar is None:
                bar = tqdm(total=total, unit="entry", desc="import", file=self.stderr)
            bar.update(done - bar.n)

        try:
            report = import_library(
                user,
                data,
                filename=path.name,
                fmt=options["format"],
                collection=options["collection"],
                fetch_missing=not options["no_fetch"],
                progress=progress,
            )
        finally:
            if bar is not None:
                bar.close()
        for warning in report.warnings:
            self.stderr.write(f"note: {warning}")
        self.stdout.write(report.line())
        for unmatched in report.unmatched:
            self.stdout.write(f"  {unmatched}")

    def export(self, user: Any, options: dict[str, Any]) -> None:
        text = export(entries_of(user, options["collection"]), options["format"])
        if options["output"] is None:
            self.stdout.write(text, ending="")
            return
        try:
            options["output"].write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc.strerror}") from None


def _reader(email: str) -> Any:
    address = email.strip()
    users = filter_users_by_email(address, prefer_verified=True) if address else []
    if not users:
        raise CommandError(f"no account has the address {email.strip()[:100]!r}")
    return users[0]
