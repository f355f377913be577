"""The meeting detector's decisions, on scripted activity with an injected clock."""

from __future__ import annotations

from loopnote.capture.meetings import (
    AppActivity,
    MeetingDetector,
    MeetingEnded,
    MeetingStarted,
    WatchRules,
    unknown_allowed,
)

RULES = WatchRules(start_after=1.5, grace=10.0)


def zoom(plays: bool = True, records: bool = True, pid: int = 100) -> AppActivity:
    return AppActivity(f"pid:{pid}", "ZOOM VoiceEngine", "zoom", pid, plays, records)


def run(
    script: list[tuple[float, list[AppActivity]]], until: float, rules: WatchRules = RULES
) -> list[tuple[float, str, str]]:
    """Feed each (time, apps) change; between changes, wake only at the detector's deadlines
    (as the watcher does). Returns (time, kind, app) for each decision."""
    d = MeetingDetector(rules)
    out: list[tuple[float, str, str]] = []

    def note(decisions: list[MeetingStarted | MeetingEnded]) -> None:
        for x in decisions:
            kind = "start" if isinstance(x, MeetingStarted) else "end"
            out.append((x.t, kind, x.meeting.app))

    changes: list[tuple[float, list[AppActivity] | None]] = [
        *sorted(script, key=lambda c: c[0]),
        (until, None),
    ]
    for t, apps in changes:
        while (deadline := d.next_deadline()) is not None and deadline <= t:
            note(d.advance(deadline))
        if apps is not None:
            note(d.observe(apps, t))
    return out


def test_an_app_that_plays_and_records_starts_a_meeting_after_a_while() -> None:
    assert run([(0.0, [zoom()])], until=60) == [(1.5, "start", "ZOOM VoiceEngine")]


def test_a_brief_overlap_is_not_a_meeting() -> None:
    # a notification ping while a voice memo records: both for under start_after
    assert run([(0.0, [zoom()]), (1.0, [zoom(plays=False)])], until=60) == []


def test_music_alone_and_dictation_alone_never_start_one() -> None:
    music = AppActivity("pid:7", "Spotify", "spotify", 7, plays=True)
    dictation = AppActivity("pid:8", "nerd-dictation", "python3", 8, records_mic=True)
    assert run([(0.0, [music, dictation])], until=3600) == []


def test_two_apps_do_not_make_a_meeting_together() -> None:
    player = AppActivity("pid:7", "Firefox", "firefox", 7, plays=True)
    recorder = AppActivity("pid:9", "Audacity", "audacity", 9, records_mic=True)
    assert run([(0.0, [player, recorder])], until=60) == []


def test_system_sounds_and_loopnote_itself_never_count() -> None:
    rules = WatchRules(start_after=1.5, ignore_pids=frozenset({42}))
    own = AppActivity("pid:42", "python3", "python3", 42, True, True)
    parec = AppActivity("pid:43", "loopnote", "parec", 43, True, True)
    meter = AppActivity("pid:44", "PulseAudio Volume Control", "pavucontrol", 44, True, True)
    assert run([(0.0, [own, parec, meter])], until=60, rules=rules) == []


def test_the_meeting_ends_a_grace_period_after_the_mic_closes() -> None:
    got = run([(0.0, [zoom()]), (100.0, [])], until=200)
    assert got == [(1.5, "start", "ZOOM VoiceEngine"), (110.0, "end", "ZOOM VoiceEngine")]


def test_a_mic_that_returns_within_the_grace_period_keeps_the_meeting() -> None:
    got = run([(0.0, [zoom()]), (50.0, []), (55.0, [zoom()]), (300.0, [])], until=400)
    assert [k for _, k, _ in got] == ["start", "end"]
    assert got[1][0] == 310.0


def test_playback_alone_does_not_keep_a_meeting_going() -> None:
    # the call ends but the browser goes on playing a video
    got = run([(0.0, [zoom()]), (30.0, [zoom(records=False)])], until=100)
    assert got[-1] == (40.0, "end", "ZOOM VoiceEngine")


def test_the_same_app_can_hold_a_second_meeting_later() -> None:
    got = run([(0.0, [zoom()]), (20.0, []), (100.0, [zoom()])], until=200)
    assert [(t, k) for t, k, _ in got] == [(1.5, "start"), (30.0, "end"), (101.5, "start")]


def test_two_meetings_at_once_are_both_reported_not_merged() -> None:
    d = MeetingDetector(RULES)
    teams = AppActivity("pid:200", "Microsoft Teams", "teams", 200, True, True)
    d.observe([zoom()], 0.0)
    first = d.advance(2.0)
    d.observe([zoom(), teams], 3.0)
    second = d.advance(5.0)
    assert [x.meeting.app for x in first] == ["ZOOM VoiceEngine"]
    assert len(second) == 1 and isinstance(second[0], MeetingStarted)
    assert second[0].meeting.app == "Microsoft Teams"
    assert [m.app for m in second[0].concurrent] == ["ZOOM VoiceEngine"]
    assert len(d.meetings) == 2


def test_allow_and_deny_lists() -> None:
    discord = AppActivity("pid:300", "Discord", "discord", 300, True, True)
    only_zoom = WatchRules(start_after=1.0, allow=("zoom",))
    assert [a for _, _, a in run([(0.0, [zoom(), discord])], 10, only_zoom)] == ["ZOOM VoiceEngine"]
    no_discord = WatchRules(start_after=1.0, deny=("DISCORD",))
    assert [a for _, _, a in run([(0.0, [zoom(), discord])], 10, no_discord)] == [
        "ZOOM VoiceEngine"
    ]
    by_pid = WatchRules(start_after=1.0, allow=("300",))
    assert [a for _, _, a in run([(0.0, [zoom(), discord])], 10, by_pid)] == ["Discord"]


def test_unknown_allow_entries_are_named() -> None:
    assert unknown_allowed(["zoom", "Zooom", "1234", "Microsoft Teams"]) == ["Zooom"]


def test_the_detector_sleeps_when_nothing_is_pending() -> None:
    d = MeetingDetector(RULES)
    d.observe([AppActivity("pid:7", "Spotify", "spotify", 7, plays=True)], 0.0)
    assert d.next_deadline() is None
    d.observe([zoom()], 1.0)
    assert d.next_deadline() == 2.5
    d.advance(2.5)
    assert d.next_deadline() is None  # a meeting whose mic is open needs no timer


def test_a_server_restart_within_the_grace_period_keeps_the_meeting() -> None:
    # the watcher reports no apps when the server goes away; the app reconnects
    got = run([(0.0, [zoom()]), (10.0, []), (13.0, [zoom(pid=100)]), (60.0, [])], until=100)
    assert [(t, k) for t, k, _ in got] == [(1.5, "start"), (70.0, "end")]
