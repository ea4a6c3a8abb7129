"""The on-disk spool: readings the database could not take yet.

An append-only file of JSON lines (one reading per line, the :meth:`Sample.to_json` form),
written with one ``fsync`` per batch: once :meth:`Spool.append` returns, the batch survives a
crash of the collector (SIGKILL) and of the machine. :meth:`Spool.pending` reads every spooled
reading back (a torn last line from a crash mid-write is skipped: it was never acknowledged);
:meth:`Spool.clear` removes the file once its content is committed to the database. Replaying
twice is harmless: inserts are idempotent.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import List, Sequence, Tuple

from dashboard.store import Sample

__all__ = ["Spool"]

log = logging.getLogger(__name__)


class Spool:
    """An append-only JSON-lines spool in ``directory`` (created on first use)."""

    FILENAME = "readings.jsonl"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.FILENAME

    def append(self, items: Sequence[Tuple[str, Sample]]) -> None:
        """Append readings and fsync; raises ``OSError`` if the disk refuses."""
        if not items:
            return
        new = not self.path.exists()
        self.directory.mkdir(parents=True, exist_ok=True)
        data = "".join(
            json.dumps(sample.to_json(serial), separators=(",", ":")) + "\n" for serial, sample in items
        ).encode()
        fd = os.open(str(self.path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            # a torn line from an earlier crash must not swallow the first new line
            if not new and os.fstat(fd).st_size > 0:
                with open(self.path, "rb") as f:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        data = b"\n" + data
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            self._sync_dir()

    def pending(self) -> List[Tuple[str, Sample]]:
        """Every spooled reading, in the order written (malformed lines are skipped)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out: List[Tuple[str, Sample]] = []
        bad = 0
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                out.append(Sample.from_json(json.loads(line)))
            except (ValueError, TypeError):
                bad += 1
        if bad:
            log.warning("spool %s: skipped %d unreadable line(s) (torn by a crash)", self.path, bad)
        return out

    def count(self) -> int:
        """How many lines the spool holds (cheap; an upper bound on the readings)."""
        try:
            with open(self.path, "rb") as f:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
        except FileNotFoundError:
            return 0

    def clear(self) -> None:
        """Delete the spool (after its readings are committed)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        self._sync_dir()

    def _sync_dir(self) -> None:
        try:
            fd = os.open(str(self.directory), os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
