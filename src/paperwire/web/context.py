"""What every page's template knows."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_name": settings.SITE_NAME,
        "social_providers": sorted(settings.SOCIALACCOUNT_PROVIDERS),
    }


def user_display(user: object) -> str:
    """How the site and its mails name an account: by its address (there are no usernames)."""
    return str(getattr(user, "email", "") or user)
