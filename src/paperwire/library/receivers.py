"""Where the library listens to the rest of paperwire: an address's signals follow it into
the account that signs up (or signs in) with it."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import (  # type: ignore[import-untyped]
    user_logged_in,
    user_signed_up,
)
from django.dispatch import receiver

from paperwire.library.core import claim_address


@receiver(user_signed_up)
@receiver(user_logged_in)
def _claim_signals_of_the_address(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Signing in by a code mailed to the address proves the reader owns it.
    if getattr(user, "email", ""):
        claim_address(user, user.email)
