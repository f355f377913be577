"""The catch-up card: shown in front of the live view when the user's name is heard.

``CardPanel``  an overlay on the main screen (so the meeting keeps updating around it at no
               extra cost): a banner, then what was asked, the last 30 seconds, the last few
               minutes and the meeting so far. ``c`` copies it, ``esc`` closes it; the other
               keys of the live view keep working while it is open.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from loopnote.tui.format import card_text, hms
from loopnote.types import Alert

SECTIONS = (
    ("addressed", "They asked"),
    ("verbatim", "Last 30 seconds"),
    ("brief", "Last few minutes"),
    ("meeting", "Meeting so far"),
)


class CardPanel(Vertical, can_focus=True):
    """See the module docstring. Hidden until ``show``."""

    DEFAULT_CSS = """
    CardPanel { layer: overlay; display: none; width: 1fr; height: auto; max-height: 85%;
        margin: 3 6 0 6; border: thick $error; background: $surface; padding: 0 1; }
    CardPanel:focus { border: thick $error; }
    CardPanel #banner { background: $error; color: $text; text-style: bold; padding: 0 1; }
    CardPanel .title { text-style: bold; margin-top: 1; color: $accent; }
    CardPanel VerticalScroll { height: auto; max-height: 28; }
    CardPanel .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,x", "close", "Close card"),
        Binding("c", "copy", "Copy card"),
    ]

    class Closed(Message):
        """The user closed the card."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.alert: Alert | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="banner")
        with VerticalScroll(can_focus=False):
            for key, title in SECTIONS:
                yield Static(title, classes="title", id=f"t-{key}")
                yield Static(id=f"b-{key}")
        yield Static(
            "c copy the card   esc close   (the meeting goes on behind it)", classes="hint"
        )

    def show(self, alert: Alert) -> None:
        """Show ``alert`` in front (a newer alert replaces the one shown) and focus it."""
        self.alert = alert
        self.query_one("#banner", Static).update(
            f"◆ Your name was heard at {hms(alert.t)}: “{alert.heard}”"
        )
        card = alert.card
        bodies = {
            "addressed": card.addressed if card else "",
            "verbatim": card.last_verbatim if card else "",
            "brief": card.recent_brief if card else "",
            "meeting": card.meeting_so_far if card else "",
        }
        for key, body in bodies.items():
            self.query_one(f"#t-{key}").display = bool(body.strip())
            w = self.query_one(f"#b-{key}", Static)
            w.display = bool(body.strip())
            w.update(Text(body.strip()))
        asked = f"{card.asker} asked you" if card and card.asker else dict(SECTIONS)["addressed"]
        self.query_one("#t-addressed", Static).update(asked)
        self.display = True
        self.focus()

    def set_asker(self, alert: Alert, asker: str) -> None:
        """Who asked, once known, on the card of ``alert`` (if it is still the one shown)."""
        if self.alert is None or self.alert.t != alert.t or self.alert.card is None:
            return
        self.alert = replace(alert, card=replace(self.alert.card, asker=asker))
        self.query_one("#t-addressed", Static).update(f"{asker} asked you")

    @property
    def shown(self) -> bool:
        return bool(self.display)

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())

    def action_copy(self) -> None:
        if self.alert is None or self.alert.card is None:
            self.app.notify("This alert has no catch-up card.", severity="warning")
            return
        self.app.copy_to_clipboard(card_text(self.alert.card, self.alert.term))
        self.app.notify("Catch-up card copied to the clipboard.", timeout=3)
