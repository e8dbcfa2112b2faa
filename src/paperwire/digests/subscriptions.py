"""Subscribing, confirming (double opt-in), changing and leaving a subscription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from paperwire.digests import links
from paperwire.digests.models import Delivery, Frequency, Subscriber, Topic

MAX_TOPICS = 10
MAX_TOPIC_CHARS = 300
# A second confirmation mail to the same address waits this long: a form cannot be used to
# flood somebody's inbox.
RESEND_AFTER = dt.timedelta(minutes=10)


class SubscriptionError(ValueError):
    """Input that cannot be taken; the message is for the person who typed it."""


def clean_email(text: str) -> str:
    email = (text or "").strip()
    if len(email) > 254 or any(ch in email for ch in "\r\n\0"):
        raise SubscriptionError("that is not an e-mail address")
    try:
        validate_email(email)
    except ValidationError:
        raise SubscriptionError("that is not an e-mail address") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def clean_topics(lines: Iterable[str]) -> list[str]:
    topics: list[str] = []
    for line in lines:
        # Control characters (newlines included) never survive into a stored topic.
        text = " ".join("".join(ch if ch.isprintable() else " " for ch in line).split())
        if text and text not in topics:
            topics.append(text[:MAX_TOPIC_CHARS])
    if len(topics) > MAX_TOPICS:
        raise SubscriptionError(f"at most {MAX_TOPICS} topics")
    return topics


def clean_frequency(text: str) -> str:
    if text not in Frequency.values:
        raise SubscriptionError("frequency must be daily or weekly")
    return text


@dataclass(frozen=True)
class Subscribed:
    subscriber: Subscriber
    confirmation_sent: bool


def subscribe(
    email: str,
    frequency: str = Frequency.DAILY,
    topics: Iterable[str] = (),
    *,
    user: AbstractBaseUser | None = None,
    include_trending: bool = True,
) -> Subscribed:
    """Record the wish and mail a confirmation link; nothing else is sent until it is used.

    An address that is already confirmed keeps its subscription untouched (otherwise anyone
    could change anyone's topics); it gets the manage link by mail instead.
    """
    address = clean_email(email)
    wanted_topics = clean_topics(topics)
    frequency = clean_frequency(frequency)
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=address, defaults={"frequency": frequency, "include_trending": include_trending}
        )
        if not created and subscriber.confirmed_at and not subscriber.unsubscribed_at:
            purpose = "manage"
        else:
            purpose = "confirm"
            subscriber.frequency = frequency
            subscriber.include_trending = include_trending
            if subscriber.unsubscribed_at is not None:
                # Whoever left must opt in again: a form cannot resubscribe them.
                subscriber.confirmed_at = None
                subscriber.unsubscribed_at = None
            if user is not None and getattr(user, "email", "").lower() == address:
                subscriber.user_id = user.pk
            subscriber.save()
            set_topics(subscriber, wanted_topics)
        recent = (
            subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < RESEND_AFTER
        )
        if recent:
            return Subscribed(subscriber, False)
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
    _send_link_mail(subscriber, purpose)
    return Subscribed(subscriber, True)


def set_topics(subscriber: Subscriber, topics: list[str]) -> None:
    with transaction.atomic():
        subscriber.topics.exclude(query__in=topics).delete()
        existing = set(subscriber.topics.values_list("query", flat=True))
        Topic.objects.bulk_create(
            [Topic(subscriber=subscriber, query=q) for q in topics if q not in existing]
        )


def confirm(token: str) -> Subscriber:
    subscriber_id = links.read_token(token, "confirm", max_age=links.CONFIRM_MAX_AGE)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise links.BadLink("this subscription no longer exists")
    if subscriber.confirmed_at is None or subscriber.bounced_at is not None:
        # Opening the link proves the address takes mail again: a bounce mark is lifted.
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.bounced_at = None
        subscriber.bounce_reason = ""
        subscriber.save(update_fields=["confirmed_at", "bounced_at", "bounce_reason"])
    return subscriber


def from_manage_token(token: str) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=links.read_token(token, "manage")).first()
    if subscriber is None:
        raise links.BadLink("this subscription no longer exists")
    return subscriber


def unsubscribe(token: str) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=links.read_token(token, "unsubscribe")).first()
    if subscriber is None:
        raise links.BadLink("this subscription no longer exists")
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


def _send_link_mail(subscriber: Subscriber, purpose: str) -> None:
    context = {
        "subscriber": subscriber,
        "topics": list(subscriber.topics.values_list("query", flat=True)),
        "confirm_url": links.confirm_url(subscriber.pk),
        "manage_url": links.manage_url(subscriber.pk),
        "hours": links.CONFIRM_MAX_AGE // 3600,
    }
    subject = "Confirm your paperwire digest" if purpose == "confirm" else "Your paperwire digest"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"digests/mail/{purpose}.txt", context),
        to=[subscriber.email],
    )
    message.attach_alternative(
        render_to_string(f"digests/mail/{purpose}.html", context), "text/html"
    )
    try:
        message.send()
    except Exception as exc:  # the form still answers; the log says what the server said
        Delivery.objects.create(
            email=subscriber.email, kind=purpose, outcome=Delivery.Outcome.TEMPORARY,
            detail=str(exc)[:500],
        )  # fmt: skip
        raise SubscriptionError(
            "the confirmation mail could not be sent; try again later"
        ) from None
    Delivery.objects.create(email=subscriber.email, kind=purpose, outcome=Delivery.Outcome.SENT)
