"""The discussion on the site: the thread under a paper, and its buttons and forms.

Every action works two ways. With htmx, a form posts and the answer is the discussion's
inner HTML, swapped into ``#discussion`` (an error is said at its top, with status 200:
htmx swaps in successful answers only). Without JavaScript the same form posts normally and
the answer is a redirect back to the paper, to the comment (``#comment-N``), with the
outcome as a message.

The thread itself is rendered into the paper page by ``{% discussion_thread %}``
(web/templatetags/discussion_tags.py), so web/papers.py knows nothing of it. Anonymous
visitors get the same HTML as each other (only visible comments, no forms, no CSRF token):
their paper pages may be cached; a signed-in reader's never are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from paperwire.catalogue.models import Paper
from paperwire.discussion import (
    MAX_BODY_CHARS,
    Comment,
    DiscussionError,
    Reason,
    can_see,
    delete,
    edit,
    find,
    history,
    post,
    public_name,
    report,
    thread,
    vote,
)
from paperwire.web.caching import anonymous_cache
from paperwire.web.limits import limited

INNER = "web/discussion/_thread.html"


def _when(moment: dt.datetime) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return local.isoformat(), f"{local.day} {local:%b %Y, %H:%M}"


def section_context(request: HttpRequest, paper: Paper, **extra: Any) -> dict[str, Any]:
    """What the discussion's template needs: the thread as this visitor may see it.

    Whatever each comment would make the template work out again and again (the visitor's
    state, the paper's id, formatted times) is worked out here once: a 50-comment thread is
    rendered on every signed-in visit, and Django's template lookups are the cost."""
    shown = thread(paper, request.user)
    for item in shown.items:
        item.created_iso, item.created_label = _when(item.comment.created_at)  # type: ignore[attr-defined]
    return {
        "paper": paper,
        "paper_id": paper.arxiv_id,
        "thread": shown,
        "signed_in": bool(request.user.is_authenticated),
        "reasons": Reason.choices,
        "max_body": MAX_BODY_CHARS,
        "user": request.user,
        "request": request,
        **extra,
    }


def _paper(arxiv_id: str) -> Paper:
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"{arxiv_id[:60]} is not in the catalogue")
    return paper


def _comment(pk: int, request: HttpRequest) -> Comment:
    try:
        comment = find(pk)
    except DiscussionError as exc:
        raise Http404(str(exc)) from None
    if not can_see(request.user, comment) and not comment.state == "deleted":
        raise Http404(f"there is no comment {pk}")
    return comment


def _answer(
    request: HttpRequest,
    paper: Paper,
    *,
    anchor: str = "discussion",
    notice: str = "",
    error: str = "",
    draft: str = "",
) -> HttpResponse:
    if request.headers.get("HX-Request"):
        context = section_context(request, paper, notice=notice, error=error, draft=draft)
        return render(request, INNER, context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(f"/papers/{paper.arxiv_id}#{anchor}")


def _sign_in(request: HttpRequest, paper: Paper) -> HttpResponse:
    target = f"{reverse('account_request_login_code')}?next=/papers/{paper.arxiv_id}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_http_methods(["GET", "HEAD", "POST"])
@anonymous_cache(reads=())
@limited("RATE_LIMIT_COMMENTS", group="discussion.write")
def paper_comments(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """GET: the discussion (htmx: its HTML; else the paper page at it). POST: a new comment,
    or a reply when the form names its ``parent``."""
    paper = _paper(arxiv_id)
    if request.method != "POST":
        if request.headers.get("HX-Request"):
            return render(request, INNER, section_context(request, paper))
        return redirect(f"/papers/{paper.arxiv_id}#discussion")
    if not request.user.is_authenticated:
        return _sign_in(request, paper)
    body = request.POST.get("body", "")
    parent = request.POST.get("parent") or None
    try:
        parent_id = int(parent) if parent is not None else None
    except ValueError:
        return _answer(request, paper, error="the comment to reply to is not a number")
    try:
        made = post(request.user, paper, body, parent_id)
    except DiscussionError as exc:
        return _answer(request, paper, error=str(exc), draft=body[:MAX_BODY_CHARS])
    notice = (
        "Your comment is waiting for a moderator: only you can see it until it is approved."
        if made.state == "held"
        else "Your comment is posted."
    )
    return _answer(request, paper, anchor=f"comment-{made.pk}", notice=notice)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    comment = _comment(pk, request)
    paper = comment.paper
    if not request.user.is_authenticated:
        return _sign_in(request, paper)
    try:
        if action == "edit":
            edit(request.user, comment, request.POST.get("body", ""))
            notice = "Your comment is updated."
        elif action == "delete":
            delete(request.user, comment)
            notice = "Your comment is deleted."
        elif action == "vote":
            wanted = request.POST.get("voted")
            vote(request.user, comment, None if wanted is None else wanted == "1")
            notice = ""
        else:
            report(
                request.user,
                comment,
                request.POST.get("reason") or Reason.OTHER,
                request.POST.get("note", ""),
            )
            notice = "Thank you: the moderators will look at this comment."
    except DiscussionError as exc:
        return _answer(request, paper, anchor=f"comment-{pk}", error=str(exc))
    return _answer(request, paper, anchor=f"comment-{pk}", notice=notice)


@require_POST
@limited("RATE_LIMIT_COMMENTS", group="discussion.write")
def edit_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "edit")


@require_POST
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "delete")


@require_POST
@limited("RATE_LIMIT_VOTES", group="discussion.vote")
def vote_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "vote")


@require_POST
@limited("RATE_LIMIT_REPORTS", group="discussion.report")
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "report")


@require_safe
def comment_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's permanent address: the paper page, at the comment."""
    comment = _comment(pk, request)
    return redirect(f"/papers/{comment.paper.arxiv_id}#comment-{comment.pk}")


@require_safe
def history_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of a comment, the current one first."""
    comment = _comment(pk, request)
    if comment.state == "deleted":
        raise Http404(f"comment {pk} was deleted")
    return render(
        request,
        "web/discussion/history.html",
        {
            "comment": comment,
            "paper": comment.paper,
            "name": public_name(comment.author),
            "revisions": history(comment),
        },
    )
