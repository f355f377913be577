"""The phrases that mark what a meeting sentence does: commit to work, ask someone for it,
decide, leave a point open, name a due date, address someone, open a new topic.

Rules on one sentence at a time (English); the conversation around a sentence is handled in
``summarize.dialogue``. Every function returns what it found *quoted from the sentence*.
Dates are read in ``summarize.dates``, open points in ``summarize.open_points``, names
spoken to in ``summarize.address`` and what the words alone say (a question, a "that",
content words) in ``summarize.words``; all are offered here too.

``due_of(text)``            "Friday", "end of next week", "this afternoon", … or None
``commitment(text)``        the task of "I'll …", "I can take …", "I need to …"
``request(text)``           (addressee or None, task) of "Dana, can you …", "please …"
``assignment(text)``        (name, task) of "Kwame will …", "Someone has to …"
``is_acceptance(text)``     "Will do.", "Sure.", "I can take that." (takes on what was asked)
``is_decision(text)``       "we decided …", "let's go with …", "senior it is", …
``is_proposal``, ``is_approval``, ``is_recap``   "I think we drop X" + "Fine, ship it.";
                            "So X …" after an either-or question was answered
``open_marker(text)``       "stated" ("X stays open"), "unknown" ("I don't know") or None
``vocatives(text)``         names the sentence speaks to ("Marcus, …", "…, Marcus?")
``thanked(text)``           the name in "thanks Marcus" (who just spoke)
``topic_label(text)``       "offline mode" from "Next topic, the offline mode." (as said)
``refers_back(text)``       it/that/them…: the sentence needs what came before
``is_question(text)``, ``is_small_talk(text)``, ``content_words(text)``
"""

from __future__ import annotations

import re

from loopnote.summarize.address import introduced as introduced
from loopnote.summarize.address import name_or_none as name_or_none
from loopnote.summarize.address import thanked as thanked
from loopnote.summarize.address import vocatives as vocatives
from loopnote.summarize.dates import due_of as due_of
from loopnote.summarize.open_points import open_marker as open_marker
from loopnote.summarize.open_points import open_point_is_named as open_point_is_named
from loopnote.summarize.words import content_words as content_words
from loopnote.summarize.words import is_question as is_question
from loopnote.summarize.words import is_small_talk as is_small_talk
from loopnote.summarize.words import refers_back as refers_back
from loopnote.summarize.words import starts_with_reference as starts_with_reference

_LEAD = r"(?:(?:ok(?:ay)?|so|sure|yes|yeah|yep|right|alright|well|and|also|then|good|great|fine|of course|absolutely|no problem|thanks|perfect)[,.!]?\s+)*"  # noqa: E501
_COMMIT = re.compile(
    r"(?i)(?:^|[,;:]\s+|\b(?:and|so|then|but|in the meantime|meanwhile|for now|after that"
    r"|afterwards)\s+)" + _LEAD + r"(?:I(?:'ll| will)(?: also)?"
    r"|I'm going to|I am going to|I'm gonna|I(?:'m| am)? plan(?:ning)? to|I intend to"
    r"|I can(?: also)?|I need to|I have to|let me|I'm happy to"
    r"|I'd be happy to|I'll make sure to|I(?:'ll| will)? try to|put me down for"
    r"|sign me up for)\s+(?P<what>.+)"
)
_WE_DELIVER = re.compile(  # "we'll have the written report to you by Monday": ours, with a date
    r"(?i)(?:^|[,;:]\s+|\b(?:and|so|then|but)\s+)" + _LEAD + r"we(?:'ll| will)\s+"
    r"(?P<what>(?:have|send|get|deliver|share|finish|write|prepare|put together) .+)"
)
_PRESENT_COMMIT = re.compile(  # first person, present tense, with a date: work to do
    r"(?i)^" + _LEAD + r"I (?P<what>(?:send|make|do|call|write|ask|bring|check|prepare|fix|take"
    r"|book|email|share|finish|update|put|give|contact|review|order|deliver|come|buy|print"
    r"|organize|organise|collect|pick) .+)"
)
# verbs of work a request can start with when it is said as an imperative ("Tom, send …")
_WORK_VERBS = (
    r"(?:send|check|call|write|book|update|fix|prepare|share|draft|review|ask|email|set up"
    r"|schedule|look into|find|follow up|make|put|reach out|ping|chase|tell|order|add|remove"
    r"|test|run|clean up|organi[sz]e|collect|confirm|contact|finish|file|sort out|talk to"
    r"|bring|print|post|publish|invite|move|cancel|reply|forward|draw up|pull|dig into)"
)
_REQUEST = re.compile(
    r"(?i)^" + _LEAD + r"(?:(?P<name>[A-Z][\w'-]+),\s*)?(?:would you mind|do you have time to"
    r"|(?:maybe|perhaps) you could|any chance you could"
    r"|(?:can|could|would|will) (?:you|your team)(?: please| also)?(?: be able to)?"
    r"|please|you(?:'ll| will) need to|I need you to|I'd like you to)\s+"
    r"(?P<what>.+?)"
    r"(?:,\s*(?P<name2>[A-Z][\w'-]+))?[?.!]*$"
)
_IMPERATIVE = re.compile(  # "Tom, send me the deck by Friday."
    r"^(?i:" + _LEAD + r")(?P<name>[A-Z][\w'-]+),\s*(?i:(?:just |also |please )?)"
    r"(?P<what>(?i:" + _WORK_VERBS + r")\b[^?]+?)[.!]*$"
)
_ASSIGN = re.compile(
    r"(?:^|\b(?:[Oo]ur|[Tt]he) [a-z]+ |^(?i:(?:action|task|to-?do)(?: item)? for) )"
    r"(?P<name>[A-Z][\w-]+)(?::| (?:will|is going to|needs to|has to|should|takes (?=the |over "
    r"|care |on ))|'s (?:going to|taking|doing|handling|on)|'ll)\s*(?P<what>.+)"
)
_ON_IT = re.compile(  # "Wei is on it, he is looking at the config": already owned
    r"(?:^|[,;]\s+|\b(?:and|so|but) )(?P<name>[A-Z][\w'-]+)(?: is|'s) (?:already )?on it"
    r"(?:\s+already)?(?:[,;:]\s+(?P<what>[^?]+?))?[?.!]*$"
)
_SOMEONE = re.compile(
    r"(?i)^(?:and |so |but )?(?:(?:someone|somebody|one of us) (?:has to|needs to|should|must"
    r"|will have to)|(?:can|could) (?:someone|somebody|anyone|one of you)) (?P<what>.+?)[?.!]*$"
)
_ACCEPT = re.compile(
    r"(?i)^" + _LEAD + r"(?:will do|sure thing|sure|yes|yep|of course|absolutely|no problem"
    r"|on it|i'm on it|can do|happy to|leave it with me|consider it done|count me in"
    r"|(?:that's|that one's|it's) (?:on me|mine)|i(?:'ve)? got (?:it|that|this)"
    r"|i(?:'ll| will| can)? (?:take|do|handle|own|make|send) (?:that|it|this|them)"
    r"|i(?:'ll| will) do that|i can do that)[.!]*$"
)
_TALK = re.compile(  # "I'll be honest", "walk us through it": talking now, not work to do
    r"(?i)^(?:just |also |quickly )?(?:be\b|say\b|think\b|see\b|admit\b|tell (?:you|us|me)\b"
    r"|mention\b|explain\b|share my screen\b|repeat\b|stop sharing\b|know\b|add one\b"
    r"|walk (?:us|me|you) through\b|start\b|go first\b|give (?:us |me )?(?:a |an )?(?:quick )?"
    r"(?:overview|summary|update)\b|introduce\b|describe\b|summarize\b|hear\b|ask you\b)"
)
_DECISION = re.compile(
    r"(?i)\b(?:we(?:'ve| have)? (?:all )?(?:decided|agreed|settled on|chose|picked)"
    r"|we (?:all )?agree (?:on|to|that)|(?:our|the|final) decision (?:is|was)"
    r"|(?:it's|it is|that's|that is|this is) (?:decided|settled|agreed)"
    r"|we(?:'re| are) going with|we(?:'ll| will) (?:go with|use|keep|stick with|stay with"
    r"|switch to|not|go ahead with)|from now on"
    r"|the plan is (?:to|that)|(?:is|are|was) approved|let's do (?:it|that)\b"
    r"|(?:^|[.,]\s*)(?:the )?decision:|(?:let's|we) settle on\b"
    r"|\bno discussion\b|\bnot negotiable\b|\bnon-negotiable\b"
    r"|\b(?:think|guess|so|then) we go with\b|\bwe(?:'re| are) going to (?:go with|use|keep"
    r"|switch to|stick with)\b|\b(?:the )?consensus is\b|\bwe decide (?:like this|to|that|on)\b)"
)
# Verbs that choose a course of action (base form: "we move", "we'll keep", "I'd switch"):
# a speech-act lexicon rather than fixed phrases; their tense comes from the words around them.
_CHOICE_VERBS = (
    r"(?:accept|adopt|approve|cancel|choose|drop|hold|keep|move|pick|postpone|push|reject|ship"
    r"|skip|stick|stay|switch|use|launch|freeze|delay|extend|offer|sign|stop|split|hire|replace"
    r"|change|merge|release|roll|raise|lower|fund|book|go|do|run|limit|cap|send|take|try"
    r"|start|remove|add|pause|publish)"
)
_WE_CHOICE = (
    r"we(?:'ll| will| shall|'re going to| are going to)? (?:just |simply |also |instead |still )?"
    + _CHOICE_VERBS
    + r"\b(?! (?:to|through|over|around|back|on|first|ahead and (?:talk|discuss))\b)"
)
# "Then we accept Swedish law.", "Okay, we hold at …": concluded, not "We use Jira daily."
_WE_CHOOSE = re.compile(
    r"(?i)(?:^|[,.;:]\s+)(?:(?:then|so|okay|ok|fine|alright|right|agreed|good|great)[,.]?\s+)+"
    + _WE_CHOICE
)
_WE_CHOICE_START = re.compile(r"(?i)^" + _WE_CHOICE)
_MY_CALL = re.compile(  # "my call is go", "that's a go", "it's a no-go"
    r"(?i)\b(?:my|the|our) (?:call|verdict|answer) is\b|\b(?:that's|it's|that is|it is) a"
    r" (?:go|no-go|no go|yes|no)\b"
)
_CONCLUSION = re.compile(  # "Then we'll roll the macros out.": what the talk concluded
    r"(?i)^(?:(?:ok(?:ay)?|so|then|alright|right|fine|good|great)[,.]?\s+)*(?:then|so)[,]?\s+"
    r"(?:we(?:'ll| will| won't| will not| are going to|'re going to|'re not going to)|let's)\s"
    r"|^(?:starting|from) (?:next|this|today|tomorrow|monday|the \w+)\b[^,]*,? we(?:'ll| will)\s"
)
_LETS = re.compile(r"(?i)\blet(?:'s| us) ")
_LETS_PROCESS = re.compile(  # the meeting's own process, not a decision about the work
    r"(?i)\blet(?:'s| us) (?:not |all )?(?:start|begin|get|kick|go (?:through|over|around|back"
    r"|on|first|(?:straight |right )?(?:to|into))|look|see|talk|discuss|hear|move on|switch to"
    r"|turn to|continue|debrief|triage|review|recap|wrap|dig|focus|jump|think|walk"
    r"|take (?:a|that|this|it)\b|leave (?:it|that|this)\b|park|come back|circle back"
    r"|do (?:a|the|this|some|quick)\b"
    r"|(?:design|solve|debate|rehash|go into|get into) (?:that|this|it) (?:here|now|today)\b)"
)
_IT_IS = re.compile(
    r"(?i)(?:^|[,.]\s*)(?P<choice>(?!(?:that|this|what|so|how|which|here|there"
    r"|where|when|it|as)\b)[\w' -]{2,30}) it is[.!]*$"
)
_PROPOSAL = re.compile(
    r"(?i)\b(?:I think we|I'd say we|I(?:'d)? suggest (?:that )?we|I propose (?:that )?we"
    r"|how about we|what if we|why don't we|maybe we|we should|we could)\s+"
    r"(?!be\b|have\b|know\b|talk\b|discuss\b)"
    r"|\bI(?:'d| would)(?: rather| just| probably)? " + _CHOICE_VERBS + r"\b"
)
_APPROVAL = re.compile(
    r"(?i)^(?:(?:ok(?:ay)?|yes|yeah|yep|good|great)[,.!]?\s+)?(?:agreed|fine|deal|approved"
    r"|works for me|fine by me|fine with me|sounds (?:good|great|right|fair)|ship it|go for it"
    r"|let's do (?:it|that)|(?:that )?makes sense|i like (?:that|it)|that's fair|fair enough"
    r"|good idea|great idea|same here|me too|no objections?)"
    r"(?:[,.!]?\s+(?:ship it|do it|go for it|let's do (?:it|that)|agreed|no objections?))?[.!]*$"
)
_RECAP = re.compile(
    r"(?i)^(?:(?:okay|ok|alright|fine|right)[,.]?\s+|so,?\s+)+(?!(?:i|you|that|this|it|what|how|why|when|where|who|which|anyway|yeah|okay"
    r"|um|uh)\b)\w+(?:\s+\S+){3,}"
)
_AGREED_CLAUSE = re.compile(
    r"(?i)^(?:(?:so|okay|ok|then|alright|fine)[,.]?\s+)*agreed[,:;]\s+(?P<what>\w+(?:\s+\w+){2,})"
)
_FOLLOW_UP = re.compile(
    r"(?i)^(?:report back|get back to (?:you|us|everyone)|let (?:you|everyone|the team) know"
    r"|circle back|follow up|keep (?:you|everyone) posted|update (?:you|everyone)"
    r"|come back to (?:you|us|everyone))\b"
)
_TOPIC = re.compile(
    r"(?i)^(?:(?:ok(?:ay)?|so|alright|right|now|and|good|great|fine|thanks|perfect)[,.!]?\s+)*"
    r"(?:(?:the |our |my )?(?:first|second|third|fourth|fifth|next|last|final|another)"
    r"(?: (?:topic|item|point|thing|question|one|candidate|issue|part|area|proposal|option"
    r"|request|risk))?(?: on the agenda)?\s*(?:is|was|:|,|-)\s*"
    r"|(?:let's|let us) (?:start|begin|continue|move on|switch|turn|go on|talk|look|get to)"
    r"(?: (?:with|to|about|at))\s+|(?:moving |move )?on to\s+|now,?\s+(?=the |on |what )"
    r"|what about\s+|how about\s+)"
    r"(?P<label>[^.?!]{3,60})[.?!]?$"
)
_SHORT_TOPIC = re.compile(
    r"(?i)^(?:(?:ok(?:ay)?|so|alright|right|good|great|thanks)[,.!]?\s+)*(?:now|next|first"
    r"|second|third|finally|lastly|last),?\s+(?P<label>[^.?!]{3,40})[.?!]?$"
)
# fmt: off
_NOT_A_LABEL = frozenset([
    "i", "i'm", "i'll", "we", "we're", "we'll", "you", "your", "my", "us", "them", "him", "her",
    "they", "he", "she", "it", "it's", "let's", "lets", "that", "that's", "this", "there", "is",
    "are", "can", "please", "thanks", "yes",
])
# fmt: on
_ON_TOPIC = re.compile(r"^(?:Now, )?(?:On|About|Regarding|As for) (?P<label>the [^,]{3,40}),")


def _task(what: str) -> str | None:
    w = what.strip().rstrip("?.! ")
    if len(w.split()) < 2 or _TALK.match(w):
        return None
    return w


_HEDGE = re.compile(r"(?i)\b(?:might|may be able|maybe|perhaps|possibly|not sure|no promises)\b")


def is_hedged_offer(text: str) -> bool:
    """ "I might be able to help, but I need to check my schedule.": no task, no question."""
    return bool(_OFFER_HEDGED.search(text))


_OFFER_HEDGED = re.compile(
    r"(?i)\bI (?:might|may|could (?:maybe|possibly|perhaps))\b"
    r"|\b(?:maybe|perhaps) I (?:can|could)\b"
)


def commitment(text: str) -> str | None:
    m = _COMMIT.search(text.strip())
    if m is None and due_of(text):  # "I send it to all drivers on Friday evening."
        m = _PRESENT_COMMIT.match(text.strip()) or _WE_DELIVER.search(text.strip())
    if m and _HEDGE.search(text.strip()[: m.start("what")]):
        return None  # "I might be able to help, but I need to check my schedule."
    return _task(m.group("what")) if m else None


def request(text: str) -> tuple[str | None, str] | None:
    m = _REQUEST.match(text.strip())
    if not m:
        m = None if thanked(text) else _IMPERATIVE.match(text.strip())
        if m and (name := name_or_none(m.group("name"))) and (what := _task(m.group("what"))):
            return name, what
        return None
    what = _task(m.group("what"))
    if what is None:
        return None
    return name_or_none(m.group("name")) or name_or_none(m.group("name2")), what


def assignment(text: str) -> tuple[str, str] | None:
    t = text.strip()
    if (m := _ON_IT.search(t)) and (name := name_or_none(m.group("name"))):
        return name, _task(m.group("what") or "") or "it"
    if m := _SOMEONE.match(t):
        what = _task(m.group("what"))
        return ("", what) if what else None
    m = _ASSIGN.search(t)
    if not m or name_or_none(m.group("name")) is None:
        return None
    what = _task(m.group("what"))
    return (m.group("name"), what) if what else None


def is_follow_up(task: str) -> bool:
    """ "report back", "let you know": a step of the task just named, not a task of its own."""
    return bool(_FOLLOW_UP.match(task))


def is_acceptance(text: str) -> bool:
    return bool(_ACCEPT.match(text.strip()))


_YES_BUT = re.compile(r"(?i)^(?:yes|yeah|yep|sure|of course|absolutely|i can)\b[,.!]?\s")
_REFUSES = re.compile(r"(?i)\b(?:can't|cannot|won't|will not|not sure|no time|not able)\b")


def opens_with_yes(text: str) -> bool:
    """ "Yes, thirty minutes before the release, no problem.", "I can, but only after the
    20th.": a reply that takes on what was just asked, and says more."""
    t = text.strip()
    return bool(_YES_BUT.match(t)) and not _REFUSES.search(t) and not is_question(t)


def is_process(text: str) -> bool:
    """ "Let's triage the list", "let's move on": the meeting steering itself."""
    return bool(_LETS_PROCESS.search(text))


def _lets_decide(text: str) -> bool:
    """ "Let's measure it first", "let's keep Lisbon on the old VPN", not "let's move on"."""
    return bool(_LETS.search(text)) and not _LETS_PROCESS.search(text)


def is_proposal(text: str) -> bool:
    """ "I think we drop it", "I'd suggest we fix them this quarter": a decision if approved."""
    return (
        bool(_PROPOSAL.search(text))
        and not is_question(text.rstrip("?") + ".")
        and not _HEDGED.search(text)  # "whether we should move …" puts no proposal
        and open_marker(text) is None
    )


def is_approval(text: str) -> bool:
    """ "Fine, ship it.", "Agreed.", "Works for me.": a whole reply approving what was put."""
    return bool(_APPROVAL.match(text.strip()))


def is_recap(text: str) -> bool:
    """ "So reissued invoices go to Northwind first.": a statement that sums up a choice."""
    t = text.strip()
    return (
        bool(_RECAP.match(t))
        and not is_question(t)
        and commitment(t) is None
        and open_marker(t) != "stated"
    )


def is_bare_agreement(text: str) -> bool:
    """ "Agreed.", "Decided.", "Deal.": agreement with what comes next in the same turn."""
    return bool(
        re.fullmatch(r"(?i)(?:ok(?:ay)?[,.]?\s+)?(?:agreed|decided|deal|settled)[.!]", text.strip())
    )


def is_decision(text: str) -> bool:
    t = text.strip()
    if open_marker(t) == "stated":
        return False
    return bool(
        _DECISION.search(t)
        or (_WE_CHOOSE.search(t) and not is_question(t) and not _HEDGED.search(t))
        or _MY_CALL.search(t)
        or _CONCLUSION.search(t)
        or _lets_decide(t)
        or _IT_IS.search(t)
        or _AGREED_CLAUSE.match(t)
    )


_HEDGED = re.compile(  # "if we move it", "unless we keep it", "we move it? maybe"
    r"(?i)\b(?:if|unless|whether|when|once|before|after|until|maybe|perhaps|otherwise) we\b"
)


def is_verdict(text: str) -> bool:
    """ "That's a go, then.", "My call is go": the answer of a go/no-go, however short."""
    return bool(_MY_CALL.search(text))


def is_choice_statement(text: str) -> bool:
    """ "We move the newsletter to every other week.": a choice, once it follows an approval."""
    t = text.strip()
    return bool(_WE_CHOICE_START.match(t)) and not is_question(t) and not _HEDGED.search(t)


def topic_label(text: str) -> str | None:
    t = text.strip()
    m = _TOPIC.match(t) or _ON_TOPIC.match(t)
    if not m and len(t.split()) <= 6:
        m = _SHORT_TOPIC.match(t)
    if not m or m.group("label").split()[0].lower() in _NOT_A_LABEL:
        return None  # "Now we wait.", "What about you?": a clause or a person, not a topic
    label = m.group("label").strip(" ,;:-")
    head, sep, tail = label.partition(", ")
    if sep and len(head.split()) == 1 and content_words(tail):
        label = tail  # "second candidate, the flaky indexer" names the indexer
    label = re.sub(r"(?i)^(?:the|our|a|an)\s+", "", label)
    head, sep, _tail = label.partition(", ")
    if sep and len(label.split()) > 8 and 2 <= len(head.split()) <= 8:
        label = head  # "the refund for the customer from Lisbon, the double charge"
    if len(label.split()) > 8 or not content_words(label) or is_small_talk(label):
        return None
    if name_or_none(label) is not None and " " not in label:
        return None  # "Next, Jonas.": a turn given to someone, not a topic
    return label
