"""The library: listing, resolving ids, deleting without leftovers, renaming, retention."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loopnote import host
from loopnote.errors import MeetingNotFound, StoreError
from loopnote.store import Library, MeetingFolder, MeetingMeta, SearchIndex
from loopnote.types import Utterance

DAY = 86400.0
T0 = 1.8e9


def add(
    root: Path, title: str, wall: float, *, mid: str = "", done: bool = True, audio: int = 0
) -> MeetingFolder:
    f = MeetingFolder.create(
        root, MeetingMeta(id=mid, started_wall=wall, title=title, sources=("system", "mic"))
    )
    f.append_utterance(Utterance("u0", "system", 1, 2, f"about {title}"))
    if audio:
        (f.audio_dir / "system-0001.flac").write_bytes(b"\0" * audio)
    if done:
        f.finish(wall + 600, 600)
    f.write_notes("")
    return f


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "meetings"


def test_listing_newest_first_with_sizes_and_skips_corrupt(root: Path) -> None:
    a = add(root, "old", T0, audio=5000)
    b = add(root, "new", T0 + DAY)
    (root / "junk").mkdir()
    (root / "junk" / "todo.txt").write_text("not a meeting")
    (root / "left").mkdir()  # a start killed before meeting.json: nothing in it to report
    (root / "left" / "audio").mkdir()
    (root / "left" / ".meeting.json.tmp").write_text("{")
    (root / "half").mkdir()
    (root / "half" / "meeting.json").write_text('{"schema_version": 1, "started_wall": "x"}')
    (root / ".hidden").mkdir()
    listing = Library(root).listing()
    assert [m.id for m in listing.meetings] == [b.id, a.id]
    assert listing.meetings[1].size_bytes >= 5000 > listing.meetings[0].size_bytes
    assert listing.meetings[0].duration == 600 and listing.meetings[0].sources == ("system", "mic")
    assert sorted(n for n, _ in listing.skipped) == ["half", "junk"]
    assert all(r.startswith(n) for n, r in listing.skipped)


def test_missing_root_lists_nothing(tmp_path: Path) -> None:
    assert Library(tmp_path / "nope").listing().meetings == ()


def test_resolve_id_prefix_last_title(root: Path) -> None:
    a = add(root, "Budget review", T0, mid="2027-01-15-0800-aaaa")
    b = add(root, "Hiring", T0 + 60, mid="2027-01-15-0801-bbbb")
    lib = Library(root)
    assert lib.resolve(a.id).id == a.id
    assert lib.resolve("2027-01-15-0801").id == b.id
    assert lib.resolve("last").id == b.id
    assert lib.resolve("budget REVIEW").id == a.id
    with pytest.raises(MeetingNotFound, match="matches 2 meetings"):
        lib.resolve("2027-01-15")


def test_unknown_id_suggests_close_matches(root: Path) -> None:
    a = add(root, "Budget review", T0, mid="2027-01-15-0800-aaaa")
    with pytest.raises(MeetingNotFound) as e:
        Library(root).resolve("2027-01-15-0800-aaab")
    assert f"did you mean {a.id}" in str(e.value)
    with pytest.raises(MeetingNotFound, match="did you mean"):
        Library(root).resolve("Budget reveiw")
    with pytest.raises(MeetingNotFound, match="'loopnote meetings' lists them"):
        Library(root).resolve("qqqq")
    with pytest.raises(MeetingNotFound, match="no meetings yet"):
        Library(root / "empty").resolve("last")
    with pytest.raises(MeetingNotFound):
        Library(root).resolve("../meetings")


def test_a_name_the_system_cannot_look_up_is_no_meeting(root: Path) -> None:
    add(root, "Standup", T0)
    for ref in ("x" * 300, "a\0b", "a/" + "x" * 300):
        with pytest.raises(MeetingNotFound, match="no meeting"):
            Library(root).resolve(ref)


def test_a_meeting_folder_given_by_its_path_says_how_to_open_it(tmp_path: Path) -> None:
    elsewhere = add(tmp_path / "elsewhere", "Standup", T0)
    with pytest.raises(MeetingNotFound) as e:
        Library(tmp_path / "meetings").resolve(str(elsewhere.path))
    assert str(e.value).endswith(f"give its name and --out {tmp_path / 'elsewhere'}")
    assert Library(tmp_path / "elsewhere").resolve(elsewhere.path.name).id == elsewhere.id


def test_delete_leaves_nothing_behind(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    keep = add(root, "keep", T0)
    gone = add(root, "gone", T0 + 1, audio=1000)
    for f in (keep, gone):
        index.index_meeting(f)
    gone.close()  # as the session does at the end (Windows cannot remove an open file)
    before = {p.name for p in root.iterdir()}
    Library(root, index).delete(gone.id)
    assert not gone.path.exists()
    assert {p.name for p in root.iterdir()} == before - {gone.id}
    assert index.count(gone.id) == 0 and gone.id not in index.meeting_ids()
    assert index.search("gone") == [] and len(index.search("keep")) == 2
    with pytest.raises(MeetingNotFound):
        Library(root).resolve(gone.id)


def test_rename_updates_meta_notes_and_index(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    f = add(root, "Old name", T0)
    index.index_meeting(f)
    Library(root, index).rename(f.id, "  Quarterly   planning ")
    g = MeetingFolder.open(f.path)
    assert g.meta.title == "Quarterly planning"
    assert g.notes_path.read_text(encoding="utf-8").startswith("# Quarterly planning\n")
    assert [h.kind for h in index.search("quarterly")] == ["title"]
    assert [h.title for h in index.search("about")] == ["Quarterly planning"]
    with pytest.raises(StoreError):
        Library(root).rename(f.id, "   ")


def test_retention(root: Path) -> None:
    old = add(root, "old", T0 - 40 * DAY, audio=10)
    recent = add(root, "recent", T0 - 2 * DAY, audio=10)
    live = add(root, "live", T0 - 50 * DAY, done=False, audio=10)
    lib = Library(root)
    assert lib.apply_retention("forever", T0) == []
    assert lib.apply_retention("days:30", T0) == [old.id]
    assert not old.audio_dir.exists() and recent.audio_dir.exists() and live.audio_dir.exists()
    assert (old.path / "transcript.jsonl").exists()  # only audio goes
    assert lib.apply_retention("no", T0) == [recent.id]
    assert live.audio_dir.exists()  # never while recording (or awaiting recovery)
    with pytest.raises(Exception, match="keep-audio"):
        lib.apply_retention("weekly", T0)


def test_listing_survives_unreadable_folder(root: Path) -> None:
    add(root, "fine", T0)
    bad = add(root, "bad", T0 + 1)
    if host.MODE_BITS and os.geteuid() != 0:
        os.chmod(bad.path / "meeting.json", 0)
    else:  # root, or Windows (where chmod only sets read-only): permissions do not stop it
        (bad.path / "meeting.json").write_bytes(b"\x00\xff")
    listing = Library(root).listing()
    assert [m.title for m in listing.meetings] == ["fine"]
    assert [n for n, _ in listing.skipped] == [bad.id]


def test_damaged_folder_can_be_deleted_by_exact_name(root: Path) -> None:
    add(root, "fine", T0)
    bad = root / "2027-01-01-0000-beef"
    bad.mkdir()
    (bad / "meeting.json").write_text("{")
    (bad / "audio").mkdir()
    lib = Library(root)
    with pytest.raises(MeetingNotFound):
        lib.delete("2027-01-01-0000-be")  # a prefix only finds readable meetings
    assert lib.delete(bad.name) == bad.name and not bad.exists()
    assert len(lib.listing().meetings) == 1


@pytest.mark.parametrize("ref", ["x\\..\\..\\victim", "x/../../victim", "..", "C:victim"])
def test_a_reference_never_reaches_outside_the_root(root: Path, ref: str) -> None:
    """ "\\" separates folders on Windows as "/" does everywhere: a meeting reference with
    either is not a folder name, so delete cannot remove a damaged folder outside the root."""
    add(root, "fine", T0)
    victim = root.parent / "victim"
    victim.mkdir()
    (victim / "meeting.json").write_text("{")  # damaged: delete would take it by its name
    lib = Library(root)
    with pytest.raises((MeetingNotFound, StoreError)):
        lib.resolve(ref)
    with pytest.raises((MeetingNotFound, StoreError)):
        lib.delete(ref)
    assert (victim / "meeting.json").exists()
