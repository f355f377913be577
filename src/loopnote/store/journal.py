"""Crash-safe files: append-only JSON Lines journals and atomic whole-file writes.

``Journal``          one JSON object per line, flushed and fsync'ed per append (thread-safe)
``read_jsonl``       read a journal back, skipping a torn last line or any unreadable line
``JournalContents``  what ``read_jsonl`` found: records and how many lines it skipped
``write_atomic``     replace a file's content in one step (temp file, fsync, rename)
``make_private_dir`` create a directory readable by the user only (0700)

Every file created here is readable by the user only (0600; on Windows the user's profile
folder keeps others out, see ``loopnote.host``), and written in binary mode: lines end in
``\n`` on every platform.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopnote import host
from loopnote.errors import StoreError

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dir(path: Path, *, exist_ok: bool = True) -> None:
    """Create ``path`` (and missing parents) as 0700; an existing directory is left as is."""
    if path.is_dir():
        if not exist_ok:
            raise FileExistsError(str(path))
        return
    parent = path.parent
    if not parent.exists():
        make_private_dir(parent)
    os.mkdir(path, DIR_MODE)
    host.restrict(path, DIR_MODE)  # the umask may have taken bits away; never adds any


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # some platforms cannot open directories; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees either the old or the new content."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = host.open_fd(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            host.restrict(fd, FILE_MODE)  # a leftover temp file may have other bits
            host.write_all(fd, text.encode("utf-8"))
            host.flush_to_disk(fd)
        finally:
            os.close(fd)
        host.replace(tmp, path)
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from None
    _fsync_dir(path.parent)


def _ends_without_newline(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


class Journal:
    """An append-only JSON Lines file. Each ``append`` is on disk when it returns.

    A line torn by a crash is closed off with a newline before the next append, so it
    never merges with a good record; readers skip it.
    """

    def __init__(self, path: Path, *, sync: bool = True) -> None:
        self.path = path
        self._sync = sync
        self._fd: int | None = None
        self._lock = threading.Lock()

    def _open(self) -> int:
        if self._fd is None:
            torn = _ends_without_newline(self.path)
            try:
                fd = host.open_fd(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            except OSError as e:
                raise StoreError(f"cannot write {self.path}: {e.strerror or e}") from None
            if torn:
                os.write(fd, b"\n")
            self._fd = fd
        return self._fd

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            fd = self._open()
            try:
                host.write_all(fd, line)
                if self._sync:
                    host.flush_to_disk(fd)
            except OSError as e:
                raise StoreError(f"cannot write {self.path}: {e.strerror or e}") from None

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@dataclass(frozen=True)
class JournalContents:
    records: tuple[dict[str, Any], ...]
    skipped: int = 0  # unreadable lines left out (a torn last line counts here)
    torn_tail: bool = False  # the last line was cut off (a crash while writing)


def read_jsonl(path: Path) -> JournalContents:
    """All records of a journal; a missing file reads as empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalContents(())
    except OSError as e:
        raise StoreError(f"cannot read {path}: {e.strerror or e}") from None
    lines = data.split(b"\n")
    torn = bool(lines) and lines[-1] != b""
    records: list[dict[str, Any]] = []
    skipped = 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            skipped += 1
            continue
        if isinstance(obj, dict):
            records.append(obj)
        else:
            skipped += 1
    if torn:
        # a complete record without its newline is kept; only a cut-off one is skipped
        try:
            json.loads(lines[-1].decode("utf-8"))
            torn = False
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
    return JournalContents(tuple(records), skipped, torn)
