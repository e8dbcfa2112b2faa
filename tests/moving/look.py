"""What one end of a move shows: run as a script in a process of its own, against the database
PAPERWIRE_DATABASE_URL names. Prints JSON: pages (anonymous and signed in) and search results.

    python tests/moving/look.py ARXIV_ID AUTHOR READER_EMAIL
"""

from __future__ import annotations

import json
import os
import re
import sys
from urllib.parse import quote

# Tokens made fresh for every response (a form's CSRF token), not data.
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1-"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1-"),
    (re.compile(r'(nonce=")[^"]+'), r"\1-"),
]


def main(arxiv_id: str, author: str, reader: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import setup_test_environment

    from paperwire.search import Mode, search, similar

    setup_test_environment()
    pages: dict[str, str] = {}
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(User.objects.get(email=reader))
    for who, client in (("anonymous", anonymous), ("signed-in", signed_in)):
        for url in ("/", f"/papers/{arxiv_id}", f"/authors/{quote(author)}", "/library"):
            response = client.get(url, follow=True)
            text = f"{response.status_code}\n{response.content.decode()}"
            for pattern, replacement in VOLATILE:
                text = pattern.sub(replacement, text)
            pages[f"{who} {url}"] = text
    found = {
        query: [r.paper.arxiv_id for r in search(query, mode=Mode.LEXICAL).results]
        for query in ("quantum", "surface codes", 'author:"José Núñez"', "transformers")
    }
    found["similar"] = [r.paper.arxiv_id for r in similar(arxiv_id).results]
    json.dump({"pages": pages, "search": found}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:4])
