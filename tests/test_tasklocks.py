"""A task's lock keeps a second run out while the first holds it, and a holder that never lets
go (a worker killed mid-task) keeps it no longer than its expiry."""

from __future__ import annotations

import time

import pytest
from huey.exceptions import TaskLockedException

from paperwire.tasklocks import expiring_lock


def test_a_second_run_is_refused_while_the_first_holds_the_lock():
    with (
        expiring_lock("harvest-test", 60),
        pytest.raises(TaskLockedException, match="harvest-test"),
        expiring_lock("harvest-test", 60),
    ):
        pass
    with expiring_lock("harvest-test", 60):  # let go: the next run takes it
        pass


def test_a_lock_whose_holder_never_lets_go_expires():
    held = expiring_lock("killed-test", 1)
    held.__enter__()  # and never __exit__: the worker was killed
    with pytest.raises(TaskLockedException), expiring_lock("killed-test", 1):
        pass
    time.sleep(1.5)
    with expiring_lock("killed-test", 60):
        pass


def test_a_holder_past_its_expiry_leaves_the_next_holders_lock_alone():
    late = expiring_lock("slow-test", 1)
    late.__enter__()
    time.sleep(1.5)
    with expiring_lock("slow-test", 60):
        late.__exit__(None, None, None)  # the slow first run ends now
        with pytest.raises(TaskLockedException), expiring_lock("slow-test", 60):
            pass
