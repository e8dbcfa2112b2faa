"""Invitations: a signed, expiring, single-use link, mailed through the site's mail backend
to a real SMTP server, accepted only by the reader signed in with the invited address."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing

from paperwire.groups import (
    BadInvitation,
    GroupError,
    accept,
    invitation_for,
    invite,
    invite_token,
    is_member,
    withdraw,
)
from paperwire.groups.invitations import SALT
from tests.digests.conftest import SmtpSink
from tests.factories import account, group, membership_of


def _link(sink: SmtpSink) -> str:
    part = sink.messages[-1].get_body(("plain",))
    assert part is not None
    body = part.get_content()
    match = re.search(r"https?://\S+/groups/invite/(\S+)", body)
    assert match, body
    return match.group(1)


def test_an_owner_invites_by_mail_and_the_invited_address_joins(smtp_sink: SmtpSink):
    owner = account("owner@lab.org")
    made = group("Vision lab", owner=owner)
    invitation = invite(membership_of(owner, made), "  Colleague@Lab.org ")
    assert smtp_sink.rcpt_tos == ["colleague@lab.org"]
    message = smtp_sink.messages[0]
    assert "Join Vision lab" in message["Subject"]
    token = _link(smtp_sink)
    assert token == invite_token(invitation)

    colleague = account("colleague@lab.org")
    assert invitation_for(token).pk == invitation.pk
    joined = accept(invitation_for(token), colleague)
    assert joined.group == made
    assert joined.role == "member"
    with pytest.raises(BadInvitation, match="used already"):
        invitation_for(token)


def test_another_account_cannot_accept_a_forwarded_link(smtp_sink: SmtpSink):
    owner = account("owner@lab.org")
    made = group(owner=owner)
    invitation = invite(membership_of(owner, made), "colleague@lab.org")
    stranger = account("stranger@example.org")
    with pytest.raises(GroupError, match=r"sent to colleague@lab\.org"):
        accept(invitation, stranger)
    assert not is_member(stranger, made)


def _signed_ago(pk: int, seconds: int) -> str:
    """The link as it was signed ``seconds`` ago (the signer's own clock, moved back)."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - seconds)

    return Earlier(salt=SALT, sep=".").sign(str(pk))


def test_a_link_expires_after_the_configured_days(smtp_sink: SmtpSink, settings):
    settings.GROUP_INVITE_DAYS = 3
    owner = account("owner@lab.org")
    invitation = invite(membership_of(owner, group(owner=owner)), "late@lab.org")
    day = 24 * 3600
    assert invitation_for(_signed_ago(invitation.pk, 3 * day - 3600)).pk == invitation.pk
    with pytest.raises(BadInvitation, match="expired"):
        invitation_for(_signed_ago(invitation.pk, 3 * day + 3600))


def test_forged_and_withdrawn_links_are_refused(smtp_sink: SmtpSink):
    owner = account("owner@lab.org")
    member = membership_of(owner, group(owner=owner))
    invitation = invite(member, "someone@lab.org")
    token = invite_token(invitation)
    forged = signing.TimestampSigner(salt="another salt", sep=".").sign(str(invitation.pk))
    for bad in (forged, token[:-2] + "xx", "12.abc.def", str(invitation.pk)):
        with pytest.raises(BadInvitation, match="not valid"):
            invitation_for(bad)
    other_pk = signing.TimestampSigner(salt=SALT, sep=".").sign(str(invitation.pk + 1000))
    with pytest.raises(BadInvitation, match="withdrawn"):
        invitation_for(other_pk)
    withdraw(member, invitation.pk)
    with pytest.raises(BadInvitation, match="withdrawn"):
        invitation_for(token)


def test_only_owners_invite(smtp_sink: SmtpSink):
    owner, reader = account("owner@lab.org"), account("reader@lab.org")
    made = group(owner=owner, members=(reader,))
    with pytest.raises(GroupError, match="only the group's owners"):
        invite(membership_of(reader, made), "friend@lab.org")
    assert smtp_sink.messages == []


@pytest.mark.parametrize(
    "address",
    [
        "victim@lab.org\r\nBcc: everyone@example.org",
        "victim@lab.org\nSubject: hi",
        "Eve <eve@lab.org>",
        "a@lab.org, b@lab.org",
        "not an address",
        "",
    ],
)
def test_an_address_that_is_not_one_plain_address_is_refused(smtp_sink: SmtpSink, address: str):
    owner = account("owner@lab.org")
    with pytest.raises(GroupError):
        invite(membership_of(owner, group(owner=owner)), address)
    assert smtp_sink.messages == []


def test_a_hostile_group_name_stays_inside_the_subject(smtp_sink: SmtpSink):
    owner = account("owner@lab.org")
    made = group("Lab\r\nBcc: everyone@example.org\nX-Evil: 1", owner=owner)
    invite(membership_of(owner, made), "colleague@lab.org")
    envelope = smtp_sink.envelopes[0]
    assert envelope.rcpt_tos == ["colleague@lab.org"]
    message = envelope.message
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert "Bcc: everyone@example.org X-Evil: 1" in message["Subject"]


def test_a_mail_server_that_refuses_the_address_leaves_no_invitation(smtp_sink: SmtpSink):
    smtp_sink.fail("gone@lab.org", code=550, message="no such user")
    owner = account("owner@lab.org")
    made = group(owner=owner)
    with pytest.raises(GroupError, match=r"refused to deliver to gone@lab\.org"):
        invite(membership_of(owner, made), "gone@lab.org")
    assert made.invitations.count() == 0


def test_inviting_a_member_again_is_refused(smtp_sink: SmtpSink):
    owner, reader = account("owner@lab.org"), account("reader@lab.org")
    made = group(owner=owner, members=(reader,))
    with pytest.raises(GroupError, match="member already"):
        invite(membership_of(owner, made), "READER@lab.org")
