"""What the live view's search looks through: one line of text per utterance, kept in step
with the meeting (all of them, also those scrolled off the screen).

``SearchLines.add(u)``                 a committed utterance, "HH:MM:SS Label: text"
``SearchLines.relabel(uid, label)``    its speaker label changed
``SearchLines.settle(u, replaces)``    settled text: the first line it replaces takes it, the
                                       others (as in the meeting's transcript) keep no text
``SearchLines.split(uid, parts)``      the voice changed inside a line: its parts take its place
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from loopnote.tui.format import hms, who
from loopnote.types import Utterance


@dataclass
class _Line:
    start: float
    label: str
    text: str

    def __str__(self) -> str:
        return f"{hms(self.start)} {self.label}: {self.text}"


@dataclass
class SearchLines:
    ids: list[str] = field(default_factory=list)
    _lines: list[_Line] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)  # utterance id -> its line

    @property
    def lines(self) -> list[str]:
        return [str(line) for line in self._lines]

    def add(self, u: Utterance) -> None:
        self._index[u.id] = len(self.ids)
        self.ids.append(u.id)
        self._lines.append(_Line(u.start, who(u), u.text.strip()))

    def relabel(self, utterance_id: str, label: str) -> None:
        i = self._index.get(utterance_id)
        if i is not None:
            self._lines[i].label = label

    def settle(self, u: Utterance, replaces: Sequence[str]) -> None:
        text = u.text.strip()
        for i in sorted(self._index[uid] for uid in replaces if uid in self._index):
            self._lines[i].text = text
            text = ""

    def split(self, utterance_id: str, parts: Sequence[Utterance]) -> None:
        i = self._index.get(utterance_id)
        if i is None or not parts:
            return
        self.ids[i : i + 1] = [p.id for p in parts]
        self._lines[i : i + 1] = [_Line(p.start, who(p), p.text.strip()) for p in parts]
        self._index = {uid: k for k, uid in enumerate(self.ids)}  # rare: redo
