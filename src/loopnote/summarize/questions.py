"""The questions of a finished meeting: the points it left open and what was put to the user.

``find_open(lines, window)``  points the meeting left open (said so, or met with "I don't know"),
                              each with the point itself when the marker only says "that"
``find_asked(lines, user)``   the questions and requests put to the user (by name, or right
                              after the user spoke), and who asked when that is known
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from loopnote.summarize import cues
from loopnote.summarize.dialogue import (
    Found,
    Line,
    _addressed_before,
    _is_user,
    _mentions,
    _question_before,
    _quote,
    _short_ref,
    _substantive_before,
    _thanked_after,
    after_user,
)


def _words_if_open(text: str) -> int:
    return len(text.split()) if cues.open_marker(text) else 0


def find_open(lines: list[Line], window: float) -> list[Found]:
    out: list[Found] = []
    seen: set[str] = set()
    for pos, x in enumerate(lines):
        kind = cues.open_marker(x.text)
        if kind is None or x.u.id in seen:
            continue
        later = [y for y in lines[pos + 1 :] if y.turn <= x.turn + 3 and y.u.id != x.u.id]
        same = [y for y in lines[pos + 1 :] if y.u.id == x.u.id]
        if kind == "stated":
            own = [y for y in [x, *same] if cues.open_marker(y.text) == "stated"]
            best = next((y for y in own if cues.open_point_is_named(y.text)), None)
            if best is not None and len(best.text.split()) > 5:
                if (same_point := _same_open_point(lines, out, best)) is not None:
                    same_point.lines.append(best)  # "Then we can't decide until we hear …"
                else:
                    out.append(Found(best.text, [best]))
            else:
                point = _point_before(lines, pos)
                if not point:
                    continue
                same_point = next(
                    (f for f in out if any(point[-1].u.id == y.u.id for y in f.lines)), None
                )
                if same_point is not None:  # "So that one is still open." "Yes, it stays open."
                    same_point.lines.append(x)
                else:
                    out.append(Found(_quote(point), [*point, x], context=x.text))
            seen.add(x.u.id)
            continue
        # "I don't know": open unless the meeting names the open point or decides soon after
        if cues.is_hedged_offer(x.text):
            continue  # "I might be able to help, but I need to check my schedule."
        if any(cues.open_marker(y.text) == "stated" for y in same):
            continue  # "I don't know when. So the fridge stays open." says it itself
        q = _question_before(lines, pos, 2)
        if q and x.turn - q[-1].turn > 1:
            q = []  # someone replied in between: that question was answered
        topic = cues.content_words(_quote([*q, x]))
        if any(
            cues.open_marker(y.text) == "stated" and topic & cues.content_words(y.text)
            for y in later
        ):
            continue  # the meeting names this open point itself a little later
        if any(cues.is_decision(y.text) for y in later if y.turn <= x.turn + 2):
            continue
        if (q and q[-1].u.id != x.u.id) or (q and q[-1].index < x.index):
            reply = max(
                [x, *same], key=lambda y: len(y.text.split()) if cues.open_marker(y.text) else 0
            )
            out.append(Found(_quote(q), [*q, x], context=reply.text))
            seen.add(x.u.id)
            seen.add(q[-1].u.id)
        elif not q and len(x.text.split()) >= 8:
            out.append(Found(x.text, [x]))
            seen.add(x.u.id)
    for pos, x in enumerate(lines):  # a question nobody answered before the talk moved on
        if x.u.id in seen or not cues.is_question(x.text) or len(x.text.split()) < 4:
            continue
        if cues.is_small_talk(x.text) or any(x.u.id == y.u.id for y in lines[pos + 1 :]):
            continue
        after = [y for y in lines[pos + 1 :] if y.u.id != x.u.id]
        if after and after[0].t - x.t <= window:
            continue
        out.append(Found(x.text, [x]))
        seen.add(x.u.id)
    return sorted(out, key=lambda f: f.lines[0].t)


_GOES_ON = re.compile(r"(?i)^(?:then|so)\b")


def _same_open_point(lines: list[Line], out: list[Found], x: Line) -> Found | None:
    """The open point just listed, when ``x`` goes on about it ("Then we can't decide until we
    hear from the data owner." after "we haven't picked which dataset goes in")."""
    if not out or x.turn - out[-1].lines[-1].turn > 3:
        return None
    last = out[-1]
    shared = cues.content_words(x.text) & cues.content_words(last.text)
    return last if _GOES_ON.match(x.text) or shared else None


def _point_before(lines: list[Line], pos: int) -> list[Line]:
    """What "that stays open" refers to: the question just put, else the last sentence
    that carries its own subject."""
    q = _question_before(lines, pos, 1)
    if q and q[-1].turn == lines[pos].turn - 1:
        return q
    ctx = _substantive_before(lines, pos)
    return [ctx] if ctx else []


_ALONE_AGAIN = 0.15  # share of far-side turns followed by another far-side turn, at most


def _names_spoken_to(lines: list[Line], mic: bool) -> set[str]:
    out: set[str] = set()
    for x in lines:
        if (x.u.source == "mic") == mic:
            said = [*cues.vocatives(x.text), cues.thanked(x.text), cues.introduced(x.text)]
            out |= {n.lower() for n in said if n}
    return out


def two_party(lines: list[Line], user: Sequence[str]) -> bool:
    """Only the user and one other person talk: the speaker names say so, or (unnamed) the
    far side speaks to no one but the user and the user to one name at most."""
    far = {x.u.speaker for x in lines if x.u.source != "mic"}
    if far and None not in far:
        return len(far) == 1
    if any(far - {None}):
        return False
    theirs = _names_spoken_to(lines, mic=False)
    if not theirs <= {n.lower() for n in user} or len(_names_spoken_to(lines, mic=True)) > 1:
        return False
    # two people take turns: the far side seldom speaks twice in a row
    turns = [x.u for i, x in enumerate(lines) if i == 0 or x.u is not lines[i - 1].u]
    theirs_at = [i for i, u in enumerate(turns) if u.source != "mic"]
    again = sum(1 for i in theirs_at if i + 1 < len(turns) and turns[i + 1].source != "mic")
    return bool(theirs_at) and again <= _ALONE_AGAIN * len(theirs_at)


def find_asked(lines: list[Line], user: Sequence[str]) -> list[Found]:
    out: list[Found] = []
    done: set[int] = set()
    pair = two_party(lines, user)
    for pos, x in enumerate(lines):
        if x.u.source == "mic" or pos in done:
            continue
        if not _mentions(x.text, user):
            if _put_to_user(lines, x) or (pair and _asks(x)):
                done.add(pos)
                out.append(_asked_item(lines, pos, [x]))
            continue
        if cues.is_small_talk(x.text) or (
            _is_user(cues.thanked(x.text), user) and not cues.is_question(x.text)
        ):
            continue
        asked = [x]
        bare = len(re.sub(r"[^\w\s']", " ", x.text).split()) <= 2  # "Robin?", "Hi Alex."
        if bare or not (x.text.rstrip().endswith("?") or cues.request(x.text)):
            nxt = [
                (k, y)
                for k, y in enumerate(lines[pos + 1 : pos + 4], start=pos + 1)
                if y.turn == x.turn
            ]
            hit = next(
                ((k, y) for k, y in nxt if y.text.rstrip().endswith("?") or cues.request(y.text)),
                None,
            )
            said = [
                y
                for y in lines[max(0, pos - 2) : pos]
                if y.u.id == x.u.id and len(y.text.split()) >= 4 and not cues.thanked(y.text)
            ]
            if hit is None and bare and said and x.text.rstrip().endswith("?") and not nxt:
                asked = [*said[-1:], x]  # "Forty five days we can accept. Eva?"
            elif hit is None or cues.is_small_talk(hit[1].text):
                continue
            else:
                done.add(hit[0])
                asked = [x, hit[1]]
        thanked = _thanked_after(lines, asked[-1])
        item = _asked_item(lines, lines.index(asked[0]), asked)
        if item.owner is None and not _is_user(thanked, user):
            item.owner = thanked
        out.append(item)
    return out


_YOU_ASKED = re.compile(
    r"(?i)^(?:(?:oh|and|so|but|okay|also|uh|um)[,]?\s+)*(?:can|could|would|will|do|did|have"
    r"|are) you\b"
)


def _put_to_user(lines: list[Line], x: Line) -> bool:
    """A you-question or request to no one by name, in the turn right after the user's."""
    if not after_user(lines, x) or cues.vocatives(x.text) or cues.is_small_talk(x.text):
        return False
    return bool(cues.request(x.text)) or (
        x.text.rstrip().endswith("?") and bool(_YOU_ASKED.search(x.text))
    )


def _asks(x: Line) -> bool:
    """A real question (in a call of two, it is put to the user whether or not it says
    "you"): "When will the real fix ship?", not "Vague how?" or "Hm, right?"."""
    t = x.text.strip()
    return (
        t.endswith("?")
        and len(t.split()) >= 4
        and not cues.is_small_talk(t)
        and not _TAG_ONLY.search(t)
    )


_TAG_ONLY = re.compile(r"(?i)^(?:\w+[,.]?\s+){0,3}(?:right|okay|no|yes|correct)\?$")


def _asked_item(lines: list[Line], pos: int, asked: list[Line]) -> Found:
    x = lines[pos]
    item = Found(_quote(asked), asked, owner=x.u.speaker or _addressed_before(lines, x))
    leans = any(_short_ref(y.text) or cues.starts_with_reference(y.text) for y in asked)
    quoted = _quote(asked)
    brief = len(quoted.split()) <= 8 or (len(quoted.split()) <= 12 and cues.refers_back(quoted))
    if (leans or brief or cues.refers_back(asked[-1].text)) and (
        ctx := _substantive_before(lines, pos)
    ):
        item.context, item.context_lines = ctx.text, [ctx]
    return item
