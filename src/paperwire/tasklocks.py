"""One task at a time across workers and machines, with a lock a killed worker cannot keep.

Huey's own ``lock_task`` lives until its holder lets go: a worker killed mid-task (SIGKILL, a
lost machine) leaves it in the queue's storage for good, and every later run of that task on
every worker is refused. These locks are kept in the cache (Redis whenever there are several
machines) with an expiry, so the worst a killed holder costs is one expiry's wait. A refused
task raises Huey's ``TaskLockedException``, as ``lock_task`` did, so the task's retries apply.

Only tasks that would waste work by running twice take one; sending mail needs none (each
message is claimed by one sender with a conditional UPDATE).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from huey.exceptions import TaskLockedException


@contextmanager
def expiring_lock(name: str, seconds: int) -> Iterator[None]:
    """Hold ``name`` for the block, at most ``seconds`` (choose well above the task's longest
    run: past it, another worker may start the same task)."""
    key = f"task-lock:{name}"
    token = uuid.uuid4().hex
    if not cache.add(key, token, seconds):
        raise TaskLockedException(f"unable to acquire lock {name}: another worker holds it")
    try:
        yield
    finally:
        # Only our own: past the expiry another worker's token may be there.
        if cache.get(key) == token:
            cache.delete(key)
