"""Read a JSON Lines file, plain or gzip, a line at a time, with progress in bytes."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class LineReader:
    """Yields ``(line_number, raw_bytes)`` from ``path``, never holding more than one line.

    ``position`` is how far into the file on disk reading has got (compressed bytes for
    .gz), so a progress bar over ``size`` is right for both kinds of file.
    ``skip`` lines are read past without being yielded (resuming an import).
    """

    def __init__(self, path: Path, skip: int = 0) -> None:
        self.path = path
        self.skip = skip
        self.size = path.stat().st_size
        self._raw: BinaryIO | None = None

    @property
    def position(self) -> int:
        if self._raw is None or self._raw.closed:
            return 0
        return self._raw.tell()

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            magic = raw.read(2)
            raw.seek(0)
            # GzipFile buffers internally; iterating it is as fast as a wrapped reader.
            stream: BinaryIO | gzip.GzipFile = (
                gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
            )
            for number, line in enumerate(stream, start=1):
                if number <= self.skip:
                    continue
                yield number, line
