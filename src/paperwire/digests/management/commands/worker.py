"""paperwire worker: the task queue's consumer — scheduled digests and the daily harvest.

At start it logs, one line each, what it is configured to do: its queue, every scheduled
entry (what, when), the categories it harvests, the mail server (host and port, never the
password), so an operator reading the journal sees the configuration the worker really has.

It harvests ``settings.HARVEST_CATEGORIES`` (its default and why are in settings.py);
``--no-harvest`` turns the harvest off for this worker.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.test.utils import override_settings
from django.utils.module_loading import autodiscover_modules

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema

log = logging.getLogger("paperwire.worker")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def queue_description() -> str:
    """Where the queue is, without user or password."""
    config = settings.HUEY
    if "url" in config:
        parts = urlsplit(str(config["url"]))
        port = f":{parts.port}" if parts.port else ""
        return f"redis {parts.scheme}://{parts.hostname}{port}{parts.path}"
    return f"sqlite {config.get('filename')}"


def mail_description() -> str:
    backend = settings.EMAIL_BACKEND
    if backend.endswith("smtp.EmailBackend"):
        security = (
            "ssl" if settings.EMAIL_USE_SSL else "starttls" if settings.EMAIL_USE_TLS else "plain"
        )
        user = " with a login" if settings.EMAIL_HOST_USER else ""
        return f"smtp {settings.EMAIL_HOST}:{settings.EMAIL_PORT} ({security}){user}"
    if backend.endswith("console.EmailBackend"):
        return "console (messages are printed, not sent: set PAPERWIRE_SMTP_URL)"
    return backend.rsplit(".", 2)[-2] if "anymail" in backend else backend


def schedule_lines() -> list[str]:
    """What the hourly check starts, and when (paperwire.schedule.PERIODIC, as configured)."""
    from paperwire.schedule import PERIODIC, TIME_ZONE_SETTING

    zone = getattr(settings, TIME_ZONE_SETTING)
    lines = []
    for periodic in PERIODIC:
        if periodic.only_if_setting and not getattr(settings, periodic.only_if_setting):
            lines.append(f"schedule: {periodic.name}: off ({periodic.only_if_setting} is empty)")
            continue
        when = f"{getattr(settings, periodic.hour_setting):02d}:00 {zone}"
        if periodic.weekday_setting:
            when = f"{WEEKDAYS[getattr(settings, periodic.weekday_setting)]}s at {when}"
        else:
            when = f"every day at {when}"
        lines.append(f"schedule: {periodic.name}: {when}")
    return lines


def configuration_lines(workers: int) -> list[str]:
    from huey.contrib.djhuey import HUEY

    lines = [f"queue: {queue_description()}, {workers} worker threads"]
    lines += schedule_lines()
    categories = ",".join(settings.HARVEST_CATEGORIES) or "none"
    lines.append(f"harvest categories: {categories} (arXiv API, three days back each time)")
    periodic = sorted(f"{type(t).__module__}.{t.name}" for t in HUEY._registry.periodic_tasks)
    lines.append(f"periodic tasks: {', '.join(periodic)}")
    lines.append(f"mail: {mail_description()}, from {settings.DEFAULT_FROM_EMAIL}")
    return lines


class Command(PaperwireCommand):
    help = (
        "Run the background worker (Huey): digests at PAPERWIRE_DIGEST_HOUR, the arXiv harvest "
        "at PAPERWIRE_HARVEST_HOUR (PAPERWIRE_HARVEST_CATEGORIES, by default cs.AI, cs.CL, "
        "cs.CV and cs.LG). Its queue is a SQLite file in the data directory, or "
        "Redis when PAPERWIRE_QUEUE_URL says so. Logs its configuration at start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
        parser.add_argument(
            "--no-harvest",
            action="store_true",
            help="harvest nothing, whatever PAPERWIRE_HARVEST_CATEGORIES says",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        # The hourly check is not in an app's tasks module, which run_huey finds by itself.
        import paperwire.schedule  # noqa: F401

        autodiscover_modules("tasks")  # what run_huey imports, so the list below is complete
        categories = [] if options["no_harvest"] else settings.HARVEST_CATEGORIES
        # The schedule and the harvest task read the setting in this process (the consumer's
        # threads run here), so the worker's choice holds for everything it runs.
        with override_settings(HARVEST_CATEGORIES=categories):
            # At INFO even when PAPERWIRE_LOG_LEVEL hides other INFO lines: asked for once.
            if log.getEffectiveLevel() > logging.INFO:
                log.setLevel(logging.INFO)
            for line in configuration_lines(options["workers"]):
                log.info("%s", line)
            call_command("run_huey", workers=options["workers"], worker_type="thread")
