"""Which index rebuilds are unfinished: the one record of it, kept in the database so every
backend, process and node sees it.

A full rebuild names the parts it is rebuilding and clears each as it finishes. A part still
named when the next run starts was cut short (a kill, a crash): nothing of a half-built index
is worth keeping (it is derived from the database), so that run rebuilds the part from the
start, even with --if-needed. Loading a whole instance (``paperwire load``) names both parts,
so no index built from the database that was there before survives.
"""

from __future__ import annotations

from typing import Any

REBUILDING = "reindex:rebuilding"
LEXICAL, VECTORS = "keyword index", "vector index"


def _meta(model: Any) -> Any:
    if model is not None:
        return model
    from paperwire.search.models import SearchMeta

    return SearchMeta


def unfinished(meta: Any = None) -> set[str]:
    """The parts a rebuild left unfinished (or a load left to rebuild)."""
    value = _meta(meta).objects.filter(name=REBUILDING).values_list("value", flat=True).first()
    return set(value.split(",")) if value else set()


def mark_unfinished(parts: set[str], meta: Any = None) -> None:
    if parts:
        _meta(meta).objects.update_or_create(
            name=REBUILDING, defaults={"value": ",".join(sorted(parts))}
        )
    else:
        _meta(meta).objects.filter(name=REBUILDING).delete()


def mark_indexes_stale(meta: Any = None) -> None:
    """Forget this database's identity and name both indexes as to be rebuilt: index files
    built from any other database are then refused as stale. ``meta`` is the SearchMeta model
    of a migration's or a loader's app registry, when the caller has one."""
    model = _meta(meta)
    model.objects.all().delete()
    mark_unfinished({LEXICAL, VECTORS}, model)
