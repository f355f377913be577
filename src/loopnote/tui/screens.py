"""Screens shown in front of the live view (opaque: the meeting behind them is not redrawn
while they are open, which keeps the view cheap; a name alert closes them).

``SearchScreen``   type to search the transcript so far; ``enter`` on a hit jumps to it
``ConfirmScreen``  a yes/no question (ending the meeting)
``HelpScreen``     the keys
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from loopnote.tui.format import find

MAX_HITS = 500

_MODAL_CSS = """
{name} {{ align: center middle; background: $background; }}
{name} > Vertical {{ width: 80%; max-width: 110; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1; }}
{name} .hint {{ color: $text-muted; height: 1; margin-top: 1; }}
"""


class SearchScreen(ModalScreen[str | None]):
    """Search the transcript so far. Dismisses with the chosen utterance id, or None."""

    DEFAULT_CSS = (
        _MODAL_CSS.format(name="SearchScreen")
        + """
    SearchScreen OptionList { height: auto; max-height: 20; border: none; }
    SearchScreen #count { color: $text-muted; height: 1; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, ids: Sequence[str], lines: Sequence[str]) -> None:
        super().__init__()
        self.ids = list(ids)
        self.lines = list(lines)
        self.hits: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="search the transcript so far", id="query")
            yield Static("", id="count")
            yield OptionList(id="hits")
            yield Static("enter jump to the first hit   ↓ choose   esc close", classes="hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, query: str) -> list[int]:
        self.hits = find(self.lines, query)
        shown = self.hits[-MAX_HITS:]
        hits = self.query_one("#hits", OptionList)
        hits.clear_options()
        words = query.split()
        for i in shown:
            t = Text(self.lines[i], no_wrap=True, overflow="ellipsis")
            t.highlight_words(words, "bold reverse", case_sensitive=False)
            hits.add_option(Option(t, id=str(i)))
        n = len(self.hits)
        more = f" (the last {MAX_HITS} shown)" if n > MAX_HITS else ""
        count = "" if not query.strip() else f"{n} match{'es' if n != 1 else ''}{more}"
        self.query_one("#count", Static).update(count)
        return self.hits

    def on_input_submitted(self) -> None:
        if self.hits:
            self.dismiss(self.ids[self.hits[0]])

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.query_one("#query", Input).has_focus and self.hits:
            event.stop()
            event.prevent_default()
            hits = self.query_one("#hits", OptionList)
            hits.focus()
            hits.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.ids[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)


class NameSpeakerScreen(ModalScreen[tuple[str, str] | None]):
    """Name one of the other side's speakers: dismisses with ``(old, new)``, or None."""

    DEFAULT_CSS = _MODAL_CSS.format(name="NameSpeakerScreen")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, speakers: Sequence[str]) -> None:
        super().__init__()
        self.speakers = list(speakers)

    def compose(self) -> ComposeResult:
        heard = ", ".join(self.speakers) or "no one labelled yet"
        with Vertical():
            yield Input(placeholder="Speaker 2=Marcus", id="rename")
            yield Static(f"speakers: {heard}", id="problem")
            yield Static("enter name them   esc close", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        old, sep, new = event.value.partition("=")
        if not sep or not old.strip() or not new.strip():
            self.query_one("#problem", Static).update('write it as "Speaker 2=Marcus"')
            return
        self.dismiss((old.strip(), new.strip()))

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = (
        _MODAL_CSS.format(name="ConfirmScreen")
        + """
    ConfirmScreen > Vertical { width: auto; min-width: 40; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"))
            yield Static("y yes   n no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


HELP = (
    ("space", "pause or resume recording"),
    ("m", "mark this moment (a bookmark)"),
    ("/", "search the transcript so far"),
    ("a", "show the last catch-up card again"),
    ("n", "name a speaker (Speaker 2=Marcus)"),
    ("end", "follow the newest line again"),
    ("↑ ↓ pgup pgdn", "scroll the transcript"),
    ("q  ctrl+c", "end the meeting (asks first)"),
    ("ctrl+q", "end the meeting now"),
    ("?", "this help"),
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = (
        _MODAL_CSS.format(name="HelpScreen")
        + """
    HelpScreen > Vertical { width: auto; min-width: 64; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q,enter", "close", "Close")
    ]

    def compose(self) -> ComposeResult:
        text = Text()
        for key, what in HELP:
            text.append(f"{key:>14}  ", "bold")
            text.append(what + "\n")
        text.append("\nIn the catch-up card: c copies it, esc closes it.", "italic")
        with Vertical():
            yield Static(Text("Keys", style="bold underline"))
            yield Static(text)
            yield Static("esc close", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
