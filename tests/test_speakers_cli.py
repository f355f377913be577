"""Speaker labels in a finished meeting: events applied when reading (show, exports, search)
and ``loopnote speakers --rename``; real folders and a real SQLite index."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from loopnote.cli import main as cli_main
from loopnote.store import MeetingFolder, MeetingMeta, SearchIndex, export_json, export_text
from loopnote.store.notes import notes_header
from loopnote.types import Utterance

Run = Callable[..., tuple[int, str, str]]
LINES = [
    ("system", 1.0, "Morning, this is Marcus."),
    ("mic", 4.0, "Dana, where are we with the release?"),
    ("system", 7.0, "We are on track."),
    ("mic", 10.0, "Thanks, Dana."),
]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("LOOPNOTE_OUT", raising=False)

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli_main.main([*argv, "--out", str(tmp_path / "meetings")])
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def meeting(tmp_path: Path) -> MeetingFolder:
    f = MeetingFolder.create(
        tmp_path / "meetings",
        MeetingMeta(id="", started_wall=1.8e9, title="Release", sources=("system", "mic")),
    )
    index = SearchIndex()
    for i, (src, t, text) in enumerate(LINES):
        u = Utterance(f"u{i}", src, t, t + 2.0, text)  # type: ignore[arg-type]
        f.append_utterance(u)
        index.add_utterance(f, u)
    f.finish(1.8e9 + 20, 20.0)
    f.write_notes("## Summary\n\nThe release is on track.")
    index.close()
    return f


def diarized(f: MeetingFolder) -> MeetingFolder:
    """As ``loopnote speakers`` leaves a meeting: relabels and a proposed name."""
    f.append_event("relabel", {"utterance_id": "u0", "speaker": "s1", "wall": 1.0})
    f.append_event("relabel", {"utterance_id": "u2", "speaker": "s2", "wall": 1.0})
    f.append_event(
        "speaker", {"id": "s1", "name": "Marcus", "how": "conversation", "score": 0.8, "wall": 1.0}
    )
    return f


def test_without_speaker_events_everything_reads_as_before(meeting: MeetingFolder) -> None:
    assert [u.speaker for u in meeting.load_labelled_utterances()] == [None] * 4
    assert "Them: We are on track." in export_text(meeting, "txt")
    data = export_json(meeting)
    assert "speaker" not in data["utterances"][2]  # nobody has told "them" apart yet
    assert data["utterances"][1]["speaker"] == "you"


def test_relabels_and_names_apply_when_reading(meeting: MeetingFolder) -> None:
    diarized(meeting)
    labels = [u.speaker for u in meeting.load_labelled_utterances()]
    assert labels == ["Marcus", None, "Speaker 2", None]
    txt = export_text(meeting, "txt")
    assert "Marcus: Morning" in txt and "Speaker 2: We are on track." in txt
    assert "You: Thanks, Dana." in txt
    srt = export_text(meeting, "srt")
    assert "Speaker 2: We are on track." in srt
    vtt = export_text(meeting, "vtt")
    assert "Marcus: Morning" in vtt
    utts = export_json(meeting)["utterances"]
    assert [(u["speaker"], u["speaker_name"]) for u in utts] == [
        ("s1", "Marcus"),
        ("you", None),
        ("s2", None),
        ("you", None),
    ]
    # the journal itself is untouched
    raw = (meeting.path / "transcript.jsonl").read_text()
    assert 'Marcus"' not in raw.replace("Marcus.", "") and "s2" not in raw


def test_export_json_with_speakers_follows_the_schema(meeting: MeetingFolder) -> None:
    import jsonschema

    from loopnote.store import export_schema

    diarized(meeting)
    jsonschema.validate(export_json(meeting), export_schema())


def test_rename_records_an_event_and_every_reader_follows(run: Run, meeting: MeetingFolder) -> None:
    diarized(meeting)
    code, out, err = run("speakers", meeting.id, "--rename", "Speaker 2=Dana")
    assert code == 0, err
    assert "Dana" in out and "Marcus" in out
    events = [e for e in meeting.load_events() if e["type"] == "speaker"]
    assert events[-1]["id"] == "s2" and events[-1]["name"] == "Dana"
    assert events[-1]["how"] == "user"
    code, out, _ = run("show", meeting.id)
    assert "Dana: We are on track." in out and "Marcus: Morning" in out
    assert "The release is on track." in out  # the notes above the transcript stay
    code, out, _ = run("search", "track", "--speaker", "Dana")
    assert code == 0 and "Dana:" in out
    code, _, _ = run("search", "track", "--speaker", "Marcus")
    assert code == 1
    code, out, _ = run("speakers", meeting.id, "--rename", "Dana=Dana Lee", "--json")
    assert code == 0
    assert {r["id"]: r["label"] for r in json.loads(out)}["s2"] == "Dana Lee"


@pytest.mark.parametrize(
    ("rename", "says"),
    [
        ("Speaker 7=Marcus", "no speaker 'Speaker 7'"),
        ("Speaker 2=   ", "the new name is empty"),
        ("Marcus", "OLD=NEW"),
        ("=Marcus", "OLD=NEW"),
    ],
)
def test_a_bad_rename_is_one_line_and_changes_nothing(
    run: Run, meeting: MeetingFolder, rename: str, says: str
) -> None:
    diarized(meeting)
    before = (meeting.path / "events.jsonl").read_text()
    code, _, err = run("speakers", meeting.id, "--rename", "Speaker 1=Tom", "--rename", rename)
    assert code != 0
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert (meeting.path / "events.jsonl").read_text() == before


def test_rename_before_diarizing_says_what_to_do(run: Run, meeting: MeetingFolder) -> None:
    code, _, err = run("speakers", meeting.id, "--rename", "Speaker 1=Tom")
    assert code != 0 and "no speakers yet" in err


def test_without_the_extra_one_line_names_it(
    run: Run, meeting: MeetingFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "resemblyzer", None)  # as if not installed
    before = (
        (meeting.path / "events.jsonl").read_text()
        if (meeting.path / "events.jsonl").exists()
        else ""
    )
    code, _, err = run("speakers", meeting.id)
    assert code != 0
    assert "pip install 'loopnote[speakers]'" in err and err.count("\n") == 1
    assert "Traceback" not in err
    after = (
        (meeting.path / "events.jsonl").read_text()
        if (meeting.path / "events.jsonl").exists()
        else ""
    )
    assert after == before


def test_notes_name_the_owner_of_an_action_item(run: Run, meeting: MeetingFolder) -> None:
    meeting.append_utterance(
        Utterance("u9", "system", 14.0, 16.0, "I will send the release notes by Friday.")
    )
    diarized(meeting)
    meeting.append_event("relabel", {"utterance_id": "u9", "speaker": "s1", "wall": 2.0})
    code, _, err = run("notes", meeting.id)
    assert code == 0, err
    notes = notes_header(meeting.notes_path.read_text())  # the notes, not the transcript
    action = next(line for line in notes.splitlines() if line.startswith("- [ ]"))
    assert "Marcus" in action and "Them" not in action


def test_remembered_voices_are_opt_in_listed_renamed_and_forgotten(
    run: Run, meeting: MeetingFolder, tmp_path: Path
) -> None:
    import numpy as np

    from loopnote.store.voices import VoiceStore, save_meeting_voiceprints

    diarized(meeting)
    voices_file = tmp_path / "data" / "voices.json"
    code, _, _ = run("speakers", meeting.id, "--rename", "Speaker 2=Dana")
    assert code == 0 and not voices_file.exists()  # nothing kept without --remember
    code, _, err = run("speakers", meeting.id, "--rename", "Speaker 2=Dana", "--remember")
    assert code != 0 and "no voiceprint" in err and not voices_file.exists()
    print_ = np.ones(8) / np.sqrt(8)
    save_meeting_voiceprints(meeting.path, "m", {"s1": print_, "s2": -print_})
    code, _, err = run("speakers", meeting.id, "--rename", "Speaker 2=Dana", "--remember")
    assert code == 0, err
    assert oct(voices_file.stat().st_mode & 0o777) == "0o600"
    store = VoiceStore(tmp_path / "data")
    assert [v.name for v in store.voices()] == ["Dana"]
    assert store.match(-print_.astype(np.float32), "m", at_least=0.65, margin=0.1) == (
        "Dana",
        pytest.approx(1.0, abs=1e-4),
    )
    assert store.match(print_.astype(np.float32), "m", at_least=0.65, margin=0.1) is None
    code, out, _ = run("speakers", "--voices", "--rename", "Dana=Dana Lee")
    assert code == 0 and "Dana Lee" in out
    code, _, err = run("speakers", "--forget", "Nobody")
    assert code != 0 and "no remembered voice" in err
    code, out, _ = run("speakers", "--forget", "dana lee")
    assert code == 0 and not voices_file.exists()  # forgetting deletes the data
    code, out, _ = run("speakers", "--voices")
    assert code == 0 and "No remembered voices" in out
