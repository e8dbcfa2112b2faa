"""Telling from a claim's holder name whether its process has surely ended."""

from __future__ import annotations

import os
import socket

from paperwire.processes import PROCESS, ended, this_process
from tests.digests.test_claims import dead_pid

HOST = socket.gethostname()


def test_this_process_has_not_ended():
    assert not ended(this_process())
    assert not ended(f"{this_process()} a-run-within-it")


def test_an_earlier_process_that_had_this_pid_has_ended():
    assert PROCESS != "abcd1234"
    assert ended(f"{HOST} {os.getpid()} abcd1234")


def test_a_process_that_exited_here_has_ended_and_a_running_one_has_not():
    assert ended(f"{HOST} {dead_pid()} abcd1234")
    assert not ended(f"{HOST} {os.getppid()} abcd1234")  # the parent of this test process


def test_a_holder_this_machine_cannot_look_at_is_left_to_its_lease():
    assert not ended(f"another-machine {dead_pid()} abcd1234")
    assert not ended("")
    assert not ended(f"{HOST}:{dead_pid()}")  # a name of another shape
    assert not ended(f"{HOST} not-a-pid abcd1234")
