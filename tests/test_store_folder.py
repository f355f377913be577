"""MeetingFolder: layout, private permissions, journals, crash safety, reading back."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from loopnote import host
from loopnote.errors import StoreError
from loopnote.store import Consent, MeetingFolder, MeetingMeta, new_meeting_id
from loopnote.types import Alert, CatchUpCard, SessionWarning, SummaryNode, Utterance, Word

WALL = 1_795_076_800.0  # 2026-11-19 08:26:40 UTC


def utt(i: int, source: str = "system", text: str = "hello there") -> Utterance:
    s = float(i * 3)
    words = tuple(
        Word(w, round(s + k * 0.4, 3), round(s + k * 0.4 + 0.3, 3), 0.9)
        for k, w in enumerate(text.split())
    )
    return Utterance(f"u{i}", source, s, s + 2.5, text, words)  # type: ignore[arg-type]


def new(tmp_path: Path, **kw: object) -> MeetingFolder:
    meta = MeetingMeta(id="", started_wall=WALL, sources=("system", "mic"), **kw)  # type: ignore[arg-type]
    return MeetingFolder.create(tmp_path / "meetings", meta)


def test_create_layout_and_private_modes(tmp_path: Path) -> None:
    f = new(tmp_path, title="Weekly", consent=Consent(True, "we record"))
    f.append_utterance(utt(0))
    f.append_summary(SummaryNode("m0", "moment", 0, 60, "hi", ("u0",)))
    f.append_alert(Alert("name", "Alex", "alex", "u0", 1.0, 0.9))
    f.append_bookmark(2.0, "remember")
    f.write_notes("## Summary\n\nThings.")
    f.close()
    if host.MODE_BITS:  # Windows: the profile's ACL instead (test_host)
        assert stat.S_IMODE(f.path.stat().st_mode) == 0o700
        assert stat.S_IMODE(f.audio_dir.stat().st_mode) == 0o700
    names = sorted(p.name for p in f.path.iterdir())
    assert names == [
        "alerts.jsonl",
        "audio",
        "events.jsonl",
        "meeting.json",
        "notes.md",
        "summaries.jsonl",
        "transcript.jsonl",
    ]
    for p in f.path.iterdir():
        if p.is_file():
            assert not host.MODE_BITS or stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
            assert b"\r" not in p.read_bytes(), p.name  # binary: "\n" on every platform
    meta = json.loads((f.path / "meeting.json").read_text(encoding="utf-8"))
    assert next(iter(meta)) == "schema_version"
    assert meta["id"] == f.path.name == f.id
    assert meta["started"] == "2026-11-19T08:26:40+00:00"
    assert meta["consent"] == {"shown": True, "text": "we record"}
    assert meta["status"] == "recording"


@pytest.mark.skipif(not host.MODE_BITS, reason="POSIX permission bits (Windows: test_host)")
def test_private_modes_even_with_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        f = new(tmp_path)
        f.append_utterance(utt(0))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "meetings").stat().st_mode) == 0o700
    assert stat.S_IMODE((f.path / "transcript.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE((f.path / "meeting.json").stat().st_mode) == 0o600


def test_ids_sortable_readable_unique(tmp_path: Path) -> None:
    mid = new_meeting_id(WALL)
    assert mid.startswith("2026-11-19-0826-") and len(mid) == len("2026-11-19-0826-ab12")
    ids = {new(tmp_path).id for _ in range(40)}
    assert len(ids) == 40
    later = new_meeting_id(WALL + 3600)
    assert sorted([later, mid]) == [mid, later]


def test_roundtrip_utterances_summaries_alerts_events(tmp_path: Path) -> None:
    f = new(tmp_path)
    us = [utt(i, "mic" if i % 2 else "system", f"word{i} and more") for i in range(5)]
    for u in us:
        f.append_utterance(u)
    f.append_summary(SummaryNode("s0", "section", 0, 300, "first", ("m0",), revision=0))
    f.append_summary(SummaryNode("m0", "moment", 0, 60, "a", ("u0",), revision=0))
    f.append_summary(SummaryNode("s0", "section", 0, 300, "second", ("m0", "m1"), revision=1))
    card = CatchUpCard("Alex, what do you think?", "verbatim", "brief", "so far", 12.0)
    f.append_alert(Alert("name", "Alex", "Alex", "u2", 12.0, 0.95, card))
    f.append_warning(SessionWarning("device-lost", "output removed", "system", 4.0))
    f.append_source_change("system", "sink2.monitor", 5.0)
    f.close()
    g = MeetingFolder.open(f.path)
    assert g.load_utterances() == us
    latest = g.load_summaries()
    assert [(n.node_id, n.text) for n in latest] == [("m0", "a"), ("s0", "second")]
    assert len(g.load_summaries(latest=False)) == 3
    [alert] = g.load_alerts()
    assert alert.card == card and alert.utterance_id == "u2"
    kinds = [e["type"] for e in g.load_events()]
    assert kinds == ["warning", "source"]
    assert g.skipped_lines == 0


def test_torn_last_line_skipped_and_next_append_not_merged(tmp_path: Path) -> None:
    f = new(tmp_path)
    f.append_utterance(utt(0))
    f.append_utterance(utt(1))
    f.close()
    with (f.path / "transcript.jsonl").open("ab") as fh:
        fh.write(b'{"id":"u2","source":"sys')  # a crash mid-write
    g = MeetingFolder.open(f.path)
    assert [u.id for u in g.load_utterances()] == ["u0", "u1"]
    assert g.skipped_lines == 1
    g.append_utterance(utt(3))  # e.g. recovery continues the journal
    g.close()
    h = MeetingFolder.open(f.path)
    assert [u.id for u in h.load_utterances()] == ["u0", "u1", "u3"]


CHILD = r"""
import sys
from pathlib import Path
from loopnote.store import MeetingFolder, MeetingMeta
from loopnote.types import Utterance
f = MeetingFolder.create(Path(sys.argv[1]), MeetingMeta(id="m", started_wall=0.0))
i = 0
while True:
    f.append_utterance(Utterance(f"u{i}", "system", i, i + 1, "x" * 200))
    print(i, flush=True)
    i += 1
"""


def test_kill_9_loses_nothing_appended(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acked = -1
    for line in proc.stdout:
        acked = int(line)
        if acked >= 30:
            break
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no handler runs
    proc.wait()
    got = MeetingFolder.open(tmp_path / "m").load_utterances()
    ids = [u.id for u in got]
    assert ids[: acked + 1] == [f"u{i}" for i in range(acked + 1)]


def test_a_start_that_fails_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """meeting.json cannot be written (a full disk; os.fchmod missing on Windows did the
    same): no folder without it is left behind, listed as broken ever after."""

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(host, "write_all", full)
    with pytest.raises(StoreError, match="No space left"):
        new(tmp_path)
    assert list((tmp_path / "meetings").iterdir()) == []


def test_finish_and_update(tmp_path: Path) -> None:
    f = new(tmp_path)
    f.finish(WALL + 95.0, 95.0)
    f.set_title("  Budget   review ")
    g = MeetingFolder.open(f.path)
    assert g.meta.status == "complete" and g.meta.duration == 95.0
    assert g.meta.ended == "2026-11-19T08:28:15+00:00"
    assert g.meta.title == "Budget review"


def test_explicit_id_collision_is_an_error(tmp_path: Path) -> None:
    MeetingFolder.create(tmp_path, MeetingMeta(id="x", started_wall=WALL))
    with pytest.raises(StoreError, match="already exists"):
        MeetingFolder.create(tmp_path, MeetingMeta(id="x", started_wall=WALL))


@pytest.mark.parametrize(
    "content",
    [
        None,
        "{not json",
        "[1, 2]",
        '{"schema_version": 1}',
        '{"schema_version": 1, "started_wall": 1, "sources": ["x"]}',
    ],
)
def test_open_corrupt_folder_is_one_store_error(tmp_path: Path, content: str | None) -> None:
    d = tmp_path / "broken"
    d.mkdir()
    if content is not None:
        (d / "meeting.json").write_text(content)
    with pytest.raises(StoreError) as e:
        MeetingFolder.open(d)
    assert "\n" not in str(e.value)


def test_notes_md_has_consent_line_and_transcript(tmp_path: Path) -> None:
    f = new(tmp_path, title="Planning", consent=Consent(True, "Heads-up: notes"))
    f.append_utterance(utt(25, "system", "we should ship friday"))
    f.append_utterance(utt(1, "mic", "sounds good"))
    f.write_notes("## Summary\n\nShip it.")
    text = f.notes_path.read_text(encoding="utf-8")
    assert text.startswith("# Planning\n")
    assert 'Recorded with loopnote; participants were told: "Heads-up: notes"' in text
    assert text.index("## Summary") < text.index("## Transcript")
    assert text.index("[00:00:03] You: sounds good") < text.index(
        "[00:01:15] Them: we should ship friday"
    )
