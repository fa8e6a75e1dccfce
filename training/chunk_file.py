"""Chunks written once to a private temporary file, then read back in order, as often as needed.

Training makes several passes over its examples. Reading them from Postgres
each time costs most of a pass (the query, the JSON, rebuilding features);
the first pass writes what later passes need here instead, so memory holds
one chunk at a time however many rows there are. Pickle is safe here: the
file is written and read by the same process, in its own temporary folder.
"""

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class ChunkFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.chunks = 0
        self._writer: IO[bytes] | None = path.open("wb")

    def append(self, chunk: Any) -> None:
        if self._writer is None:
            raise RuntimeError(f"{self.path.name}: already closed for writing")
        pickle.dump(chunk, self._writer, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks += 1

    def __iter__(self) -> Iterator[Any]:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        with self.path.open("rb") as reader:
            for _ in range(self.chunks):
                yield pickle.load(reader)
