"""The stored meeting format's version, its metadata record, and migrations between versions.

``SCHEMA_VERSION``  the version this code writes (kept in every ``meeting.json``)
``MeetingMeta``     the content of ``meeting.json`` (frozen; ``to_dict``/``from_dict``)
``Consent``         whether the consent reminder was shown, and its text
``Migration``       ``(folder, meta_dict) -> meta_dict``: takes one version to the next
``MIGRATIONS``      from-version -> migration, applied in order by ``migrate``
``migrate``         bring a folder's metadata (and files) up to ``SCHEMA_VERSION``
``iso_utc``         unix time -> ISO 8601 UTC text

Version history:
  0  meeting.json without a version (early builds): fields may be missing
  1  current: id, title, started (ISO UTC) + started_wall, ended, duration, sources, model,
     consent {shown, text}, status
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from loopnote.errors import StoreError
from loopnote.types import SOURCES, Source

SCHEMA_VERSION = 1

Status = Literal["recording", "complete", "interrupted"]
STATUSES: tuple[Status, ...] = ("recording", "complete", "interrupted")

Migration = Callable[[Path, dict[str, Any]], dict[str, Any]]


def iso_utc(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall, tz=dt.UTC).isoformat(timespec="seconds")


def wall_from_iso(text: str) -> float:
    d = dt.datetime.fromisoformat(text)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.timestamp()


@dataclass(frozen=True)
class Consent:
    shown: bool = False
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"shown": self.shown, "text": self.text}


@dataclass(frozen=True)
class MeetingMeta:
    """What ``meeting.json`` holds. ``id`` may be empty until the folder is created."""

    id: str
    started_wall: float  # unix time of session time 0
    sources: tuple[Source, ...] = ("system",)
    title: str = ""
    model: str = ""
    consent: Consent = Consent()
    status: Status = "recording"
    ended_wall: float | None = None
    duration: float | None = None  # session seconds covered
    schema_version: int = SCHEMA_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this version does not know

    @property
    def started(self) -> str:
        return iso_utc(self.started_wall)

    @property
    def ended(self) -> str | None:
        return None if self.ended_wall is None else iso_utc(self.ended_wall)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": self.schema_version,
            "id": self.id,
            "title": self.title,
            "started": self.started,
            "started_wall": round(self.started_wall, 3),
            "ended": self.ended,
            "ended_wall": None if self.ended_wall is None else round(self.ended_wall, 3),
            "duration": None if self.duration is None else round(self.duration, 3),
            "sources": list(self.sources),
            "model": self.model,
            "consent": self.consent.to_dict(),
            "status": self.status,
        }
        for k, v in self.extra.items():
            d.setdefault(k, v)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MeetingMeta:
        try:
            sources = tuple(d.get("sources") or ("system",))
            for s in sources:
                if s not in SOURCES:
                    raise ValueError(f"unknown source {s!r}")
            status = d.get("status", "complete")
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            if d.get("started_wall") is not None:
                started = float(d["started_wall"])
            else:
                started = wall_from_iso(str(d["started"]))
            ended = d.get("ended_wall")
            if ended is None and d.get("ended"):
                ended = wall_from_iso(str(d["ended"]))
            c = d.get("consent") or {}
            known = {
                "schema_version",
                "id",
                "title",
                "started",
                "started_wall",
                "ended",
                "ended_wall",
                "duration",
                "sources",
                "model",
                "consent",
                "status",
            }
            return cls(
                id=str(d.get("id", "")),
                started_wall=started,
                sources=cast(tuple[Source, ...], sources),
                title=str(d.get("title") or ""),
                model=str(d.get("model") or ""),
                consent=Consent(bool(c.get("shown", False)), str(c.get("text", ""))),
                status=cast(Status, status),
                ended_wall=None if ended is None else float(ended),
                duration=None if d.get("duration") is None else float(d["duration"]),
                schema_version=int(d.get("schema_version", SCHEMA_VERSION)),
                extra={k: v for k, v in d.items() if k not in known},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StoreError(f"meeting.json is not valid: {e}") from None


def _v0_to_v1(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Early, unversioned folders: fill in what version 1 requires."""
    out = dict(meta)
    out.setdefault("id", folder.name)
    if out.get("started_wall") is None and not out.get("started"):
        out["started_wall"] = folder.stat().st_mtime
    out.setdefault("title", "")
    out.setdefault("model", "")
    out.setdefault("sources", ["system"])
    out.setdefault("consent", {"shown": False, "text": ""})
    if "status" not in out:
        out["status"] = "complete" if out.get("ended") or out.get("ended_wall") else "interrupted"
    return out


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


def stored_version(meta: Mapping[str, Any]) -> int:
    v = meta.get("schema_version", 0)
    if not isinstance(v, int) or v < 0:
        raise StoreError(f"meeting.json has a bad schema_version {v!r}")
    return v


def migrate(
    folder: Path,
    meta: dict[str, Any],
    *,
    write: Callable[[dict[str, Any]], None],
    migrations: Mapping[int, Migration] = MIGRATIONS,
    target: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    """Apply migrations from the stored version up to ``target``, one at a time.

    After each step the new metadata (with its version) is passed to ``write``, so a crash
    between steps resumes from the last finished one. Migrations must be idempotent over
    the folder's other files.
    """
    version = stored_version(meta)
    if version > target:
        raise StoreError(
            f"{folder.name} was written by a newer loopnote (format {version}, this one "
            f"reads up to {target}); upgrade loopnote"
        )
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise StoreError(f"no migration from format {version} for {folder.name}")
        meta = step(folder, dict(meta))
        version += 1
        meta["schema_version"] = version
        write(meta)
    return meta
