"""Headers every page carries, and the production settings behind TLS."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.factories import account, paper

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client: Client):
    paper()
    for url in ("/", "/trending", "/search?q=x", "/accounts/login/code/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "frame-ancestors 'none'" in policy, url
        assert "unsafe-eval" not in policy
        assert "script-src 'self' 'unsafe-inline'" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client: Client):
    paper()
    for url in ("/", "/papers/" + paper().arxiv_id, "/search?q=paper"):
        page = client.get(url).content.decode()
        assert "<script>" not in page, url
        assert all('src="/static/' in tag for tag in page.split("<script")[1:]), url


def test_https_turns_on_secure_cookies_and_hsts():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "paperwire.settings", "PAPERWIRE_HTTPS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "31536000"], out.stderr


@override_settings(RATE_LIMIT_VOTES="2/m")
def test_the_sites_429_says_when_to_try_again(client: Client):
    target = paper()
    client.force_login(account())
    codes = [client.post(f"/papers/{target.arxiv_id}/upvote").status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    limited = client.post(f"/papers/{target.arxiv_id}/upvote")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
