"""Cross-source de-duplication (asr/dedup.py): a mic utterance that repeats what the system
source said at the same time is dropped; the user's own lines are kept; system lines are
never held or dropped; holding is bounded."""

from __future__ import annotations

from loopnote.asr.dedup import CrossSourceDedup, DedupOptions
from loopnote.types import Source, Utterance, Word


def _utt(
    uid: str, source: Source, text: str, start: float, per_word: float = 0.35, shift: float = 0.0
) -> Utterance:
    words = []
    t = start + shift
    for w in text.split():
        words.append(Word(w, t, t + per_word * 0.8))
        t += per_word
    return Utterance(uid, source, words[0].start, words[-1].end, text, tuple(words))


def test_system_utterances_are_released_at_once_and_never_dropped() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "the budget is approved for next quarter", 1.0)
    assert d.offer(s) == [s]
    again = _utt("s2", "system", "the budget is approved for next quarter", 1.0)
    assert d.offer(again) == [again]
    assert d.flush() == [] and d.dropped == []


def test_bleed_repeating_the_system_line_is_dropped() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "Please hold while we try to connect you.", 2.0)
    # the mic hears it 120 ms later; the mic recognizer spells two words differently
    m = _utt("m1", "mic", "Please hold, while we tried to connect you", 2.0, shift=0.12)
    assert d.offer(m) == []  # held: the system side has not caught up
    assert d.offer(s) == [s]  # system released at once; mic judged: bleed
    later = _utt("s2", "system", "Goodbye for now", 6.0)
    assert d.offer(later) == [later]
    assert d.flush() == []
    assert d.dropped == [m]


def test_mic_arriving_after_the_system_line_is_dropped_too() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "the conference is currently locked", 5.0)
    assert d.offer(s) == [s]
    m = _utt("m1", "mic", "the conference is currently locked", 5.0, shift=0.05)
    assert d.offer(m) == []
    assert d.advance(m.end + 1.0, system_settled=m.end + 1.0) == []
    assert d.dropped == [m]


def test_the_users_own_words_are_kept_even_while_the_remote_talks() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "we will ship the release on friday morning", 10.0)
    m = _utt("m1", "mic", "sorry I have a question about testing", 10.2)
    assert d.offer(s) == [s]
    assert d.offer(m) == []  # not yet: the system is not past its end
    assert d.advance(m.end + DedupOptions().max_hold) == [m]
    assert d.dropped == []


def test_a_mix_of_bleed_and_own_words_is_kept_when_most_words_are_the_users() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "the meeting starts now", 3.0)
    m = _utt("m1", "mic", "the meeting is something I want to move to tuesday", 3.0)
    d.offer(s)
    d.offer(m)
    assert d.flush() == [m]


def test_same_words_far_apart_in_time_are_not_bleed() -> None:
    d = CrossSourceDedup()
    s = _utt("s1", "system", "can everyone hear me", 1.0)
    m = _utt("m1", "mic", "can everyone hear me", 20.0)  # the user repeats it much later
    d.offer(s)
    d.offer(m)
    assert d.flush() == [m]


def test_holding_is_bounded_and_order_is_kept() -> None:
    o = DedupOptions(max_hold=3.0, margin=0.5)
    d = CrossSourceDedup(o)
    m1 = _utt("m1", "mic", "first thing I say", 1.0)
    m2 = _utt("m2", "mic", "second thing I say", 4.0)
    assert d.offer(m1) == [] and d.offer(m2) == []
    assert d.advance(m1.end + 2.9) == []
    assert d.advance(m1.end + 3.0) == [m1]  # max_hold reached for the first only
    # the system side commits past the second's end (+ margin): released without waiting
    s = _utt("s1", "system", "unrelated remote words here", m2.end + 0.2)
    assert d.offer(s) == [s, m2]


def test_utterances_without_word_times_fall_back_to_text_similarity() -> None:
    d = CrossSourceDedup()
    s = Utterance("s1", "system", 1.0, 4.0, "That feature is not available on this line.")
    m = Utterance("m1", "mic", 1.1, 4.1, "that feature is not available on this line")
    own = Utterance("m2", "mic", 1.5, 3.0, "could you repeat the number")
    d.offer(s)
    d.offer(m)
    d.offer(own)
    assert d.flush() == [own]
    assert d.dropped == [m]


def test_a_settled_system_side_releases_the_users_line_without_waiting() -> None:
    d = CrossSourceDedup(DedupOptions(margin=0.5))
    m = _utt("m1", "mic", "I think we should wait", 2.0)
    assert d.offer(m) == []
    # the system recognizer is in the middle of a stretch that began before the mic line
    assert d.advance(m.end + 1.0, system_settled=1.0) == []
    # ... and then it is idle: nothing it commits later can end before m.end + 0.5
    assert d.advance(m.end + 1.2, system_settled=m.end + 1.2) == [m]


def test_a_held_mic_line_is_judged_against_what_the_busy_system_side_says_later() -> None:
    d = CrossSourceDedup()
    m = _utt("m1", "mic", "to mute or unmute yourself", 0.0, shift=0.15)
    assert d.offer(m) == []
    assert d.advance(9.0, system_settled=0.0) == []  # the system stretch is still open
    s = _utt("s1", "system", "to mute or unmute yourself when you are muted", 0.0)
    assert d.offer(s) == [s]
    assert d.dropped == [m]
