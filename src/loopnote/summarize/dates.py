"""Due dates as people say them: "Friday", "by the 14th", "end of next week", "after lunch",
"first thing Monday", "in ten minutes", "before the release", "once the contract is signed".

``due_of(text)``   the date or time quoted from the sentence, or None
"""

from __future__ import annotations

import re

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)"
)
_PART = r"(?: (?:morning|afternoon|evening|night|eod))?"
_SPAN = r"(?:day|week|month|quarter|sprint|year)"
_DAY_NO = r"\d{1,2}(?:st|nd|rd|th)"
# a date or time that can stand alone ("tomorrow", "next Monday") …
_WHEN_ALONE = (
    rf"(?:(?:first thing |early |late |later )?(?:tomorrow|today|tonight){_PART}"
    rf"|first thing {_WEEKDAY}"
    rf"|this (?:morning|afternoon|evening)|(?:later )?this {_SPAN}|(?:early |late )?next {_SPAN}"
    rf"|(?:the )?end of (?:the |this |next )?{_SPAN}|eod|eow"
    rf"|(?:right )?after (?:this|the) (?:call|meeting)"
    rf"|after lunch"
    rf"|{_WEEKDAY} (?:morning|afternoon|evening)"
    r"|once (?:the|our|your|it|we|they)\b[^,.;]{2,30}?\b(?:is|are|has been|have been) \w+"
    rf"|(?:next|this) {_WEEKDAY}{_PART}|(?:in|within) (?:a|an|one|two|three|four|five|ten"
    rf"|fifteen|twenty|thirty|a few|a couple of|\d+) (?:{_SPAN}|minute|hour)s?"
    rf"|within the (?:hour|{_SPAN}))"
)
# what a date can be an event of: "before the April review", "by the next board meeting"
_EVENT = (
    r"(?:release|launch|demo|freeze|board(?: meeting)?|offsite|cutover|migration|go-live"
    r"|deadline|review|meeting|call|sync|stand-?up|retro|workshop|conference|kickoff|audit"
    r"|trip|holidays?|break|summit|presentation|interview|visit|exam|fair|show|event|planning"
    r"|sprint|check-?in|term|rollout|election|handover|weekend)"
)
# … and one that needs "by"/"on"/"before" ("by Friday", "on the 12th", "before Thursday's")
_WHEN_AFTER = (
    rf"(?:{_WEEKDAY}(?:'s)?{_PART}|{_MONTH} {_DAY_NO}|{_MONTH} \d{{1,2}}\b|the {_DAY_NO}"
    rf"|noon|\d{{1,2}}(?::\d\d)? ?(?:am|pm|a\.m\.|p\.m\.)"
    r"|the (?:next )?(?:release|launch|demo|freeze|code freeze|board(?: meeting)?|offsite"
    r"|cutover|migration|go-live|deadline)\b)"
)
# … and one that needs "by"/"before"/"until", not "on" ("on the call" is no date)
_WHEN_LIMIT = (
    rf"(?:(?:early |mid-?|late |the end of )?{_MONTH}|q[1-4]|h[12]"
    rf"|(?:the )?(?:next |first |{_MONTH} |{_WEEKDAY}(?:'s)? |\w+ ){{0,2}}{_EVENT}s?)"
)
_DUE = re.compile(
    rf"(?i)\b(?:(?:by|before|until|due|no later than)\s+(?P<limit>{_WHEN_LIMIT})"
    rf"|(?:by|before|until|due|on|no later than)\s+(?P<after>{_WHEN_AFTER}|{_WHEN_ALONE})"
    rf"|(?P<alone>{_WHEN_ALONE})"
    rf"|(?P<start>after (?:the {_DAY_NO}|{_MONTH} {_DAY_NO}|{_WEEKDAY})))\b"
)


def due_of(text: str) -> str | None:
    m = _DUE.search(text)
    if not m:
        return None
    # "after the 20th" is when the work can start: said as it is
    due = m.group("limit") or m.group("after") or m.group("alone") or m.group("start")
    return re.sub(r"'s$", "", due.rstrip(","))
