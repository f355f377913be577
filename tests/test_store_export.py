"""Exports of a real meeting folder: every format, the JSON Schema, unwritable paths."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import jsonschema
import pysrt
import pytest
import webvtt

from loopnote import host
from loopnote.errors import StoreError, UsageError
from loopnote.store import (
    Consent,
    MeetingFolder,
    MeetingMeta,
    export_json,
    export_schema,
    export_text,
    write_export,
)
from loopnote.types import Alert, CatchUpCard, SessionWarning, SummaryNode, Utterance, Word


def make(tmp_path: Path) -> MeetingFolder:
    f = MeetingFolder.create(
        tmp_path / "m",
        MeetingMeta(
            id="",
            started_wall=1.8e9,
            sources=("system", "mic"),
            title="Launch plan",
            consent=Consent(True, "Heads-up: recording"),
            model="tiny.en",
        ),
    )
    text = "so the launch moves to Friday because the store review takes longer than we hoped"
    words = tuple(
        Word(w, round(61 + i * 0.35, 3), round(61.3 + i * 0.35, 3), 0.8)
        for i, w in enumerate(text.split())
    )
    f.append_utterance(Utterance("u0", "system", 61, words[-1].end, text, words))
    f.append_utterance(
        Utterance(
            "u1",
            "mic",
            70,
            71.5,
            "Fine by me.",
            (Word("Fine", 70, 70.4), Word("by", 70.5, 70.7), Word("me.", 70.8, 71.5)),
        )
    )
    f.append_summary(SummaryNode("m0", "moment", 60, 120, "draft", ("u0",)))
    f.append_summary(
        SummaryNode(
            "m0", "moment", 60, 120, "Launch moves to Friday", ("u0", "u1"), revision=2, closed=True
        )
    )
    f.append_alert(
        Alert(
            "name",
            "Sam",
            "sam",
            "u0",
            62.0,
            0.9,
            CatchUpCard("Sam, ok?", "so the launch…", "launch", "plan", 62.0),
        )
    )
    f.append_alert(Alert("name", "Sam", "Sam", None, 80.0, 0.7))
    f.append_warning(SessionWarning("device-lost", "speakers removed", "system", 65.0))
    f.finish(1.8e9 + 90, 90.0)
    f.write_notes("## Summary\n\nLaunch moves to Friday.")
    return f


def test_json_validates_against_shipped_schema(tmp_path: Path) -> None:
    f = make(tmp_path)
    data = json.loads(export_text(f, "json"))
    schema = export_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert [u["id"] for u in data["utterances"]] == ["u0", "u1"]
    assert [w["text"] for w in data["utterances"][0]["words"]] == data["utterances"][0][
        "text"
    ].split()
    assert data["summaries"] == [
        {
            "level": "moment",
            "node_id": "m0",
            "start": 60.0,
            "end": 120.0,
            "text": "Launch moves to Friday",
            "children": ["u0", "u1"],
            "revision": 2,
            "closed": True,
        }
    ]
    assert len(data["alerts"]) == 2 and data["alerts"][0]["card"]["addressed"] == "Sam, ok?"
    assert data["events"][0]["code"] == "device-lost"
    assert data["meeting"]["consent"]["text"] == "Heads-up: recording"


def test_schema_rejects_broken_exports(tmp_path: Path) -> None:
    data = export_json(make(tmp_path))
    data["utterances"][0]["source"] = "phone"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, export_schema())
    data = export_json(make(tmp_path / "b"))
    del data["utterances"][1]["words"][0]["end"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, export_schema())


def test_srt_and_vtt_parse_with_times_of_the_words(tmp_path: Path) -> None:
    f = make(tmp_path)
    subs = pysrt.from_string(export_text(f, "srt"))
    assert subs[0].start.ordinal == 61000
    assert subs[0].text.startswith("Them: so the launch")
    assert subs[-1].text == "You: Fine by me." and subs[-1].end.ordinal == 71500
    for s in subs:
        assert len(s.text.split("\n")) <= 2
        assert all(len(line) <= 42 for line in s.text.split("\n"))
    vtt = webvtt.from_buffer(io.StringIO(export_text(f, "vtt")))
    assert [c.text for c in vtt.captions] == [s.text for s in subs]
    assert vtt.captions[0].start == "00:01:01.000"


def test_md_is_the_notes_and_txt_is_the_transcript(tmp_path: Path) -> None:
    f = make(tmp_path)
    md = export_text(f, "md")
    assert md == f.notes_path.read_text(encoding="utf-8")
    assert "Recorded with loopnote" in md and "## Summary" in md
    txt = export_text(f, "txt").splitlines()
    assert txt[0] == "Launch plan"
    assert txt[-2:] == [
        "[00:01:01] Them: so the launch moves to Friday because the store "
        "review takes longer than we hoped",
        "[00:01:10] You: Fine by me.",
    ]


def test_md_without_notes_file_is_rendered(tmp_path: Path) -> None:
    f = make(tmp_path)
    f.notes_path.unlink()
    assert "[00:01:10] You: Fine by me." in export_text(f, "md")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="md, json, srt, vtt, txt"):
        export_text(make(tmp_path), "docx")


def test_write_export_private_file_and_unwritable_paths(tmp_path: Path) -> None:
    out = tmp_path / "out.srt"
    write_export("1\n", out)
    assert out.read_bytes() == b"1\n"  # "\n" on every platform
    if host.MODE_BITS:  # Windows: the profile's ACL (test_host)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(StoreError, match="does not exist"):
        write_export("x", tmp_path / "missing" / "a.md")
    with pytest.raises(StoreError, match="is a directory"):
        write_export("x", tmp_path)
    if host.MODE_BITS:
        # a folder the user cannot write to (root writes anywhere except pseudo file systems)
        locked = Path("/proc") if os.geteuid() == 0 else tmp_path / "ro"
        if locked != Path("/proc"):
            locked.mkdir(0o500)
        target = locked / "loopnote-export.md"
    else:  # Windows: a read-only file cannot be replaced
        target = tmp_path / "ro.md"
        target.write_text("old")
        target.chmod(stat.S_IREAD)
    with pytest.raises(StoreError, match="cannot write") as e:
        write_export("x", target)
    assert "\n" not in str(e.value)
