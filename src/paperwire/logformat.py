"""One log event, one line: what journald, grep and log shippers read without guessing.

``text`` is logfmt: ``time=… level=… logger=… msg="…"``, then ``exc="…"`` and ``traceback="…"``
when the event carries an exception. Values with spaces, quotes or ``=`` are quoted; a
newline inside a value (a traceback, a multi-line message) is written as ``\\n``, so an event
never spans lines and the whole traceback stays with its event. ``json`` writes the same keys
as one JSON object a line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Literal

_BARE = re.compile(r"[^\s\"=\\]+")


def _quoted(value: str) -> str:
    if value and _BARE.fullmatch(value):
        return value
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


class OneLineFormatter(logging.Formatter):
    """Each record as one line, ``output`` ``text`` (logfmt) or ``json``."""

    def __init__(self, output: Literal["text", "json"] = "text") -> None:
        super().__init__()
        self.output = output

    def fields(self, record: logging.LogRecord) -> dict[str, str]:
        when = dt.datetime.fromtimestamp(record.created, dt.UTC)
        fields = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            fields["exc"] = f"{type(error).__name__}: {error}"
            fields["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["traceback"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return fields

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        if self.output == "json":
            return json.dumps(fields, ensure_ascii=False)
        return " ".join(f"{key}={_quoted(value)}" for key, value in fields.items())
