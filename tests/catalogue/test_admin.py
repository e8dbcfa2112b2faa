"""Moderation in the Django admin: a moderator hides a paper and it leaves every list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from paperwire.catalogue.models import Paper

pytestmark = pytest.mark.django_db


def test_a_moderator_can_hide_a_paper_from_the_newest_list(client: Client):
    User.objects.create_superuser("mod", "mod@example.org", "pw")
    day = dt.date(2025, 1, 15)
    spam = Paper.objects.create(arxiv_id="2501.00001", title="Buy cheap watches", announced_on=day)
    Paper.objects.create(arxiv_id="2501.00002", title="A real paper", announced_on=day)
    assert "Buy cheap watches" in client.get("/").content.decode()

    client.login(username="mod", password="pw")
    response = client.post(
        "/admin/catalogue/paper/",
        {"action": "hide", "_selected_action": [spam.pk]},
        follow=True,
    )
    assert response.status_code == 200
    spam.refresh_from_db()
    assert spam.hidden
    cache.clear()  # anonymous visitors may see the hidden paper for PAGE_CACHE_SECONDS
    page = client.get("/").content.decode()
    assert "Buy cheap watches" not in page
    assert "A real paper" in page


def test_the_paper_list_in_the_admin_searches_by_id(client: Client):
    User.objects.create_superuser("mod", "mod@example.org", "pw")
    Paper.objects.create(arxiv_id="2501.00001", title="First")
    client.login(username="mod", password="pw")
    response = client.get("/admin/catalogue/paper/", {"q": "2501.00001"})
    assert response.status_code == 200
    assert "First" in response.content.decode()


def test_a_moderator_can_block_an_account(client: Client):
    from paperwire.community.models import Vote

    User.objects.create_superuser("mod", "mod@example.org", "pw")
    spammer = User.objects.create_user("spam", "spam@example.org")
    client.login(username="mod", password="pw")
    client.post("/admin/auth/user/", {"action": "block", "_selected_action": [spammer.pk]})
    spammer.refresh_from_db()
    assert not spammer.is_active
    paper = Paper.objects.create(arxiv_id="2501.00003", title="T")
    blocked = Client()
    blocked.force_login(spammer)
    blocked.post(f"/papers/{paper.arxiv_id}/upvote")
    assert not Vote.objects.exists()
