"""The live view's keys: what each one does to the running meeting, and when it is allowed.

``KeyActions``  the bindings and their actions (pause/resume, bookmark, search, name a
                speaker, the catch-up card, follow, help, end and close); ``LiveView``
                (tui/app.py) is one, and holds the state they read
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from loopnote.errors import LoopnoteError
from loopnote.events import SessionControl
from loopnote.store.speakers import default_label
from loopnote.tui.card import CardPanel
from loopnote.tui.screens import ConfirmScreen, HelpScreen, NameSpeakerScreen, SearchScreen
from loopnote.tui.search_lines import SearchLines
from loopnote.tui.transcript import TranscriptView
from loopnote.tui.widgets import StatusHeader, StatusLine
from loopnote.types import Alert

STOP_RETRY_SECONDS = 0.25  # ask a session that is still starting to stop again this often

# replaced by "close" once it has ended
_LIVE_ACTIONS = {"toggle_pause", "bookmark", "end", "name_speaker"}
_MAIN_ACTIONS = {
    *("toggle_pause", "bookmark", "search", "card", "follow", "end", "close", "help"),
    "name_speaker",
}


class KeyActions(App[int]):
    """The keys of the live view; the state below is the view's (set in ``LiveView``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause/resume"),
        Binding("m", "bookmark", "Mark"),
        Binding("slash", "search", "Search"),
        Binding("a", "card", "Card", show=False),
        Binding("n", "name_speaker", "Name a speaker", show=False),
        Binding("end", "follow", "Follow", show=False),
        Binding("q", "end", "End meeting"),
        Binding("q", "close", "Close"),  # once the meeting has ended
        Binding("question_mark", "help", "Help"),
    ]

    control: SessionControl
    ended: bool
    stop_requested: bool
    last_alert: Alert | None
    labels: dict[str, str]  # speaker id -> its name, once named
    speaker_of: dict[str, str]  # utterance id -> speaker id (system lines)
    session_thread: threading.Thread | None
    header: StatusHeader
    status: StatusLine
    transcript: TranscriptView
    card: CardPanel
    search_lines: SearchLines  # every line of the meeting, as search finds it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _MAIN_ACTIONS and isinstance(self.screen, ModalScreen):
            return False
        if action == "close":
            return self.ended
        return not (self.ended and action in _LIVE_ACTIONS)

    def _control(self, what: str, fn: Callable[[], None]) -> bool:
        try:
            fn()
        except LoopnoteError as e:
            self.status.say(f"Could not {what}: {e}", "red")
            return False
        return True

    def action_toggle_pause(self) -> None:
        if self.ended or self.stop_requested:
            return
        if self.control.paused:
            if self._control("resume", self.control.resume):
                self.header.set_state("recording")
        elif self._control("pause", self.control.pause):
            self.header.set_state("paused")

    def action_bookmark(self) -> None:
        if not self.ended and self._control("add a bookmark", self.control.bookmark):
            self.status.say("★ Marked", "green")

    def action_search(self) -> None:
        def jump(uid: str | None) -> None:
            if uid is None:
                return
            if self.transcript.jump_to(uid):
                self.status.say("Press end to follow the newest line again.")
            else:
                self.status.say("That line has scrolled out of the view; it is in the meeting.")

        lines = self.search_lines
        self.push_screen(SearchScreen(lines.ids, lines.lines), jump)

    def action_name_speaker(self) -> None:
        def named(answer: tuple[str, str] | None) -> None:
            if answer is not None and self._control(
                "name the speaker", lambda: self.control.rename_speaker(*answer)
            ):
                self.status.say(f"Naming {answer[0]} {answer[1]}…")

        heard = sorted(
            {self.labels.get(sid) or default_label(sid) for sid in self.speaker_of.values()}
        )
        self.push_screen(NameSpeakerScreen(heard), named)

    def action_card(self) -> None:
        if self.last_alert is None:
            self.status.say("No name alert yet.")
        else:
            self.card.show(self.last_alert)

    def on_card_panel_closed(self) -> None:
        self.transcript.focus()

    def action_follow(self) -> None:
        self.transcript.follow_end()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_close(self) -> None:
        self.exit(0)

    def action_end(self) -> None:
        if self.ended:
            self.exit(0)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.end_meeting()

        self.push_screen(ConfirmScreen("End the meeting? It will be saved."), answered)

    def action_help_quit(self) -> None:
        """Ctrl-C, pressed by reflex: ask whether to end the meeting, as ``q`` does."""
        if not isinstance(self.screen, ModalScreen):
            self.action_end()

    async def action_quit(self) -> None:
        """Ctrl-Q: end the meeting without asking (it is saved either way)."""
        if self.ended:
            self.exit(0)
        else:
            self.end_meeting()

    def end_meeting(self) -> None:
        """Ask the session to stop; the view closes when the session has ended."""
        if self.stop_requested:
            return
        self.stop_requested = True
        self.header.set_state("ending")
        self.status.say("Ending the meeting and saving it…")
        self.run_worker(self._stop_then_close, thread=True, exit_on_error=False)

    def _stop_failed(self, why: str) -> None:
        self.stop_requested = False
        self.header.set_state("paused" if self.control.paused else "recording")
        self.status.say(f"Could not end the meeting: {why} (q tries again)", "red")

    def _stop_then_close(self) -> None:
        # A session still starting up (loading its model) may not hear the first stop.
        while True:
            try:
                self.control.stop()
            except LoopnoteError as e:
                self.call_from_thread(self._stop_failed, str(e))
                return
            thread = self.session_thread
            if thread is None or not thread.is_alive():
                self.call_from_thread(self.exit, 0)
                return
            thread.join(STOP_RETRY_SECONDS)
            if not thread.is_alive():
                return  # on_session_done closes the view
