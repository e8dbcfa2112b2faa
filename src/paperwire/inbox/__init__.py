"""A reader's notifications: replies to their comments, comments on papers they saved or
wrote; shown in an inbox and, unless turned off, mailed.

This is the package's public face; everything else in paperwire imports only these names
from ``paperwire.inbox``. They load on first use, because this is also a Django app package,
imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.inbox.core import (
        VISIBLE,
        InboxError,
        account_for_token,
        inbox_for,
        mail_off,
        mark_read,
        notify,
        preferences,
        set_preference,
        unread_count,
        unsubscribe,
        unsubscribe_token,
        wants_mail,
    )
    from paperwire.inbox.models import STRENGTH, Kind, Notification, Preference

_HOMES = {
    **dict.fromkeys(
        [
            "VISIBLE", "InboxError", "account_for_token", "inbox_for", "mail_off", "mark_read",
            "notify", "preferences", "set_preference", "unread_count", "unsubscribe",
            "unsubscribe_token", "wants_mail",
        ],
        "core",
    ),
    **dict.fromkeys(["STRENGTH", "Kind", "Notification", "Preference"], "models"),
}  # fmt: skip

__all__ = [
    "STRENGTH",
    "VISIBLE",
    "InboxError",
    "Kind",
    "Notification",
    "Preference",
    "account_for_token",
    "inbox_for",
    "mail_off",
    "mark_read",
    "notify",
    "preferences",
    "set_preference",
    "unread_count",
    "unsubscribe",
    "unsubscribe_token",
    "wants_mail",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.inbox' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.inbox.{home}"), name)
    globals()[name] = value
    return value
