"""Signals the catalogue's writers send, so that what is downstream (the search indexes)
can follow without the writers knowing about it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after an import, harvest or add has committed changes to papers. Receivers get
# ``changed`` (how many papers were new or updated), ``progress`` (show progress bars) and
# ``search`` (False after `import --no-index`: the search indexes wait for `paperwire reindex`,
# while small derived tables, such as the author pages' names, still follow at once).
# They may return a line for the command to print.
papers_changed = Signal()
