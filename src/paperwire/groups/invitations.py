"""Invitations by e-mail: a signed, expiring link, mailed through the site's mail backend.

The link signs the invitation's primary key with ``django.core.signing.TimestampSigner`` under
a salt of its own, so it cannot be forged, and it expires after ``GROUP_INVITE_DAYS`` days.
It is good once: accepting it (or the owner withdrawing it, which deletes the row) ends it.

Accepting needs the reader to be signed in with the address the invitation was sent to.
Sign-in is by a code mailed to the address, so this proves the reader holds that mailbox; a
link forwarded to someone else (or read from a shared inbox log, a proxy, a browser history)
therefore lets nobody else in. The group's owner decides who reads with the group, not
whoever gets hold of the link.

The address and the group's name are untrusted: an address must be one valid address with no
line breaks or display name, and the name (already a single line, see ``core.clean_name``) is
placed only in the subject and the plain-text body, never in a header of its own making;
Django's mail refuses any header with a line break as a last guard.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from paperwire.groups.core import GroupError, NotFound, add_member
from paperwire.groups.models import Group, Invitation, Membership
from paperwire.mailconfig import server_problem

log = logging.getLogger(__name__)

SALT = "paperwire.groups.invite"
MAX_PENDING = 200  # invitations a group may have outstanding at once


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, sep=".")


def max_age_seconds() -> int:
    return int(settings.GROUP_INVITE_DAYS) * 24 * 3600


def invite_token(invitation: Invitation) -> str:
    return _signer().sign(str(invitation.pk))


def invite_path(invitation: Invitation) -> str:
    return f"/groups/invite/{invite_token(invitation)}"


class BadInvitation(GroupError):
    """A link that is forged, expired, withdrawn or used already; the message says which."""


def invitation_for(token: str) -> Invitation:
    """The open invitation ``token`` names, or BadInvitation saying why not."""
    try:
        pk = int(_signer().unsign(token[:200], max_age=max_age_seconds()))
    except signing.SignatureExpired:
        raise BadInvitation(
            f"this invitation has expired (links last {settings.GROUP_INVITE_DAYS} days): "
            "ask the group's owner for a new one"
        ) from None
    except (signing.BadSignature, ValueError):
        raise BadInvitation("this invitation link is not valid") from None
    found = Invitation.objects.select_related("group").filter(pk=pk).first()
    if found is None:
        raise BadInvitation("this invitation was withdrawn: ask the group's owner for a new one")
    if found.accepted_at is not None:
        raise BadInvitation("this invitation has been used already")
    return found


def clean_address(email: str) -> str:
    """One plain address, lower-cased; anything else (a display name, a list, a line break)
    is refused in one line."""
    text = str(email).strip()
    if not text or any(c in text for c in '\r\n,;<>"') or len(text) > 254:
        raise GroupError("give one e-mail address, such as colleague@lab.org")
    try:
        validate_email(text)
    except ValidationError:
        raise GroupError(f"{text[:80]!r} is not an e-mail address") from None
    return text.lower()


def invite(member: Membership, email: str) -> Invitation:
    """Invite ``email`` to the member's group and mail the link; the group's owners only."""
    if not member.is_owner:
        raise GroupError("only the group's owners can invite")
    address = clean_address(email)
    group = member.group
    if group.memberships.filter(user__email__iexact=address).exists():
        raise GroupError(f"{address} is a member already")
    if group.invitations.filter(accepted_at__isnull=True).count() >= MAX_PENDING:
        raise GroupError(f"the group has {MAX_PENDING} open invitations: withdraw some first")
    with transaction.atomic():
        invitation = Invitation.objects.create(group=group, email=address, invited_by=member.user)
        try:
            send(invitation)
        except smtplib.SMTPRecipientsRefused:
            # The row goes with the transaction: no invitation that was never mailed.
            raise GroupError(
                f"the mail server refused to deliver to {address}: check the address"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            log.error("group invitation not sent: %s", server_problem(exc))
            raise GroupError(
                "the invitation could not be mailed just now: the mail server is not "
                "answering; try again in a few minutes"
            ) from None
    return invitation


def send(invitation: Invitation) -> None:
    group = invitation.group
    inviter = getattr(invitation.invited_by, "email", "") or "A member"
    link = settings.BASE_URL.rstrip("/") + invite_path(invitation)
    # Subject: one line whatever the name holds (names are single-line already; this keeps
    # the rule here, beside the header it protects).
    subject = " ".join(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Join {group.name}".split())
    body = (
        f"{inviter} invites you to the group “{group.name}” on {settings.SITE_NAME}: shared\n"
        "collections of papers and a reading queue.\n\n"
        f"Join here (sign in with this address, {invitation.email}):\n\n{link}\n\n"
        f"The link works for {settings.GROUP_INVITE_DAYS} days. If you do not know the "
        "sender, ignore this mail.\n"
    )
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email]).send()


def accept(invitation: Invitation, user: Any) -> Membership:
    """The signed-in reader joins, if the invitation was sent to their address."""
    if not getattr(user, "is_authenticated", False):
        raise GroupError("sign in to accept the invitation")
    if (user.email or "").strip().lower() != invitation.email.lower():
        raise GroupError(
            f"this invitation was sent to {invitation.email}: sign in with that address to accept"
        )
    with transaction.atomic():
        # Claimed once: a conditional UPDATE, so two tabs cannot both use it.
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if not claimed:
            raise BadInvitation("this invitation has been used already")
        return add_member(invitation.group, user)


def withdraw(member: Membership, invitation_id: int) -> None:
    if not member.is_owner:
        raise GroupError("only the group's owners can withdraw invitations")
    gone = Invitation.objects.filter(
        pk=invitation_id, group=member.group, accepted_at__isnull=True
    ).delete()[0]
    if not gone:
        raise NotFound("there is no such open invitation")


def pending(group: Group) -> list[Invitation]:
    return list(group.invitations.filter(accepted_at__isnull=True).order_by("-created_at"))
