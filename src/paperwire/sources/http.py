"""A polite HTTP client for arXiv: one request per interval, retries with backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping

import httpx

from paperwire import __version__

USER_AGENT = f"paperwire/{__version__} (self-hosted paper discovery; +https://github.com/paperwire)"


class FetchError(RuntimeError):
    """A request failed for good: a 4xx, or 5xx / time-outs after every retry."""


class PoliteClient:
    """GETs with at least ``interval`` seconds between request starts, as arXiv asks (3 s).

    5xx answers, 429 and time-outs are retried ``retries`` times with exponential backoff
    (honouring ``Retry-After`` when the server sends one); anything else is returned.
    """

    def __init__(
        self,
        *,
        interval: float = 3.0,
        retries: int = 4,
        backoff: float = 5.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._last_start: float | None = None
        self._client = httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        )
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last_start is not None:
            remaining = self.interval - (self._clock() - self._last_start)
            if remaining > 0:
                self._sleep(remaining)
        self._last_start = self._clock()

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        """GET ``url``; return the response (any status < 500 but 429), or raise ``FetchError``."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                self._sleep(delay * (0.75 + random.random() / 2))  # jitter: don't stampede
            self._wait_turn()
            self.requests_made += 1
            try:
                response = self._client.get(url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if isinstance(exc, httpx.ConnectError) and attempt >= 1:
                    break  # no route or no name twice running: offline, not a busy server
                continue
            if response.status_code >= 500 or response.status_code == 429:
                problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit() and attempt < self.retries:
                    self._sleep(min(float(retry_after), 600.0))
                continue
            return response
        raise FetchError(f"{url}: giving up after {attempt + 1} attempts ({problem})")
