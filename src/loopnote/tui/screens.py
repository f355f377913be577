"""Screens shown in front of the live view.

``CardScreen``     the name-alert banner and catch-up card; ``c`` copies, ``esc`` closes
``SearchScreen``   type to search the transcript so far; ``enter`` on a hit jumps to it
``ConfirmScreen``  a yes/no question (ending the meeting)
``HelpScreen``     the keys
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from loopnote.tui.format import card_text, find, hms
from loopnote.types import Alert

MAX_HITS = 500

_MODAL_CSS = """
{name} {{ align: center middle; background: $background 60%; }}
{name} > Vertical {{ width: 80%; max-width: 110; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1; }}
{name} .hint {{ color: $text-muted; height: 1; margin-top: 1; }}
"""


class CardScreen(ModalScreen[None]):
    """A name alert in front of everything: banner, then the catch-up card."""

    DEFAULT_CSS = _MODAL_CSS.format(name="CardScreen") + """
    CardScreen #banner { background: $error; color: $text; text-style: bold; padding: 0 1;
        height: auto; }
    CardScreen .title { text-style: bold; margin-top: 1; color: $accent; }
    CardScreen VerticalScroll { height: auto; max-height: 30; }
    """
    BINDINGS = [Binding("escape,enter,x", "close", "Close"), Binding("c", "copy", "Copy card")]

    def __init__(self, alert: Alert) -> None:
        super().__init__()
        self.alert = alert

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="banner")
            with VerticalScroll():
                for key, title in (("addressed", "They asked"), ("verbatim", "Last 30 seconds"),
                                   ("brief", "Last few minutes"), ("meeting", "Meeting so far")):
                    yield Static(title, classes="title", id=f"t-{key}")
                    yield Static(id=f"b-{key}")
            yield Static("c copy the card   esc close", classes="hint")

    def on_mount(self) -> None:
        self.show(self.alert)

    def show(self, alert: Alert) -> None:
        """Show ``alert`` (a newer alert replaces the one on screen)."""
        self.alert = alert
        self.query_one("#banner", Static).update(
            f"◆ Your name was heard at {hms(alert.t)}: “{alert.heard}”")
        card = alert.card
        bodies = {"addressed": card.addressed if card else "",
                  "verbatim": card.last_verbatim if card else "",
                  "brief": card.recent_brief if card else "",
                  "meeting": card.meeting_so_far if card else ""}
        for key, body in bodies.items():
            self.query_one(f"#t-{key}").display = bool(body.strip())
            w = self.query_one(f"#b-{key}", Static)
            w.display = bool(body.strip())
            w.update(Text(body.strip()))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        if self.alert.card is None:
            self.app.notify("This alert has no catch-up card.", severity="warning")
            return
        self.app.copy_to_clipboard(card_text(self.alert.card, self.alert.term))
        self.app.notify("Catch-up card copied to the clipboard.", timeout=3)


class SearchScreen(ModalScreen[str | None]):
    """Search the transcript so far. Dismisses with the chosen utterance id, or None."""

    DEFAULT_CSS = _MODAL_CSS.format(name="SearchScreen") + """
    SearchScreen OptionList { height: auto; max-height: 20; border: none; }
    SearchScreen #count { color: $text-muted; height: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

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
        key = event.key
        hits = self.query_one("#hits", OptionList)
        if key == "down" and self.query_one("#query", Input).has_focus and self.hits:
            hits.focus()
            hits.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.ids[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = _MODAL_CSS.format(name="ConfirmScreen") + """
    ConfirmScreen > Vertical { width: auto; min-width: 40; }
    """
    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"),
                Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"))
            yield Static("y yes   n no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


HELP = (("space", "pause or resume recording"), ("m", "mark this moment (a bookmark)"),
        ("/", "search the transcript so far"), ("a", "show the last catch-up card again"),
        ("end", "follow the newest line again"), ("↑ ↓ pgup pgdn", "scroll the transcript"),
        ("q", "end the meeting (asks first)"), ("?", "this help"))


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = _MODAL_CSS.format(name="HelpScreen") + """
    HelpScreen > Vertical { width: auto; min-width: 50; }
    """
    BINDINGS = [Binding("escape,question_mark,q,enter", "close", "Close")]

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
