"""Sign-in mail (django-allauth): a mail server that cannot be reached is the visitor's clear
page and one log line naming the setting to check, not a server error.

``settings.ACCOUNT_ADAPTER`` names ``AccountAdapter``. Every mail allauth sends (sign-in codes,
address confirmations, "no account with this address") goes through ``send_mail``.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

# allauth and anymail ship no type information
from allauth.account.adapter import DefaultAccountAdapter  # type: ignore[import-untyped]
from allauth.core import context as allauth_context  # type: ignore[import-untyped]
from allauth.core.exceptions import ImmediateHttpResponse  # type: ignore[import-untyped]
from anymail.exceptions import (  # type: ignore[import-untyped]
    AnymailAPIError,
    AnymailRecipientsRefused,
)
from django.shortcuts import render

from paperwire.mailconfig import server_problem

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "We could not send you the e-mail just now: our mail server is not answering. "
    "Nothing is wrong with your address; please try again in a few minutes."
)
REFUSED = "The mail server refused to deliver to this address. Please check it and try again."


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused) as exc:
            # The visitor's own address, not the server: say so, and that is all.
            log.warning("sign-in mail to %s refused: %s", email, " ".join(str(exc).split()))
            raise ImmediateHttpResponse(_page(400, REFUSED)) from exc
        except (smtplib.SMTPException, OSError, AnymailAPIError) as exc:
            log.error("sign-in mail not sent: %s", server_problem(exc))
            raise ImmediateHttpResponse(_page(503, UNAVAILABLE)) from exc


def _page(status: int, message: str) -> Any:
    # allauth's own way to the request inside an adapter method (its send_mail does the same)
    request = allauth_context.request
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)
