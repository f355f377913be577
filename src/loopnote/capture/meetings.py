"""Noticing meetings from who uses the audio devices. Pure: no OS calls, time is passed in.

``AppActivity``      one application's audio right now: does it play, does it record a
                     microphone (each backend groups its streams into these)
``ActivitySnapshot`` every app's activity, as a backend's watcher reports it on each change
``ServerLost`` / ``ServerBack``  the sound server went away / is reachable again
``WatchRules``       how long "a while" is, the grace period, allow/deny lists, what never counts
``MeetingDetector``  ``observe(apps, now)`` and ``advance(now)`` return ``MeetingStarted`` /
                     ``MeetingEnded`` decisions; ``next_deadline()`` says when to call
                     ``advance`` (None: nothing pending, sleep until the next change)
``unknown_allowed``  allow-list entries that name no app known to hold meetings

A meeting is an app that records the microphone and plays audio at the same time for
``start_after`` seconds. Playback alone (music, a video), recording alone (dictation, a voice
memo), system sounds and loopnote itself never start one. A meeting lasts while its app
records the microphone and ends ``grace`` seconds after it stopped: playback alone does not
keep it going, so a browser that plays music after the call ends the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Apps that hold calls; an allow-list entry naming none of them earns a warning (a typo?).
KNOWN_MEETING_APPS = frozenset(
    {
        "zoom",
        "zoom.us",
        "teams",
        "microsoft teams",
        "teams-for-linux",
        "msteams",
        "slack",
        "webex",
        "ciscowebex",
        "discord",
        "skype",
        "skypeforlinux",
        "signal",
        "signal-desktop",
        "telegram",
        "telegram-desktop",
        "whatsapp",
        "element",
        "mumble",
        "jitsi",
        "jitsi meet",
        "facetime",
        "google chrome",
        "chrome",
        "chromium",
        "chromium-browser",
        "firefox",
        "brave",
        "brave-browser",
        "microsoft edge",
        "msedge",
        "opera",
        "vivaldi",
        "safari",
    }
)

# Sound servers, mixers' level meters, event sounds, screen readers: never a meeting.
SYSTEM_APPS = frozenset(
    {
        "loopnote",
        "pulseaudio",
        "pipewire",
        "pipewire-pulse",
        "wireplumber",
        "pavucontrol",
        "pavucontrol-qt",
        "pwvucontrol",
        "gnome-shell",
        "gsd-media-keys",
        "canberra-gtk-play",
        "speech-dispatcher",
        "plasmashell",
        "kmix",
    }
)


@dataclass(frozen=True)
class AppActivity:
    """One application's audio. ``key`` groups its streams (the pid when known)."""

    key: str
    app: str  # what a person reads (application name)
    binary: str = ""
    pid: int | None = None
    plays: bool = False  # an unpaused playback stream (not an event sound)
    records_mic: bool = False  # records a microphone (not a monitor of an output)

    def label(self) -> str:
        return self.app or self.binary or self.key

    def names(self) -> set[str]:
        return {n.casefold() for n in (self.app, self.binary) if n}


@dataclass(frozen=True)
class ActivitySnapshot:
    apps: tuple[AppActivity, ...]


@dataclass(frozen=True)
class ServerLost:
    reason: str


@dataclass(frozen=True)
class ServerBack:
    pass


ActivityReport = ActivitySnapshot | ServerLost | ServerBack


@dataclass(frozen=True)
class WatchRules:
    start_after: float = 1.5  # both directions at once this long (seconds) = a meeting
    grace: float = 10.0  # the meeting ends this long after the app stopped recording the mic
    allow: tuple[str, ...] = ()  # when given, only these apps (name, binary or pid)
    deny: tuple[str, ...] = ()  # never these
    ignore_pids: frozenset[int] = frozenset()  # loopnote's own processes
    system_apps: frozenset[str] = SYSTEM_APPS

    def counts(self, a: AppActivity) -> bool:
        """Whether ``a`` may hold a meeting at all."""
        names = a.names()
        if a.pid is not None and a.pid in self.ignore_pids:
            return False
        if names & self.system_apps or any(n.startswith("loopnote") for n in names):
            return False
        if _matches(a, self.deny):
            return False
        return not self.allow or _matches(a, self.allow)


def _matches(a: AppActivity, entries: Iterable[str]) -> bool:
    names = a.names()
    for e in entries:
        e = e.strip()
        if e.isdigit() and a.pid == int(e):
            return True
        if e.casefold() in names:
            return True
    return False


def unknown_allowed(allow: Sequence[str]) -> list[str]:
    return [
        e
        for e in allow
        if not e.strip().isdigit() and e.strip().casefold() not in KNOWN_MEETING_APPS
    ]


@dataclass(frozen=True)
class Meeting:
    key: str
    app: str
    binary: str
    pid: int | None
    started: float  # detector time the meeting was decided


@dataclass(frozen=True)
class MeetingStarted:
    meeting: Meeting
    t: float
    concurrent: tuple[Meeting, ...] = ()  # meetings already going on (reported, not merged)


@dataclass(frozen=True)
class MeetingEnded:
    meeting: Meeting
    t: float
    duration: float  # from start to the moment its app stopped recording the mic


Decision = MeetingStarted | MeetingEnded


@dataclass
class _Track:
    app: AppActivity
    both_since: float | None = None  # playing and recording together since
    mic_gone_at: float | None = None  # a meeting's app stopped recording the mic at


@dataclass
class MeetingDetector:
    rules: WatchRules = field(default_factory=WatchRules)
    _tracks: dict[str, _Track] = field(default_factory=dict)
    _meetings: dict[str, Meeting] = field(default_factory=dict)

    @property
    def meetings(self) -> list[Meeting]:
        return list(self._meetings.values())

    def observe(self, apps: Sequence[AppActivity], now: float) -> list[Decision]:
        """The apps' activity changed (``apps`` is everything that uses audio now)."""
        seen = {a.key: a for a in apps if self.rules.counts(a)}
        for key in list(self._tracks):
            if key not in seen and key not in self._meetings:
                del self._tracks[key]
        for key in set(seen) | set(self._meetings):
            a = seen.get(key)
            track = self._tracks.get(key)
            if track is None:
                if a is None:
                    continue
                track = self._tracks[key] = _Track(a)
            quiet = AppActivity(key, track.app.app, track.app.binary, track.app.pid)
            a = a or quiet
            track.app = a
            both = a.plays and a.records_mic
            if both and track.both_since is None:
                track.both_since = now
            elif not both:
                track.both_since = None
            if key in self._meetings:
                if a.records_mic:
                    track.mic_gone_at = None
                elif track.mic_gone_at is None:
                    track.mic_gone_at = now
        return self.advance(now)

    def advance(self, now: float) -> list[Decision]:
        """Decisions whose time has come (call at ``next_deadline()``)."""
        out: list[Decision] = []
        r = self.rules
        for key, track in list(self._tracks.items()):
            m = self._meetings.get(key)
            if m is None:
                since = track.both_since
                if since is not None and now - since >= r.start_after:
                    a = track.app
                    m = Meeting(key, a.label(), a.binary, a.pid, now)
                    others = tuple(self._meetings.values())
                    self._meetings[key] = m
                    out.append(MeetingStarted(m, now, others))
            elif track.mic_gone_at is not None and now - track.mic_gone_at >= r.grace:
                del self._meetings[key]
                gone = track.mic_gone_at
                track.mic_gone_at = None
                track.both_since = None
                out.append(MeetingEnded(m, now, max(0.0, gone - m.started)))
        return out

    def next_deadline(self) -> float | None:
        """When ``advance`` has something to decide; None while nothing is pending."""
        times: list[float] = []
        for key, track in self._tracks.items():
            if key in self._meetings:
                if track.mic_gone_at is not None:
                    times.append(track.mic_gone_at + self.rules.grace)
            elif track.both_since is not None:
                times.append(track.both_since + self.rules.start_after)
        return min(times) if times else None
