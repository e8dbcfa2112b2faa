"""Signals the catalogue's writers send, so that what is downstream (the search indexes)
can follow without the writers knowing about it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after an import, harvest or add has committed changes to papers. Receivers get
# ``changed`` (how many papers were new or updated) and ``progress`` (show progress bars).
# They may return a line for the command to print.
papers_changed = Signal()
