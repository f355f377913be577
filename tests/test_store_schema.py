"""Schema versions and migrations, with fake older-version folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loopnote.errors import StoreError
from loopnote.store import SCHEMA_VERSION, MeetingFolder, MeetingMeta, migrate
from loopnote.store.schema import Consent


def test_roundtrip_keeps_unknown_keys_and_versions_first() -> None:
    m = MeetingMeta(
        id="x",
        started_wall=1_800_000_000.5,
        sources=("mic",),
        title="T",
        consent=Consent(True, "told"),
        extra={"future_field": [1]},
    )
    d = m.to_dict()
    assert next(iter(d)) == "schema_version" and d["schema_version"] == SCHEMA_VERSION
    assert MeetingMeta.from_dict(d) == m


def test_unversioned_folder_is_migrated_on_open(tmp_path: Path) -> None:
    d = tmp_path / "2025-01-02-0304-abcd"
    d.mkdir()
    (d / "meeting.json").write_text(json.dumps({"started": "2025-01-02T03:04:00+00:00"}))
    (d / "transcript.jsonl").write_text(
        json.dumps({"id": "u0", "source": "system", "start": 1, "end": 2, "text": "hi"}) + "\n"
    )
    f = MeetingFolder.open(d)
    assert f.meta.id == d.name and f.meta.status == "interrupted"
    assert f.meta.started == "2025-01-02T03:04:00+00:00"
    stored = json.loads((d / "meeting.json").read_text(encoding="utf-8"))
    assert stored["schema_version"] == SCHEMA_VERSION  # written back
    assert [u.text for u in f.load_utterances()] == ["hi"]


def test_migrations_apply_in_order_and_save_each_step(tmp_path: Path) -> None:
    calls: list[int] = []
    saved: list[int] = []

    def step(n: int) -> Any:
        def run(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
            assert meta["schema_version"] == n
            calls.append(n)
            return {**meta, f"added_by_{n}": True}

        return run

    fake = {1: step(1), 2: step(2), 3: step(3)}
    out = migrate(
        tmp_path,
        {"schema_version": 1},
        write=lambda m: saved.append(m["schema_version"]),
        migrations=fake,
        target=4,
    )
    assert calls == [1, 2, 3] and saved == [2, 3, 4]
    assert out["schema_version"] == 4 and out["added_by_1"] and out["added_by_3"]


def test_crash_between_steps_resumes_from_last_saved(tmp_path: Path) -> None:
    store: dict[str, Any] = {"schema_version": 1}

    def boom(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("power cut")

    def save(m: dict[str, Any]) -> None:
        store.clear()
        store.update(m)

    with pytest.raises(RuntimeError):
        migrate(
            tmp_path, dict(store), write=save, migrations={1: lambda f, m: m, 2: boom}, target=3
        )
    assert store["schema_version"] == 2
    out = migrate(
        tmp_path,
        dict(store),
        write=save,
        migrations={2: lambda f, m: {**m, "done": True}},
        target=3,
    )
    assert out == {"schema_version": 3, "done": True} == store


def test_newer_format_refused_with_one_line(tmp_path: Path) -> None:
    d = tmp_path / "m"
    d.mkdir()
    (d / "meeting.json").write_text(
        json.dumps({"schema_version": SCHEMA_VERSION + 1, "started_wall": 1.0})
    )
    with pytest.raises(StoreError, match="newer loopnote"):
        MeetingFolder.open(d)


def test_missing_migration_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no migration from format 1"):
        migrate(tmp_path, {"schema_version": 1}, write=lambda m: None, migrations={}, target=2)
