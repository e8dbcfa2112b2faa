"""`paperwire serve`: the production server (gunicorn) answers with the newest day's papers."""

from __future__ import annotations

import socket
import time
import urllib.request

from tests.conftest import Cli, shared


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_with_the_newest_papers_and_the_admin_styles(cli: Cli):
    kaggle = shared("arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl")
    assert cli("import", "kaggle", str(kaggle), "--no-progress").returncode == 0
    port = free_port()
    server = cli.popen("serve", "--port", str(port))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.2)
        assert "Daily papers" in page
        assert "0704.0200" in page  # among the newest of the sample's papers
        css = f"http://127.0.0.1:{port}/static/admin/css/base.css"
        with urllib.request.urlopen(css, timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_a_bad_port(cli: Cli):
    result = cli("serve", "--port", "70000")
    assert result.returncode != 0
    assert "--port must be between 1 and 65535" in result.stderr
