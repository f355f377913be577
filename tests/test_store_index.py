"""The SQLite FTS5 index: real database files, real meeting folders."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from loopnote.errors import UsageError
from loopnote.store import MeetingFolder, MeetingMeta, SearchIndex, index_meeting_safely
from loopnote.store.index import fts_query
from loopnote.types import SummaryNode, Utterance


def meeting(
    root: Path,
    title: str,
    lines: list[tuple[float, str]],
    wall: float = 1.8e9,
) -> MeetingFolder:
    f = MeetingFolder.create(
        root, MeetingMeta(id="", started_wall=wall, title=title, sources=("system", "mic"))
    )
    for i, (t, text) in enumerate(lines):
        f.append_utterance(Utterance(f"u{i}", "mic" if i % 2 else "system", t, t + 2, text))
    return f


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "meetings"


def hits_of(index: SearchIndex, q: str) -> list[tuple[str, str, float | None]]:
    return sorted((h.meeting_id, h.kind, h.t) for h in index.search(q))


def test_fresh_meeting_found_incrementally_with_time_and_snippet(
    tmp_path: Path, root: Path
) -> None:
    index = SearchIndex(tmp_path / "index.sqlite3")
    f = meeting(root, "Quarterly", [])
    u = Utterance("u1", "system", 83.2, 86.0, "We agreed on a budget freeze for Q3")
    f.append_utterance(u)
    index.add_utterance(f, u)
    [hit] = index.search("budget freeze")
    assert (hit.meeting_id, hit.kind, hit.t, hit.source) == (f.id, "transcript", 83.2, "system")
    assert hit.snippet == "We agreed on a **budget** **freeze** for Q3"
    assert hit.title == "Quarterly"


def test_summary_revisions_replace_each_other(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    f = meeting(root, "", [])
    index.add_summary(f, SummaryNode("s0", "section", 0, 300, "talk about hiring", ()))
    index.add_summary(f, SummaryNode("s0", "section", 0, 300, "hiring paused", (), 1))
    assert [h.snippet for h in index.search("hiring")] == ["**hiring** paused"]


def test_index_meeting_covers_transcript_summaries_notes_title(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    f = meeting(root, "Roadmap review", [(5, "the roadmap slips"), (9, "fine")])
    f.append_summary(SummaryNode("m0", "moment", 0, 60, "Roadmap slip discussed", ("u0",)))
    f.write_notes("## Action items\n\n- Alex updates the roadmap (00:00:05)\n")
    index.index_meeting(f)
    kinds = {h.kind: h.t for h in index.search("roadmap")}
    assert kinds == {"title": None, "transcript": 5.0, "summary": 0.0, "notes": 5.0}
    index.index_meeting(f)  # idempotent: no duplicates
    assert len(index.search("roadmap")) == 4


def test_reindex_after_deleting_index_gives_same_results(tmp_path: Path, root: Path) -> None:
    path = tmp_path / "i.sqlite3"
    index = SearchIndex(path)
    for k in range(3):
        f = meeting(
            root, f"m{k}", [(k + 1.0, f"topic{k} budget"), (10, "shared words")], wall=1.8e9 + k
        )
        f.write_notes(f"## Summary\n\nBudget talk {k}")
        index.index_meeting(f)
    before = {q: hits_of(index, q) for q in ("budget", "shared", "topic1", "talk")}
    index.close()
    for p in tmp_path.glob("i.sqlite3*"):
        p.unlink()
    fresh = SearchIndex(path)
    assert fresh.search("budget") == []
    report = fresh.rebuild(root)
    assert report.indexed == 3 and report.skipped == ()
    assert {q: hits_of(fresh, q) for q in before} == before
    assert all(before.values())


def test_rebuild_skips_corrupt_folders(tmp_path: Path, root: Path) -> None:
    meeting(root, "good", [(1, "alpha beta")])
    (root / "2026-01-01-0000-dead").mkdir()
    (root / "2026-01-01-0000-dead" / "meeting.json").write_text("{truncated")
    (root / "not-a-meeting").mkdir()
    index = SearchIndex(tmp_path / "i.sqlite3")
    report = index.rebuild(root)
    assert report.indexed == 1
    assert sorted(n for n, _ in report.skipped) == ["2026-01-01-0000-dead", "not-a-meeting"]
    assert len(index.search("alpha")) == 1


def test_remove_meeting_and_deleted_folders_leave_no_hits(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    a = meeting(root, "", [(1, "zebra crossing")])
    b = meeting(root, "", [(1, "zebra stripes")])
    index.index_meeting(a)
    index.index_meeting(b)
    index.remove_meeting(a.id)
    assert index.count(a.id) == 0 and a.id not in index.meeting_ids()
    b.close()  # (Windows cannot remove a file that is still open)
    shutil.rmtree(b.path)  # removed by hand: its rows are stale, hits are hidden
    assert index.search("zebra") == []


def test_damaged_index_file_is_reset_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "i.sqlite3"
    p.write_bytes(b"this is not a database" * 100)
    index = SearchIndex(p)
    assert index.warnings and "reindex" in index.warnings[0]
    assert index.search("anything") == []


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("budget freeze", '"budget" "freeze"'),
        ('"budget freeze" march', '"budget freeze" "march"'),
        ("don't", '"don t"'),
        ("budg*", '"budg"*'),
        ("C++ AND OR NOT (", '"C" "AND" "OR" "NOT"'),
    ],
)
def test_fts_query_is_always_valid(text: str, query: str, tmp_path: Path) -> None:
    assert fts_query(text) == query
    SearchIndex(tmp_path / "i.sqlite3").search(text)  # never a syntax error


def test_empty_query_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        fts_query(' "" ** ')


def test_prefix_and_stemming(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    index.index_meeting(meeting(root, "", [(1, "The budgets were discussed")]))
    assert len(index.search("budget")) == 1  # porter stemming
    assert len(index.search("discus*")) == 1
    assert index.search("discussion") == index.search("discuss")  # same stem


def test_index_meeting_safely_returns_a_warning_instead_of_raising(
    tmp_path: Path, root: Path
) -> None:
    f = meeting(root, "Safe", [(1, "kiwi fruit")])
    assert index_meeting_safely(f.path, index_path=tmp_path / "i.sqlite3") is None
    assert len(SearchIndex(tmp_path / "i.sqlite3").search("kiwi")) == 1
    (f.path / "meeting.json").write_text("{")
    warning = index_meeting_safely(f.path, index_path=tmp_path / "i.sqlite3")
    assert warning is not None and "loopnote reindex" in warning and "\n" not in warning


def test_reader_and_writer_connections_at_once(tmp_path: Path, root: Path) -> None:
    """A recording session writes while `loopnote search` reads from another connection."""
    path = tmp_path / "i.sqlite3"
    writer, reader = SearchIndex(path), SearchIndex(path)
    f = meeting(root, "", [])
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(200):
                writer.add_utterance(f, Utterance(f"u{i}", "system", i, i + 1, f"mango {i}"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=write)
    t.start()
    seen = 0
    while t.is_alive():
        n = len(reader.search("mango", limit=1000))
        assert n >= seen  # committed rows never disappear
        seen = n
    t.join()
    assert not errors
    assert len(reader.search("mango", limit=1000)) == 200


def test_note_times_and_repeated_summary_text(tmp_path: Path, root: Path) -> None:
    index = SearchIndex(tmp_path / "i.sqlite3")
    f = meeting(root, "", [(2, "ship the walrus release")])
    same = "Ship the walrus release."
    for level, node in (("moment", "m0"), ("section", "s0"), ("meeting", "t0")):
        f.append_summary(SummaryNode(node, level, 0, 60, same, ()))  # type: ignore[arg-type]
    f.write_notes(
        "## Action items\n\n- Walrus owner named (0:02)\n- Walrus date [1:02:03]\n"
        "- Walrus at 3:30 pm\n"
    )
    index.index_meeting(f)
    hits = index.search("walrus")
    kinds = [h.kind for h in hits]
    assert kinds.count("transcript") == 1 and kinds.count("summary") == 1  # levels collapsed
    notes = {h.snippet.split("**")[2].strip(): h.t for h in hits if h.kind == "notes"}
    assert notes == {"owner named (0:02)": 2.0, "date [1:02:03]": 3723.0, "at 3:30 pm": None}
