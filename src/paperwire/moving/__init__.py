"""Moving up: a whole instance written to one file (``paperwire dump``) and read into another
database of either kind (``paperwire load``), SQLite to PostgreSQL and back.

This is the package's public face. It reads every other app, so nothing of paperwire imports
it but its own commands and tests. The names load on first use, because this is also a
Django app package, imported before the models may be. (The modules are named apart from
the functions, so that importing one never hides the other.)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.moving.fileformat import FORMAT, FORMAT_VERSION, DumpRefused, read_header
    from paperwire.moving.reader import LoadSummary, load
    from paperwire.moving.tables import EXCLUDED, Plan, plan
    from paperwire.moving.writer import DumpSummary, dump

_HOMES = {
    "dump": "writer",
    "DumpSummary": "writer",
    "load": "reader",
    "LoadSummary": "reader",
    "FORMAT": "fileformat",
    "FORMAT_VERSION": "fileformat",
    "DumpRefused": "fileformat",
    "read_header": "fileformat",
    "EXCLUDED": "tables",
    "Plan": "tables",
    "plan": "tables",
}

__all__ = [
    "EXCLUDED",
    "FORMAT",
    "FORMAT_VERSION",
    "DumpRefused",
    "DumpSummary",
    "LoadSummary",
    "Plan",
    "dump",
    "load",
    "plan",
    "read_header",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.moving' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.moving.{home}"), name)
    globals()[name] = value
    return value
