"""The reader's library: collections of saved papers with private notes and tags, marks
(read, not interested, more / less like this), and the signals the personal ranking learns.

This is the package's public face; everything else in paperwire imports only these names
from ``paperwire.library``. They load on first use, because this is also a Django app
package, imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.library.addresses import (
        feed_collection,
        feed_token,
        public_collection,
        public_token,
        reader_feed_token,
        reader_for_feed,
    )
    from paperwire.library.core import (
        LibraryError,
        account_for_address,
        annotate,
        claim_address,
        clean_tags,
        collection_named,
        create_collection,
        default_collection,
        delete_collection,
        feed_key,
        listed_entries,
        mark,
        mark_address,
        mark_from_address,
        readers_with_signals,
        record_visit,
        remove,
        rename_collection,
        rotate_feed_key,
        save,
        set_public,
        unmark,
    )
    from paperwire.library.exports import (
        FORMATS,
        Format,
        bibtex_fields,
        cite_key,
        entries_of,
        export,
        paper_bibtex,
        to_bibtex,
        to_csv,
        to_json,
        to_ris,
    )
    from paperwire.library.feedfilters import FeedFilters, FilterError, canonical_query, pinned
    from paperwire.library.imports import (
        IMPORT_FORMATS,
        ImportReport,
        Unmatched,
        detect_format,
        import_library,
        title_key,
    )
    from paperwire.library.models import (
        DEFAULT_COLLECTION,
        Collection,
        Entry,
        Kind,
        Mark,
        Reader,
    )
    from paperwire.library.privacy import delete_reader_data, export_reader
    from paperwire.library.signals import (
        ReaderSignals,
        hidden_for,
        one_touch,
        reader_signals,
        signals_changed,
        touch,
    )

_HOMES = {
    **dict.fromkeys(
        ["feed_collection", "feed_token", "public_collection", "public_token",
         "reader_feed_token", "reader_for_feed"],
        "addresses",
    ),
    **dict.fromkeys(
        [
            "LibraryError", "account_for_address", "annotate", "claim_address", "clean_tags",
            "collection_named", "create_collection", "default_collection", "delete_collection",
            "feed_key", "listed_entries", "mark", "mark_address", "mark_from_address",
            "record_visit", "remove",
            "rename_collection", "readers_with_signals", "rotate_feed_key", "save", "set_public",
            "unmark"
        ],
        "core",
    ),
    **dict.fromkeys(
        ["DEFAULT_COLLECTION", "Collection", "Entry", "Kind", "Mark", "Reader"], "models"
    ),
    **dict.fromkeys(["delete_reader_data", "export_reader"], "privacy"),
    **dict.fromkeys(["FeedFilters", "FilterError", "canonical_query", "pinned"], "feedfilters"),
    **dict.fromkeys(
        ["ReaderSignals", "hidden_for", "one_touch", "reader_signals", "signals_changed",
         "touch"],
        "signals",
    ),
    **dict.fromkeys(
        [
            "FORMATS", "Format", "bibtex_fields", "cite_key", "entries_of", "export",
            "paper_bibtex", "to_bibtex", "to_csv", "to_json", "to_ris",
        ],
        "exports",
    ),
    **dict.fromkeys(
        [
            "IMPORT_FORMATS", "ImportReport", "Unmatched", "detect_format", "import_library",
            "title_key",
        ],
        "imports",
    ),
}  # fmt: skip

__all__ = [
    "DEFAULT_COLLECTION",
    "FORMATS",
    "IMPORT_FORMATS",
    "Collection",
    "Entry",
    "FeedFilters",
    "FilterError",
    "Format",
    "ImportReport",
    "Kind",
    "LibraryError",
    "Mark",
    "Reader",
    "ReaderSignals",
    "Unmatched",
    "account_for_address",
    "annotate",
    "bibtex_fields",
    "canonical_query",
    "cite_key",
    "claim_address",
    "clean_tags",
    "collection_named",
    "create_collection",
    "default_collection",
    "delete_collection",
    "delete_reader_data",
    "detect_format",
    "entries_of",
    "export",
    "export_reader",
    "feed_collection",
    "feed_key",
    "feed_token",
    "hidden_for",
    "import_library",
    "listed_entries",
    "mark",
    "mark_address",
    "mark_from_address",
    "one_touch",
    "paper_bibtex",
    "pinned",
    "public_collection",
    "public_token",
    "reader_feed_token",
    "reader_for_feed",
    "reader_signals",
    "readers_with_signals",
    "record_visit",
    "remove",
    "rename_collection",
    "rotate_feed_key",
    "save",
    "set_public",
    "signals_changed",
    "title_key",
    "to_bibtex",
    "to_csv",
    "to_json",
    "to_ris",
    "touch",
    "unmark",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.library' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.library.{home}"), name)
    globals()[name] = value
    return value
