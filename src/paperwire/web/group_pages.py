"""A group's pages: the reader's groups, a group (members, invitations, collections), a
shared collection, the week ("what the group saved and upvoted"), the reading queue, the
invitation link, and the buttons on a paper ("Propose for …", "Save to …").

Privacy. Every page under ``/groups/<slug>`` looks the group up through the signed-in
reader's own membership (``groups.membership``), so to a non-member, a removed member or an
anonymous visitor the group does not exist: 404 (or the sign-in page), never 403, and never
its name. No page here goes through ``anonymous_cache``, and every answer is
``Cache-Control: private, no-store`` (``never_cache``): a member's page is never kept by the
site's shared cache nor by a proxy. The only page a non-member may see is the invitation
link's, which names the group to whoever holds a valid, unexpired, unused link.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from paperwire import groups
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, parse_week
from paperwire.community.votes import voted_ids
from paperwire.groups import GroupError, Membership, NotFound
from paperwire.web.limits import limited
from paperwire.web.paging import page_number, paginate

PAGE_SIZE = 30
QUEUE_SHOWN = 100
NOT_FOUND = "There is no such group."


def _reader(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required ran first


def _member(request: HttpRequest, slug: str) -> Membership:
    try:
        return groups.membership(request.user, slug)
    except NotFound:
        raise Http404(NOT_FOUND) from None


def _paper(arxiv_id: str) -> Paper:
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id.strip()[:100]).first()
    if paper is None:
        raise Http404(f"{arxiv_id.strip()[:40]} is not in the catalogue")
    return paper


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _group_path(member: Membership) -> str:
    return reverse("group", kwargs={"slug": member.group.slug})


# --- the reader's groups ---------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limited("RATE_LIMIT_VOTES", group="groups")
def groups_page(request: HttpRequest) -> HttpResponse:
    """The reader's groups; POST makes a new one with the reader as its owner."""
    user = _reader(request)
    if request.method == "POST":
        try:
            made = groups.create_group(user, request.POST.get("name", ""))
        except GroupError as exc:
            messages.error(request, str(exc))
            return redirect("groups")
        messages.success(request, f"Group “{made.name}” made: invite its members below.")
        return redirect("group", slug=made.slug)
    mine = groups.groups_of(user)
    return render(request, "web/groups/groups.html", {"groups": list(mine)})


@never_cache
@login_required
@require_safe
def group_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    group = member.group
    return render(
        request,
        "web/groups/group.html",
        {
            "group": group,
            "member": member,
            "members": groups.members(group),
            "invitations": groups.pending(group) if member.is_owner else [],
            "collections": list(groups.collections_of(group)),
            "queue": groups.queue_of(group, member.user, limit=5),
            "invite_days": settings.GROUP_INVITE_DAYS,
        },
    )


@require_POST
@login_required
@limited("RATE_LIMIT_SUBMISSIONS", group="groups-invite")
def invite_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    try:
        invitation = groups.invite(member, request.POST.get("email", ""))
    except GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invitation mailed to {invitation.email}.")
    return redirect(_group_path(member))


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def withdraw_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member = _member(request, slug)
    try:
        groups.withdraw(member, pk)
    except GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Invitation withdrawn: its link no longer works.")
    return redirect(_group_path(member))


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def leave_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    name = member.group.name
    groups.leave(member)
    messages.success(request, f"You left “{name}”.")
    return redirect("groups")


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def remove_member_page(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    member = _member(request, slug)
    try:
        gone = groups.remove_member(member, user_id)
    except GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{gone.user.email} is no longer a member.")
    return redirect(_group_path(member))


# --- invitations -----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@limited("RATE_LIMIT_VOTES", group="groups")
def accept_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation mail. GET shows what it is (a mail scanner following the
    link changes nothing); POST, signed in with the invited address, joins."""
    try:
        invitation = groups.invitation_for(token)
    except GroupError as exc:
        return render(request, "web/error.html", {"status": 404, "message": f"{exc}."}, status=404)
    user = request.user
    if request.method == "POST" and user.is_authenticated:
        try:
            joined = groups.accept(invitation, user)
        except GroupError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Welcome to “{joined.group.name}”.")
            return redirect("group", slug=joined.group.slug)
    if user.is_authenticated and groups.is_member(user, invitation.group):
        return redirect("group", slug=invitation.group.slug)
    address_matches = user.is_authenticated and (
        (getattr(user, "email", "") or "").lower() == invitation.email.lower()
    )
    return render(
        request,
        "web/groups/accept.html",
        {
            "invitation": invitation,
            "group": invitation.group,
            "address_matches": address_matches,
        },
    )


# --- shared collections ----------------------------------------------------------------------


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def new_collection_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    try:
        made = groups.create_collection(member, request.POST.get("name", ""))
    except GroupError as exc:
        messages.error(request, str(exc))
        return redirect(_group_path(member))
    return redirect("group-collection", slug=member.group.slug, collection=made.slug)


@never_cache
@login_required
@require_safe
def collection_page(request: HttpRequest, slug: str, collection: str) -> HttpResponse:
    member = _member(request, slug)
    try:
        shared = groups.collection(member, collection)
    except NotFound:
        raise Http404("The group has no such collection.") from None
    page = paginate(groups.listed_items(shared), page_number(request), PAGE_SIZE)
    papers = []
    for item in page.items:
        who = getattr(item.added_by, "email", "") or "a former member"
        item.paper.reason = f"added by {who} on {item.added_at:%d %b %Y}"  # type: ignore[attr-defined]
        papers.append(item.paper)
    return render(
        request,
        "web/groups/collection.html",
        {
            "group": member.group,
            "member": member,
            "collection": shared,
            "page": page,
            "papers": papers,
            "voted": voted_ids(request.user, [p.arxiv_id for p in papers]),
        },
    )


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def collection_remove_page(request: HttpRequest, slug: str, collection: str) -> HttpResponse:
    member = _member(request, slug)
    try:
        shared = groups.collection(member, collection)
    except NotFound:
        raise Http404("The group has no such collection.") from None
    groups.remove_paper(member, shared, _paper(request.POST.get("paper", "")))
    return redirect(
        _back(
            request,
            reverse("group-collection", kwargs={"slug": slug, "collection": shared.slug}),
        )
    )


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def save_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Save a paper to one of the group's collections (the paper page's button)."""
    member = _member(request, slug)
    paper = _paper(request.POST.get("paper", ""))
    try:
        shared = groups.collection_named(member, request.POST.get("collection"))
        groups.add_paper(member, shared, paper)
    except GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Saved to {member.group.name} / {shared.name}.")
    return redirect(_back(request, f"/papers/{paper.arxiv_id}"))


# --- the week --------------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def week_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    text = request.GET.get("week", "")
    try:
        period = parse_week(text) if text else groups.this_week()
    except BadPeriod as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "web/error.html",
            {"status": 400, "message": f"{exc}."},
            status=400,
        )
    found = groups.week(member.group, period)
    papers = []
    for row in found.papers:
        parts = []
        if row.upvotes:
            parts.append(f"upvoted by {row.upvotes} member{'s' if row.upvotes != 1 else ''}")
        if row.saved_in:
            parts.append("saved in " + ", ".join(row.saved_in))
        row.paper.reason = " · ".join(parts)  # type: ignore[attr-defined]
        papers.append(row.paper)
    previous, following = period.previous(), period.next()
    return render(
        request,
        "web/groups/week.html",
        {
            "group": member.group,
            "member": member,
            "period": period,
            "previous": previous.slug if previous else "",
            "following": following.slug
            if following and following.first <= groups.this_week().first
            else "",
            "papers": papers,
            "voted": voted_ids(request.user, [p.arxiv_id for p in papers]),
        },
    )


# --- the reading queue -----------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def queue_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    token = groups.feed_token(member)
    return render(
        request,
        "web/groups/queue.html",
        {
            "group": member.group,
            "member": member,
            "queue": groups.queue_of(member.group, member.user, limit=QUEUE_SHOWN),
            "feed_token": token,
        },
    )


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def propose_page(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request, slug)
    queue_path = reverse("group-queue", kwargs={"slug": slug})
    text = request.POST.get("paper", "").strip()
    paper = _find(text)
    if paper is None:
        messages.error(request, f"{text[:40]!r} is not a paper in the catalogue: give its arXiv id")
        return redirect(_back(request, queue_path))
    _, created = groups.propose(member, paper)
    if created:
        messages.success(request, f"{paper.arxiv_id} is on {member.group.name}'s reading queue.")
    else:
        messages.info(request, f"{paper.arxiv_id} was on the queue already.")
    return redirect(_back(request, queue_path))


def _find(text: str) -> Paper | None:
    from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url

    try:
        wanted = parse_id_or_url(text[:300])
    except InvalidArxivId:
        return None
    return Paper.objects.visible().filter(arxiv_id=wanted.id).first()


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def vote_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member = _member(request, slug)
    try:
        target = groups.proposal(member, pk)
        groups.vote(member, target, request.POST.get("on", "1") == "1")
    except NotFound:
        raise Http404("That paper is not on the group's queue.") from None
    except GroupError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("group-queue", kwargs={"slug": slug}))


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="groups")
def discussed_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member = _member(request, slug)
    try:
        target = groups.proposal(member, pk)
    except NotFound:
        raise Http404("That paper is not on the group's queue.") from None
    groups.discussed(member, target)
    messages.success(request, f"{target.paper.arxiv_id} discussed: off the queue.")
    return redirect(reverse("group-queue", kwargs={"slug": slug}))
