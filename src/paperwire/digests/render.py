"""A digest as a mail: HTML with inline CSS and a plain-text alternative, safe headers.

A digest is shown section by section (``sections.SECTIONS``: each with its heading and a line
saying what it is); items composed before there were sections are shown as one list.
The papers of a period are the same for every subscriber, so each paper's block is rendered
once per run and reused; a subscriber's message adds only the reasons and the links that are
theirs (save, more like this, less like this: signed, see links.py). Every piece of paper
text, and every reason (a For-you reason may quote a title), is escaped before it is placed
in the HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape

from paperwire.catalogue.mathtext import is_latex, readable
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import Period
from paperwire.digests import links
from paperwire.digests.mime import Outbound
from paperwire.digests.models import Digest
from paperwire.digests.sections import section

EXCERPT_CHARS = 220
HEAD_CHARS = 2 * EXCERPT_CHARS + 60
FONT = "font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;"


def one_line(abstract: str) -> str:
    """The abstract's first sentence, or its first words, on one line."""
    head = _head(abstract)
    text = " ".join(readable(head, is_latex(abstract)).split())
    if len(head) < len(abstract) and len(text) <= EXCERPT_CHARS:
        text = " ".join(readable(abstract).split())  # the head was mostly LaTeX: take it all
    end = text.find(". ")
    if 40 <= end < EXCERPT_CHARS:
        return text[: end + 1]
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS)
    return text[: cut if cut > 0 else EXCERPT_CHARS] + " …"


def _head(abstract: str) -> str:
    """The abstract's start, enough for the excerpt: converting LaTeX is the slow part, and a
    digest run converts every paper of the period once."""
    if len(abstract) <= HEAD_CHARS:
        return abstract
    head = abstract[:HEAD_CHARS]
    head = head[: head.rfind(" ")] if " " in head else head
    if head.count("$") % 2:  # never cut inside inline maths
        head = head[: head.rfind("$")]
    return head


def _authors(names: list[str]) -> str:
    shown = ", ".join(readable(n) for n in names[:6])
    return shown + (" et al." if len(names) > 6 else "")


class Renderer:
    """Builds the messages of one period; keeps each paper's blocks for the whole run."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.label = period.label
        self._papers: dict[int, tuple[str, str]] = {}  # pk -> (html, text)
        self._blocks: dict[tuple[int, str], tuple[str, str]] = {}  # (pk, why) -> (html, text)
        self._domain = urlsplit(settings.BASE_URL).hostname or "localhost"

    def load(self, paper_ids: Iterable[int]) -> None:
        missing = [pk for pk in set(paper_ids) if pk not in self._papers]
        if not missing:
            return
        fields = ("id", "arxiv_id", "title", "abstract", "authors", "links", "upvotes", "votes")
        for paper in Paper.objects.filter(pk__in=missing).only(*fields):
            self._papers[paper.pk] = (self._paper_html(paper), self._paper_text(paper))

    def _paper_html(self, paper: Paper) -> str:
        url = escape(links.absolute(f"/papers/{paper.arxiv_id}"))
        code = paper.code_url if paper.code_url and paper.code_url.startswith("http") else None
        extra = f' · <a href="{escape(code)}" style="color:#1f5fbf;">code</a>' if code else ""
        return (
            f'<a href="{url}" style="font-size:16px;font-weight:600;color:#1b1d22;'
            f'text-decoration:none;">{escape(readable(paper.title))}</a>\n'
            f'<div style="color:#5b616e;font-size:13px;margin:2px 0 4px;">'
            f"{escape(_authors(paper.authors))}</div>\n"
            f'<div style="font-size:14px;color:#343842;">{escape(one_line(paper.abstract))}</div>\n'
            f'<div style="font-size:13px;margin-top:4px;color:#5b616e;">▲ {paper.points} · '
            f'<a href="{escape(paper.abs_url)}" style="color:#1f5fbf;">arXiv</a> · '
            f'<a href="{escape(paper.pdf_url)}" style="color:#1f5fbf;">PDF</a>{extra}</div>\n'
        )

    def _paper_text(self, paper: Paper) -> str:
        lines = [
            readable(paper.title),
            f"  {_authors(paper.authors)}",
            f"  {one_line(paper.abstract)}",
            f"  {links.absolute('/papers/' + paper.arxiv_id)}  (▲ {paper.points})",
        ]
        return "\n".join(lines)

    def subject(self, digest: Digest) -> str:
        count = len(digest.items)
        noun = "paper" if count == 1 else "papers"
        return f"{settings.SITE_NAME} {digest.frequency} digest, {self.label}: {count} {noun}"

    def message(self, digest: Digest, email: str) -> EmailMultiAlternatives:
        """The digest as a Django message (previews, provider APIs)."""
        return self.outbound(digest, email).as_django()

    def outbound(self, digest: Digest, email: str) -> Outbound:
        self.load(int(str(item["paper"])) for item in digest.items)
        unsubscribe = links.unsubscribe_url(digest.subscriber_id)
        manage = links.manage_url(digest.subscriber_id)
        feedback = links.feedback_prefix(digest.subscriber_id, digest.pk or 0)
        html_items: list[str] = []
        text_items: list[str] = []
        current: str | None = None
        for item in digest.items:
            pk = int(str(item["paper"]))
            if pk not in self._papers:
                continue  # deleted since composing
            key = str(item.get("section", ""))
            if key != current:
                current = key
                heading = self._heading(key)
                if heading is not None:
                    html_items.append(heading[0])
                    text_items.append(heading[1])
            why = "; ".join(str(w) for w in item.get("why", []))  # type: ignore[attr-defined]
            block = self._blocks.get((pk, why))
            if block is None:  # a paper with the same reasons reads the same in every digest
                html, text = self._papers[pk]
                block = (
                    f'<tr><td style="padding:14px 0;border-bottom:1px solid #e3e6eb;">\n{html}'
                    f'<div style="font-size:12px;color:#7a5b00;margin-top:4px;">why: '
                    f"{escape(why)}</div>\n",
                    f"{text}\n  why: {why}",
                )
                if len(self._blocks) < 200_000:
                    self._blocks[(pk, why)] = block
            urls = [
                (label, links.feedback_url(feedback, pk, action))
                for action, label in links.FEEDBACK_ACTIONS.items()
            ]
            html_items.append(
                block[0]
                + '<div style="font-size:13px;margin-top:6px;">'
                + " ·\n".join(
                    f'<a href="{escape(url)}" style="color:#1f5fbf;">{label}</a>'
                    for label, url in urls
                )
                + "</div></td></tr>\n"
            )
            text_items.append(
                block[1] + "".join(f"\n  {label.lower()}: {url}" for label, url in urls)
            )
        title = escape(f"{settings.SITE_NAME} — {digest.frequency} digest, {self.label}")
        # Short lines (none near SMTP's 998-byte limit) let the HTML travel as 8-bit text:
        # one long line would make Django encode all of it as quoted-printable, slowly.
        html = (
            '<!doctype html><html><body style="margin:0;padding:16px;background:#ffffff;">\n'
            f'<table role="presentation" width="100%" style="max-width:640px;{FONT}'
            'color:#1b1d22;">\n'
            '<tr><td style="font-size:20px;font-weight:700;padding-bottom:8px;">'
            f"{title}</td></tr>\n"
            + "".join(html_items)
            + '<tr><td style="padding-top:16px;font-size:12px;color:#5b616e;">\n'
            f'<a href="{escape(manage)}" style="color:#5b616e;">Change topics or frequency</a> · \n'
            f'<a href="{escape(unsubscribe)}" style="color:#5b616e;">Unsubscribe</a>\n'
            "</td></tr></table></body></html>\n"
        )
        text = (
            f"{settings.SITE_NAME} — {digest.frequency} digest, {self.label}\n\n"
            + "\n\n".join(text_items)
            + f"\n\n--\nChange topics or frequency: {manage}\nUnsubscribe: {unsubscribe}\n"
        )
        return Outbound(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email,
            subject=self.subject(digest),
            text=text,
            html=html,
            headers={
                # RFC 8058: one click in the mail client unsubscribes, by POST to this URL.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": digest.message_id or self.message_id(digest),
                "Auto-Submitted": "auto-generated",
                "Precedence": "bulk",
            },
        )

    def _heading(self, key: str) -> tuple[str, str] | None:
        """A section's heading and the line saying what it is, as HTML and as text."""
        named = section(key)
        if named is None:
            return None
        return (
            '<tr><td style="padding:18px 0 2px;">'
            f'<div style="font-size:17px;font-weight:700;color:#1b1d22;">'
            f"{escape(named.heading)}</div>\n"
            f'<div style="font-size:13px;color:#5b616e;">{escape(named.about)}</div>'
            "</td></tr>\n",
            f"== {named.heading} ==\n{named.about}",
        )

    def message_id(self, digest: Digest) -> str:
        # Stable per digest: a resend after a crash carries the same id, which mail stores use
        # to drop duplicates.
        return f"<digest-{digest.pk}-{digest.period_start:%Y%m%d}@{self._domain}>"
