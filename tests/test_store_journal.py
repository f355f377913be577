"""Journals and atomic writes: append, read back, torn lines, private modes."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from loopnote.store.journal import Journal, make_private_dir, read_jsonl, write_atomic


def test_append_and_read_back_in_order(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    for i in range(100):
        j.append({"i": i, "text": "é ü 文"})
    j.close()
    got = read_jsonl(tmp_path / "j.jsonl")
    assert [r["i"] for r in got.records] == list(range(100))
    assert got.records[0]["text"] == "é ü 文"
    assert got.skipped == 0 and not got.torn_tail
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


def test_write_atomic_replaces_and_is_private(tmp_path: Path) -> None:
    p = tmp_path / "f.json"
    write_atomic(p, "one")
    write_atomic(p, "two")
    assert p.read_text() == "two"
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert [x.name for x in tmp_path.iterdir()] == ["f.json"]  # no temp file left


def test_make_private_dir_creates_parents_0700(tmp_path: Path) -> None:
    d = tmp_path / "a" / "b"
    make_private_dir(d)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE(d.parent.stat().st_mode) == 0o700
