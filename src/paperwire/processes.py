"""Who holds a claim: this process's name, and whether a named process has surely ended.

Work shared between processes and machines is claimed row by row (a digest being sent, a
batch of papers being embedded), and each claim names its holder. A holder killed with
SIGKILL cannot let go; its lease ends the claim in time, but on the holder's own machine
another process can see at once that it has gone, and take the work over without waiting.
Digests and embedding claims both ask here, so the rule is the same for both.
"""

from __future__ import annotations

import os
import socket
import uuid

# Tells this process from an earlier one that had the same pid (a restarted container).
PROCESS = uuid.uuid4().hex[:8]


def this_process() -> str:
    """This process's name in a claim: "host pid process". A caller may append words (a run
    within the process); ``ended`` reads only the first three."""
    return f"{socket.gethostname()} {os.getpid()} {PROCESS}"


def ended(holder: str) -> bool:
    """Whether the process that wrote ``holder`` has surely ended. False when this machine
    cannot tell (another machine, a name of another shape, no signals): then the claim's
    lease decides."""
    host, pid, process = [*holder.split(" "), "", "", ""][:3]
    if host != socket.gethostname() or not pid.isdigit() or os.name != "posix":
        return False
    if int(pid) == os.getpid():
        return process != PROCESS  # an earlier process that had this pid, or this one
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, belongs to someone else
    try:  # a process killed but not yet reaped by its parent (a zombie) has ended too
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False  # no /proc (macOS): the process exists
