"""Journals and atomic writes: append, read back, torn lines, private modes."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from loopnote import host
from loopnote.store.journal import Journal, make_private_dir, read_jsonl, write_atomic

# Windows has no permission bits; its counterpart is in test_host (the profile's ACL, no
# read-only flag)
posix_modes = pytest.mark.skipif(not host.MODE_BITS, reason="POSIX permission bits")


def test_append_and_read_back_in_order(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    for i in range(100):
        j.append({"i": i, "text": "é ü 文"})
    j.close()
    got = read_jsonl(tmp_path / "j.jsonl")
    assert [r["i"] for r in got.records] == list(range(100))
    assert got.records[0]["text"] == "é ü 文"
    assert got.skipped == 0 and not got.torn_tail
    # binary on every platform: no "\r" added before the newlines (Windows' text mode would)
    assert b"\r" not in (tmp_path / "j.jsonl").read_bytes()


@posix_modes
def test_journal_is_private(tmp_path: Path) -> None:
    Journal(tmp_path / "j.jsonl").append({"a": 1})
    assert stat.S_IMODE((tmp_path / "j.jsonl").stat().st_mode) == 0o600


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl", sync=False)

    def writer(k: int) -> None:
        for i in range(200):
            j.append({"k": k, "i": i, "pad": "x" * 500})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    j.close()
    got = read_jsonl(tmp_path / "j.jsonl")
    assert got.skipped == 0 and len(got.records) == 800
    for k in range(4):
        assert [r["i"] for r in got.records if r["k"] == k] == list(range(200))


def test_torn_tail_and_garbage_lines(tmp_path: Path) -> None:
    p = tmp_path / "j.jsonl"
    p.write_bytes(b'{"a":1}\n\xff\xfe\n[1,2]\n{"a":2}\n{"a":')
    got = read_jsonl(p)
    assert [r["a"] for r in got.records] == [1, 2]
    assert got.skipped == 3 and got.torn_tail


def test_complete_last_record_without_newline_is_kept(tmp_path: Path) -> None:
    p = tmp_path / "j.jsonl"
    p.write_bytes(b'{"a":1}\n{"a":2}')
    got = read_jsonl(p)
    assert [r["a"] for r in got.records] == [1, 2] and not got.torn_tail
    j = Journal(p)
    j.append({"a": 3})
    j.close()
    assert [r["a"] for r in read_jsonl(p).records] == [1, 2, 3]


def test_missing_journal_reads_empty(tmp_path: Path) -> None:
    assert read_jsonl(tmp_path / "none.jsonl").records == ()


def test_write_atomic_replaces(tmp_path: Path) -> None:
    p = tmp_path / "f.json"
    write_atomic(p, "one")
    write_atomic(p, "two\nlines 文\n")
    assert p.read_bytes() == "two\nlines 文\n".encode()  # UTF-8, "\n" on every platform
    assert [x.name for x in tmp_path.iterdir()] == ["f.json"]  # no temp file left


@posix_modes
def test_write_atomic_is_private(tmp_path: Path) -> None:
    p = tmp_path / "f.json"
    (tmp_path / ".f.json.tmp").write_text("left by a crash")
    (tmp_path / ".f.json.tmp").chmod(0o644)
    write_atomic(p, "one")
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


@posix_modes
def test_make_private_dir_creates_parents_0700(tmp_path: Path) -> None:
    d = tmp_path / "a" / "b"
    make_private_dir(d)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE(d.parent.stat().st_mode) == 0o700
