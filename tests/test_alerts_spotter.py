"""The name spotter: spellings the recognizer produces, near-misses, cues, partials, cooldown."""

from __future__ import annotations

import pytest

from loopnote.alerts.matching import find_cue, is_ordinary, make_term, similarity, tokenize
from loopnote.alerts.spotter import Mention, NameSpotter, SpotterOptions, name_warnings
from loopnote.types import PartialText, Utterance, Word


def hits(name: str, text: str, *aliases: str) -> list[str]:
    spotter = NameSpotter(SpotterOptions(name=name, aliases=aliases))
    tokens, found = spotter.find(text)
    return [text[tokens[h.i].start : tokens[h.j - 1].end] for h in found]


def utt(
    text: str, start: float = 10.0, source: str = "system", uid: str = "s00001", words: bool = True
) -> Utterance:
    """An utterance whose words take 0.3 s each, from ``start``."""
    parts = text.split()
    ws = tuple(Word(w, start + 0.3 * k, start + 0.3 * k + 0.25) for k, w in enumerate(parts))
    end = ws[-1].end if ws else start
    return Utterance(uid, source, start, end, text, ws if words else ())  # type: ignore[arg-type]


# -- spellings that must be found -------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "aliases", "text", "heard"),
    [
        ("Alex Morgan", (), "Can we hear from Alex on the launch date?", "Alex"),
        ("Alex Morgan", (), "Alex Morgan, are you still with us?", "Alex Morgan"),
        ("Alex Morgan", (), "I think alex owns the migration.", "alex"),
        ("Alex Morgan", (), "Alex Morgen, are you there?", "Alex Morgen"),
        ("Alex Morgan", (), "Over to you, Alec.", "Alec"),
        ("Priya Raman", ("Priya",), "Priya, what do you think about the budget?", "Priya"),
        ("Priya Raman", ("Priya",), "I think Pria owns the migration, right?", "Pria"),
        ("Priya Raman", ("Priya",), "Let's ask Preya before we decide.", "Preya"),
        ("Priya Raman", (), "Prya, your thoughts?", "Prya"),
        ("Jonathan Weiss", ("Jon",), "I think John owns the migration, right?", "John"),
        ("Jonathan Weiss", ("Jon",), "Can we hear from Johnathan?", "Johnathan"),
        ("Jonathan Weiss", ("Jon",), "So Jonathon will take it.", "Jonathon"),
        ("Siobhan", (), "Shivon, can you take this one?", "Shivon"),
        ("Siobhan", (), "Thanks, Shivaun.", "Shivaun"),
        ("Siobhan", (), "I think Siobhán agrees.", "Siobhán"),
        ("Ingrid", (), "King Grid, what do you think?", "King Grid"),
        ("Ingrid", (), "We should ask King Grid.", "King Grid"),
        ("Ingrid", (), "Ingred has the numbers.", "Ingred"),
        ("Ogtay", (), "Oktay, are you there?", "Oktay"),
        ("Ogtay", (), "Let's hear from Og Tay on this.", "Og Tay"),
        ("Xavier", (), "Zavier sent the report.", "Zavier"),
        ("Will", (), "Will, what do you think?", "Will"),
        ("Will", (), "Thanks, Will.", "Will"),
        ("May", (), "Can we hear from May?", "May"),
        ("Alex Morgan", ("A.M.",), "A.M., can you hear us?", "A.M"),
        ("Sean O'Brien", (), "Thanks, Sean O'Brien.", "Sean O'Brien"),
        ("Sean O'Brien", (), "Shawn, can you check?", "Shawn"),
        ("Chidi", (), "Chiddy, your thoughts?", "Chiddy"),
        ("Anne-Marie", (), "I think Anne Marie owns it.", "Anne Marie"),
        ("Zoë", (), "Zoe, are you there?", "Zoe"),
        # a name the recognizer writes as an ordinary word needs that spelling as an alias
        ("Nguyen", ("Win",), "Win, can you check?", "Win"),
        # ... or is guessed from the spelling's rules, then alerts only when addressed
        ("Nguyen", (), "Win, can you check?", "Win"),
    ],
)
def test_found(name: str, aliases: tuple[str, ...], text: str, heard: str) -> None:
    assert hits(name, text, *aliases) == [heard]


# -- near-misses and ordinary words that must not alert ----------------------------------------
@pytest.mark.parametrize(
    ("name", "aliases", "text"),
    [
        ("Alex Morgan", (), "Also, what do you think about the budget?"),
        ("Alex Morgan", (), "It looks alike to me."),
        ("Alex Morgan", (), "We need a lexicon for this."),
        ("Priya Raman", ("Priya",), "Can we hear from Maria on the launch date?"),
        ("Priya Raman", ("Priya",), "This has priority over the prior plan."),
        ("Priya Raman", ("Priya",), "The player is ready."),
        ("Jonathan Weiss", ("Jon",), "Join the conference now."),
        ("Jonathan Weiss", ("Jon",), "I think Jan owns the migration."),
        ("Jonathan Weiss", ("Jon",), "That would be wise of us."),
        ("Siobhan", (), "She has been on it since Monday."),
        ("Ingrid", (), "The grid was in the king's hall."),
        ("Ingrid", (), "Include the figures, please."),
        ("Ogtay", (), "On day one we ship."),
        ("Ogtay", (), "It is okay today."),
        ("Tim", (), "We have time to finish it."),
        ("Mike", (), "Make sure the tests pass."),
        ("Will", (), "I will send it tomorrow."),
        ("Will", (), "Will we ship on time?"),
        ("May", (), "We may ship in May."),
        ("Dan", (), "The plan is done."),
        ("Ann", (), "Any questions? And then we stop."),
        ("Alex Morgan", (), "Morgan Stanley called about the loan."),
        ("Alex Morgan", (), ""),
        # how the spelling is said ("win") is an ordinary word: never without a cue
        ("Nguyen", (), "We will win this deal."),
        ("Nguyen", ("Win",), "We will win this deal."),
    ],
)
def test_not_found(name: str, aliases: tuple[str, ...], text: str) -> None:
    assert hits(name, text, *aliases) == []


def test_common_words_are_rejected_by_score_not_by_list_alone() -> None:
    term = make_term("Tim")
    assert term is not None
    # "time" sounds like "Tim" and scores high, but as an ordinary word it needs more.
    assert similarity("time", term) > 0.85
    assert hits("Tim", "We have time to finish it.") == []
    assert hits("Tim", "Thanks, Tim.") == ["Tim"]
    assert is_ordinary(tokenize("we have time"))
    assert not is_ordinary(tokenize("we asked Time Warner")[2:3])


def test_scores_order_spellings() -> None:
    term = make_term("Priya")
    assert term is not None
    exact = similarity("priya", term)
    close = similarity("pria", term)
    far = similarity("maria", term)
    assert exact == 1.0 > close > far


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Priya, what do you think?", "question"),
        ("Can we hear from Priya on this?", "hear-from"),
        ("Over to you, Priya.", "over-to"),
        ("Thanks Priya.", "thanks"),
        ("What about you Priya?", "what-about"),
        ("Priya?", "question"),
        ("Let's ask Priya before we decide.", "ask"),
        ("And that is done, Priya.", "vocative"),
        ("I think Priya owns the migration.", ""),
    ],
)
def test_cues(text: str, cue: str) -> None:
    tokens = tokenize(text)
    k = next(i for i, t in enumerate(tokens) if t.norm == "priya")
    assert find_cue(text, tokens, k, k + 1) == cue


def test_warnings() -> None:
    assert name_warnings(SpotterOptions(name="Alex Morgan", aliases=("Alex",))) == []
    empty = name_warnings(SpotterOptions(name=""))
    assert len(empty) == 1 and "no name" in empty[0]
    for word in ("Will", "May", "Al"):
        w = name_warnings(SpotterOptions(name=word))
        assert len(w) == 1 and word in w[0] and "false alarms" in w[0]
    # a common first word of a full name warns for the first word only
    w = name_warnings(SpotterOptions(name="Will Turner"))
    assert len(w) == 1 and "'Will'" in w[0]


def test_empty_name_never_alerts() -> None:
    spotter = NameSpotter(SpotterOptions())
    assert spotter.on_utterance(utt("Alex, what do you think?")) == []
    assert spotter.on_partial(PartialText("system", 3.0, "Alex, what do you think")) == []


def test_require_cue_option() -> None:
    strict = NameSpotter(SpotterOptions(name="Priya", require_cue=True))
    assert strict.on_utterance(utt("I think Priya owns it.")) == []
    assert len(strict.on_utterance(utt("Priya, do you own it?", start=30.0))) == 1
    lax = NameSpotter(SpotterOptions(name="Will", require_cue=False))
    assert len(lax.on_utterance(utt("I think Will owns it."))) == 1


# -- utterances: source, times, ids -----------------------------------------------------------
def test_only_the_system_source_alerts() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_utterance(utt("Hi, this is Priya speaking.", source="mic")) == []
    assert spotter.on_partial(PartialText("mic", 5.0, "this is Priya speaking")) == []
    assert len(spotter.on_utterance(utt("Priya, go ahead.", start=40.0))) == 1


def test_mention_time_is_the_end_of_the_name_word() -> None:
    spotter = NameSpotter(SpotterOptions(name="Alex Morgan"))
    u = utt("Can we hear from Alex Morgan on the launch date?", start=20.0)
    (m,) = spotter.on_utterance(u)
    assert m == Mention(
        "Alex Morgan", "Alex Morgan", u.id, u.words[5].end, m.score, "hear-from", u.text
    )
    assert m.score == 1.0


def test_mention_time_without_word_times_is_spread_over_the_text() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    u = Utterance("s1", "system", 10.0, 14.0, "Well then Priya, over to you.")
    (m,) = spotter.on_utterance(u)
    assert 10.0 < m.t < 14.0
    assert m.t == pytest.approx(10.0 + 4.0 * len("Well then Priya") / len(u.text))


def test_word_times_with_punctuation_attached() -> None:
    words = (Word(" Thanks,", 1.0, 1.3), Word(" Priya.", 1.4, 1.9), Word(" Next", 2.0, 2.2))
    u = Utterance("s7", "system", 1.0, 2.2, "Thanks, Priya. Next", words)
    (m,) = NameSpotter(SpotterOptions(name="Priya")).on_utterance(u)
    assert m.t == 1.9 and m.utterance_id == "s7" and m.cue == "thanks"


# -- partials: settled text, dedupe with the utterance, cooldown -------------------------------
def test_a_name_one_pass_wrote_and_the_next_dropped_does_not_alert() -> None:
    # biased decoding over speech it cannot read: the name, with words after it, in one pass
    spotter = NameSpotter(SpotterOptions(name="Oluwaseun Adeyemi", aliases=("Seun",)))
    assert spotter.on_partial(PartialText("system", 439.4, "Seun, Alididid,")) == []
    assert spotter.on_partial(PartialText("system", 439.9, "The last of")) == []
    assert spotter.on_partial(PartialText("system", 180.8, "Congratulations, Oluwaseun.")) == []
    assert spotter.on_partial(PartialText("system", 181.3, "Congratulations,")) == []
    assert spotter.on_utterance(utt("Congratulations.", start=180.0)) == []
    # the same partials, taken on one pass, alert
    eager = NameSpotter(SpotterOptions(name="Oluwaseun Adeyemi", aliases=("Seun",), one_pass=True))
    assert len(eager.on_partial(PartialText("system", 439.4, "Seun, Alididid,"))) == 1
    assert len(eager.on_partial(PartialText("system", 180.8, "Congratulations, Oluwaseun."))) == 1


def test_a_second_name_in_a_long_partial_needs_its_own_second_pass() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya", cooldown=5.0))
    assert spotter.on_partial(PartialText("system", 2.0, "Priya, the budget")) == []
    assert len(spotter.on_partial(PartialText("system", 2.5, "Priya, the budget is"))) == 1
    long = "Priya, the budget is on track and the plan is set, I think. Sorry, Priya"
    # the previous pass held one mention: the new one, 8 s later, waits for the next pass
    assert spotter.on_partial(PartialText("system", 10.5, long + " was")) == []
    assert spotter.on_partial(PartialText("system", 11.0, long + ", no, not yet")) != []


def test_one_pass_fires_when_a_word_follows_the_name() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya", one_pass=True))
    assert spotter.on_partial(PartialText("system", 40.3, "Priya")) == []
    (m,) = spotter.on_partial(PartialText("system", 40.8, "Priya, what do"))
    assert m.utterance_id is None and m.cue == "vocative"
    # the name ends before the partial's end by about the time of the words after it
    assert 40.8 - 1.0 < m.t < 40.8


def test_partial_fires_when_seen_in_two_partials_in_a_row() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_partial(PartialText("system", 20.0, "I think Priya")) == []
    (m,) = spotter.on_partial(PartialText("system", 20.5, "I think Priya"))
    assert m.t == pytest.approx(20.5)


def test_unsettled_partial_that_changes_does_not_fire() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_partial(PartialText("system", 20.0, "I think Priya")) == []
    assert spotter.on_partial(PartialText("system", 20.5, "I think prior")) == []
    assert spotter.on_partial(PartialText("system", 21.0, "I think prior art")) == []


def test_partial_then_utterance_alerts_once_and_confirms() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_partial(PartialText("system", 40.5, "Priya, what")) == []
    first = spotter.on_partial(PartialText("system", 41.0, "Priya, what do you"))
    assert len(first) == 1
    again = spotter.on_partial(PartialText("system", 41.5, "Priya, what do you think"))
    assert again == []
    u = utt("Priya, what do you think about the budget?", start=40.2)
    assert spotter.on_utterance(u) == []
    (confirmed,) = spotter.take_confirmations()
    assert confirmed.utterance_id == u.id and confirmed.t == u.words[0].end
    assert spotter.take_confirmations() == []


def test_partial_with_a_poor_time_estimate_is_still_confirmed_once() -> None:
    # A partial that keeps growing after a long pause places the name too early.
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    long_tail = "Priya, " + "and then some more words that go on and on " * 3
    assert spotter.on_partial(PartialText("system", 49.5, "Priya,")) == []
    assert len(spotter.on_partial(PartialText("system", 50.0, long_tail))) == 1
    u = utt(long_tail.strip(), start=44.0)
    assert spotter.on_utterance(u) == []
    assert len(spotter.take_confirmations()) == 1


def test_two_mentions_apart_alert_twice_close_ones_once() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya", cooldown=5.0))
    a = spotter.on_utterance(utt("Priya, can you check?", start=10.0, uid="s1"))
    b = spotter.on_utterance(utt("Sorry Priya, one more thing.", start=12.0, uid="s2"))
    c = spotter.on_utterance(utt("Thanks Priya.", start=30.0, uid="s3"))
    assert (len(a), len(b), len(c)) == (1, 0, 1)


def test_name_twice_in_one_utterance_alerts_once() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    found = spotter.on_utterance(utt("Priya, Priya, are you there?"))
    assert len(found) == 1


def test_full_name_and_first_name_do_not_double_count() -> None:
    spotter = NameSpotter(SpotterOptions(name="Alex Morgan", aliases=("Alex",)))
    (m,) = spotter.on_utterance(utt("Alex Morgan, are you still with us?"))
    assert m.term == "Alex Morgan" and m.heard == "Alex Morgan"


def test_mic_utterances_do_not_disturb_pending_partial_alerts() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_partial(PartialText("system", 10.0, "Priya, are")) == []
    assert len(spotter.on_partial(PartialText("system", 10.5, "Priya, are you"))) == 1
    assert spotter.on_utterance(utt("Yes I am here.", start=11.0, source="mic")) == []
    assert spotter.on_utterance(utt("Priya, are you there?", start=9.8)) == []
    assert len(spotter.take_confirmations()) == 1


def test_many_sentences_without_the_name_stay_quiet() -> None:
    text = (
        "Let's go over the launch plan. The budget is on track and the migration is done. "
        "Can we hear from marketing on the date? I think the team owns the rollout, right? "
        "Thanks everyone, over to you for questions. What do you think about the numbers? "
        "We may need more time. Will it ship in May? Also, the prior estimate was too low."
    )
    for name in ("Alex Morgan", "Priya Raman", "Jonathan Weiss", "Siobhan", "Ingrid", "Ogtay"):
        spotter = NameSpotter(SpotterOptions(name=name))
        assert spotter.on_utterance(utt(text)) == [], name


def test_a_confirmed_mention_is_known_by_its_exact_time() -> None:
    # The partial places the name far too early; once the utterance confirms it, a repeat of
    # the same sentence (a recognizer echo) right after must not alert again.
    spotter = NameSpotter(SpotterOptions(name="Alex"))
    echo = "Can we hear from Alex? " * 3
    assert spotter.on_partial(PartialText("system", 25.0, "Can we hear from Alex?")) == []
    assert len(spotter.on_partial(PartialText("system", 25.5, echo))) == 1
    first = utt("Can we hear from Alex?", start=25.0, uid="s1")
    again = utt("Can we hear from Alex?", start=first.end, uid="s2")
    assert spotter.on_utterance(first) == []
    assert spotter.on_utterance(again) == []
    assert len(spotter.take_confirmations()) == 1


def test_a_repeated_partial_does_not_place_the_name_before_the_last_utterance() -> None:
    spotter = NameSpotter(SpotterOptions(name="Jon"))
    assert spotter.on_utterance(utt("Please try your call again later.", start=93.0)) == []
    assert spotter.on_partial(PartialText("system", 96.8, "Can we hear from Jon on")) == []
    assert len(spotter.on_partial(PartialText("system", 97.3, "Can we hear from Jon on the"))) == 1
    echo = "Can we hear from Jon on the lunch date? " * 4
    # every copy of the name sits after the last utterance: one mention, no new alert
    assert spotter.on_partial(PartialText("system", 98.3, echo)) == []


def test_a_bare_name_without_confidence_is_not_taken() -> None:
    invented = Utterance("s1", "system", 0.0, 0.6, "Alex", (Word("Alex", 0.0, 0.6, 0.0),))
    spotter = NameSpotter(SpotterOptions(name="Alex Morgan"))
    assert spotter.on_utterance(invented) == []
    heard = Utterance("s2", "system", 20.0, 20.6, "Alex", (Word("Alex", 20.0, 20.6, 0.8),))
    assert len(spotter.on_utterance(heard)) == 1
    called = Utterance("s3", "system", 40.0, 40.6, "Alex?", (Word("Alex?", 40.0, 40.6, 0.0),))
    assert len(spotter.on_utterance(called)) == 1


def test_a_taught_pronunciation_finds_the_name_as_recognizers_spell_it() -> None:
    taught = NameSpotter(SpotterOptions(name="Aoife Byrne", sounds_like=("Eefa",)))
    plain = NameSpotter(SpotterOptions(name="Aoife Byrne", guess_sounds=False))
    text = "Thanks, Efa. Let's move on to the next item."
    assert plain.find(text)[1] == []
    found = taught.on_utterance(utt(text))
    assert [(m.term, m.heard) for m in found] == [("Aoife Byrne", "Efa")]
    # the spelling does not make ordinary talk alert
    assert taught.find("I will eat a fair share of the budget.")[1] == []


def test_one_pass_fires_at_once_when_the_decoder_closed_the_name() -> None:
    spotter = NameSpotter(SpotterOptions(name="Siobhan Kelly", one_pass=True))
    (m,) = spotter.on_partial(
        PartialText("system", 12.0, "I think that covers it. Over to you, Siobhan.")
    )
    assert m.cue == "over-to" and m.term == "Siobhan"
    plain = NameSpotter(SpotterOptions(name="Siobhan Kelly", one_pass=True))
    assert len(plain.on_partial(PartialText("system", 12.0, "I sent the draft to Siobhan."))) == 1
    # no punctuation closing it (the audio may have cut it), or a score that alerts only
    # with a cue: the next pass is waited for
    bare = NameSpotter(SpotterOptions(name="Siobhan Kelly", one_pass=True))
    assert bare.on_partial(PartialText("system", 30.0, "Over to you, Siobhan")) == []
    near = NameSpotter(SpotterOptions(name="Siobhan Kelly", one_pass=True))
    assert near.find("Over to you, Shavon.")[1]
    assert near.on_partial(PartialText("system", 30.0, "Over to you, Shavon.")) == []
    off = NameSpotter(SpotterOptions(name="Siobhan Kelly", one_pass=True, settle_on_close=False))
    assert off.on_partial(PartialText("system", 12.0, "Over to you, Siobhan.")) == []


def test_a_partial_that_is_the_name_alone_waits_for_the_next_pass() -> None:
    # biased decoding writes the bias word, closed, from a line's first fraction of a second
    guessed = NameSpotter(SpotterOptions(name="Jonathan Weiss", aliases=("Jon",)))
    assert guessed.on_partial(PartialText("system", 102.3, "Jonathan,")) == []
    assert guessed.on_partial(PartialText("system", 102.8, "To listen to it.")) == []
    assert guessed.on_utterance(utt("Do listen to it.")) == []
    # said: the next pass still holds it, and the alert comes then
    said = NameSpotter(SpotterOptions(name="Jonathan Weiss", aliases=("Jon",)))
    assert said.on_partial(PartialText("system", 40.3, "Jonathan,")) == []
    (m,) = said.on_partial(PartialText("system", 40.8, "Jonathan, could you"))
    assert m.term == "Jonathan" and m.cue


def test_a_name_heard_in_two_passes_settles_though_its_reading_changed() -> None:
    spotter = NameSpotter(SpotterOptions(name="Xiaoming Li"))
    assert spotter.on_partial(PartialText("system", 20.0, "Sorry Xiaoming")) == []
    (m,) = spotter.on_partial(PartialText("system", 20.5, "Sorry Xiaoming Li"))
    assert m.term == "Xiaoming Li"
    # a partial without the name in between: the name is new again
    other = NameSpotter(SpotterOptions(name="Xiaoming Li"))
    assert other.on_partial(PartialText("system", 20.0, "Sorry Xiaoming")) == []
    assert other.on_partial(PartialText("system", 20.5, "Sorry, so much")) == []
    assert other.on_partial(PartialText("system", 21.0, "Sorry, so much Xiaoming Li")) == []
