"""One speaker per utterance: where the voice changes inside an utterance (pure rules), and
``split`` events that readers apply without the journal being rewritten."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from loopnote.speakers import SpeakerTurn, cut_times, split_by_speaker, split_regions
from loopnote.speakers.segment import ChangeOptions, chunk_changes, merge_close
from loopnote.store import MeetingFolder, MeetingMeta, export_json
from loopnote.store.speakers import SpeakerBook, split_utterance
from loopnote.types import Utterance, Word


def words(text: str, start: float = 0.0, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(
        Word(w, start + i * step, start + i * step + 0.3) for i, w in enumerate(text.split())
    )


def test_an_utterance_is_cut_at_the_word_where_the_voice_changes() -> None:
    ws = words("so that is my update thanks Dana over to you now")
    turns = [SpeakerTurn(0.0, 2.3, "s1"), SpeakerTurn(2.3, 5.0, "s2")]
    parts = split_by_speaker(0.0, 4.7, ws, turns)
    assert [(p.speaker, p.first_word, p.end_word) for p in parts] == [("s1", 0, 6), ("s2", 6, 11)]
    assert cut_times(parts) == [ws[6].start]  # a cut falls where a word starts
    assert parts[0].start == 0.0 and parts[-1].end == 4.7


def test_a_blip_of_another_voice_never_cuts_a_sentence() -> None:
    ws = words("we are on track for the release next week I think")
    turns = [SpeakerTurn(0.0, 2.3, "s1"), SpeakerTurn(2.3, 2.7, "s2"), SpeakerTurn(2.7, 5, "s1")]
    parts = split_by_speaker(0.0, 4.7, ws, turns)
    assert [p.speaker for p in parts] == ["s1"]


def test_one_voice_or_no_word_timestamps_leave_the_utterance_whole() -> None:
    turns = [SpeakerTurn(0.0, 1.5, "s1"), SpeakerTurn(1.5, 5.0, "s2")]
    assert len(split_by_speaker(0.0, 4.0, (), turns)) == 1
    assert split_by_speaker(0.0, 4.0, (), turns)[0].speaker == "s2"  # the one most heard
    one = [SpeakerTurn(0.0, 5.0, "s3")]
    assert [p.speaker for p in split_by_speaker(0.0, 4.0, words("a b c d e f"), one)] == ["s3"]


def test_speech_regions_are_cut_at_changes_inside_them() -> None:
    assert split_regions([(0.0, 5.0), (6.0, 9.0)], [2.0, 5.5, 7.0]) == [
        (0.0, 2.0),
        (2.0, 5.0),
        (6.0, 7.0),
        (7.0, 9.0),
    ]
    assert merge_close([1.0, 1.2, 3.0], 0.4) == [1.1, 3.0]


def test_a_change_is_where_one_local_voice_hands_over_to_another() -> None:
    probs = np.zeros((300, 7), np.float32)
    probs[:100, 1] = 1.0  # local speaker 0
    probs[100:120, 0] = 1.0  # a pause
    probs[120:200, 2] = 1.0  # local speaker 1
    probs[200:203, 1] = 1.0  # a blip: not a voice
    probs[203:, 2] = 1.0
    (t,) = chunk_changes(probs, ChangeOptions())
    assert 1.7 < t < 2.0  # the middle of the pause (frames are ~17 ms)


def utterance() -> Utterance:
    ws = words("that is all from me. Dana, over to you", start=10.0)
    return Utterance("s00007", "system", 10.0, 13.5, "that is all from me. Dana, over to you", ws)


def test_a_split_utterance_keeps_its_words_text_and_times() -> None:
    u = utterance()
    a, b = split_utterance(u, [u.words[5].start])
    assert (a.id, a.text, a.start, a.end) == ("s00007", "that is all from me.", 10.0, 12.0)
    assert (b.id, b.text, b.start, b.end) == ("s00007.2", "Dana, over to you", 12.0, 13.5)
    assert a.words + b.words == u.words
    assert split_utterance(u, []) == [u]
    assert split_utterance(u, [99.0]) == [u]  # a cut after the last word cuts nothing


def test_readers_apply_splits_and_part_labels_and_a_later_split_undoes(tmp_path: Path) -> None:
    f = MeetingFolder.create(tmp_path, MeetingMeta(id="", started_wall=1.8e9, sources=("system",)))
    u = utterance()
    f.append_utterance(u)
    f.finish(1.8e9 + 20, 20.0)
    journal = (f.path / "transcript.jsonl").read_bytes()
    f.append_event("split", {"utterance_id": u.id, "at": [u.words[5].start], "wall": 1.0})
    f.append_event("relabel", {"utterance_id": "s00007", "speaker": "s1", "wall": 1.0})
    f.append_event("relabel", {"utterance_id": "s00007.2", "speaker": "s2", "wall": 1.0})
    shown = f.load_labelled_utterances()
    assert [(x.text, x.speaker) for x in shown] == [
        ("that is all from me.", "Speaker 1"),
        ("Dana, over to you", "Speaker 2"),
    ]
    exported = export_json(f)["utterances"]
    assert [(d["id"], d["speaker"]) for d in exported] == [("s00007", "s1"), ("s00007.2", "s2")]
    assert (f.path / "transcript.jsonl").read_bytes() == journal  # never rewritten
    f.append_event("split", {"utterance_id": u.id, "at": [], "wall": 2.0})
    assert [x.text for x in f.load_labelled_utterances()] == [u.text]
    assert SpeakerBook.from_events(f.load_events()).splits == {u.id: []}
