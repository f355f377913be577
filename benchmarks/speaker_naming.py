"""Scripted conversations for naming speakers from conversation cues, with the truth.

Each conversation is a list of (speaker, text) turns as a transcript with speaker labels
would give them ("you" is the microphone). ``people`` maps each remote speaker to the
person's real name; speakers whose name is never said still count for recall. Names of
absent people, names at the start of sentences, and people who address others are the
traps. ``dev`` and ``held`` are written separately; the rules were tuned on ``dev`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from loopnote.speakers import Turn

_DEV: list[tuple[str, dict[str, str], list[tuple[str, str]]]] = [
    (
        "standup",
        {"s1": "Marcus", "s2": "Dana"},
        [
            ("you", "Morning everyone. Dana, where are we with the release?"),
            ("s2", "We are on track, the last two bugs are fixed."),
            ("s1", "I still need the changelog from Sarah before Friday."),
            ("you", "Thanks, Dana. Marcus, anything blocking you?"),
            ("s1", "Nothing blocking, the tests are green."),
            ("you", "Great, thanks Marcus."),
        ],
    ),
    (
        "intro",
        {"s1": "Tom", "s2": "Priya"},
        [
            ("s1", "Hi all, this is Tom from sales, I joined a bit late."),
            ("you", "No problem. Over to you, Priya."),
            ("s2", "Thanks. The numbers for the quarter look good."),
            ("s1", "Good point, Priya. Can we share them with the customer?"),
            ("s2", "Yes, after legal has looked at them."),
        ],
    ),
    (
        "absent-names",
        {"s1": "Lena", "s2": "Omar"},
        [
            ("s1", "Did Jonas send the contract yet?"),
            ("s2", "Not yet, Jonas is out until Monday."),
            ("s1", "Then Maria should sign it instead."),
            ("s2", "I will ask Maria after this call."),
            ("you", "Thanks both."),
        ],
    ),
    (
        "three-way",
        {"s1": "Alice", "s2": "Ben", "s3": "Chloe"},
        [
            ("s1", "Ben, can you take the first item?"),
            ("s2", "Sure. The migration finished last night without data loss."),
            ("s1", "Great, thanks Ben. Chloe, what about the design review?"),
            ("s3", "The review is on Tuesday, I sent the invite."),
            ("s2", "Thanks, Chloe. Alice, do you want to join it?"),
            ("s1", "Yes, I will be there."),
        ],
    ),
    (
        "one-weak-cue",
        {"s1": "Kai", "s2": "Rosa"},
        [
            ("s1", "The build is slow again."),
            ("s2", "I saw that, the cache was cleared."),
            ("you", "Thanks, Rosa."),
            ("s1", "Let me restart the runners."),
        ],
    ),
    (
        "self-intros",
        {"s1": "Yuki", "s2": "Felix"},
        [
            ("s1", "Hello, my name is Yuki, I lead the data team."),
            ("s2", "Hi, Felix here, I am on the platform side."),
            ("you", "Welcome both, let us start with the agenda."),
            ("s1", "I can go first."),
        ],
    ),
]

_HELD: list[tuple[str, dict[str, str], list[tuple[str, str]]]] = [
    (
        "planning",
        {"s1": "Nora", "s2": "Victor"},
        [
            ("you", "Victor, could you walk us through the plan?"),
            ("s2", "Sure, we start with the billing service in March."),
            ("s1", "That works for my team. Thanks, Victor."),
            ("you", "Nora, any risks on your side?"),
            ("s1", "Only the hiring, we are still one engineer short."),
            ("s2", "Makes sense, Nora."),
        ],
    ),
    (
        "customer",
        {"s1": "Grace", "s2": "Ivan"},
        [
            ("s1", "This is Grace from the customer success team."),
            ("s2", "And I'm Ivan, I handle the integration."),
            ("you", "Thanks for joining. What is the main issue?"),
            ("s1", "The export fails for large accounts."),
            ("s2", "Grace, did you send them the workaround?"),
            ("s1", "Yes, yesterday."),
        ],
    ),
    (
        "gossip",
        {"s1": "Paul", "s2": "Mia"},
        [
            ("s1", "Has Oliver finished the slides?"),
            ("s2", "Oliver said he needs another day."),
            ("s1", "Then we ask Sophie to present."),
            ("s2", "Sophie is on holiday, remember."),
        ],
    ),
    (
        "handover-chain",
        {"s1": "Emma", "s2": "Liam", "s3": "Zoe"},
        [
            ("you", "Let us go around. Emma, you first."),
            ("s1", "I finished the onboarding docs."),
            ("you", "Thanks Emma. Liam?"),
            ("s2", "Still working on the search index."),
            ("s1", "Over to you, Zoe."),
            ("s3", "I fixed the login bug."),
            ("s2", "Nice work, Zoe."),
        ],
    ),
    (
        "wrong-turn",
        {"s1": "Hugo", "s2": "Ines"},
        [
            ("s1", "Ines, can you share your screen?"),
            ("s1", "Actually wait, I will share mine."),
            ("s2", "Fine by me."),
            ("you", "Thanks Hugo."),
        ],
    ),
    (
        "quiet",
        {"s1": "Ravi", "s2": "Elif"},
        [
            ("s1", "The servers were down for an hour this morning."),
            ("s2", "We need a postmortem for that."),
            ("you", "Agreed, let us write it this week."),
        ],
    ),
]


@dataclass(frozen=True)
class Conversation:
    name: str
    named: dict[str, str]
    turns: list[Turn]


def conversations(part: str) -> list[Conversation]:
    table = _DEV if part == "dev" else _HELD
    return [
        Conversation(
            name,
            people,
            [Turn(f"{name}-{i}", spk, text) for i, (spk, text) in enumerate(lines)],
        )
        for name, people, lines in table
    ]
