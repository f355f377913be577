"""The live view's small widgets.

``StatusHeader``  recording indicator, elapsed time, per-source level meter and health, model,
                  and the consent reminder; re-renders only when what it shows changes
``SummaryPane``   one resolution of the rolling summary (moment, section, meeting)
``StatusLine``    the latest warning or confirmation, one line
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from loopnote.tui.format import SOURCE_LABELS, hms, meter, meter_cells
from loopnote.types import SOURCES, Source, SummaryLevel, SummaryNode

METER_WIDTH = 8
METER_HZ = 5.0  # meter redraws per second, at most
HEALTH_STYLES = {
    "capturing": "green",
    "silent": "dim",
    "reconnecting": "bold yellow",
    "lost-frames": "bold red",
}
HEALTH_LABELS = {"reconnecting": "reconnecting…", "lost-frames": "lost frames"}
STATE_MARKS = {
    "starting": ("○ STARTING", "dim"),
    "recording": ("● REC", "bold red"),
    "paused": ("❚❚ PAUSED", "bold yellow"),
    "ending": ("■ ENDING…", "bold yellow"),
    "ended": ("■ ENDED", "bold"),
}


@dataclass(frozen=True)
class _Level:
    cells: int
    health: str


class StatusHeader(Widget):
    """Two lines at the top of the screen; see the module docstring."""

    DEFAULT_CSS = """
    StatusHeader { height: 2; background: $panel; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, model: str = "", consent: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.consent = consent
        self.state = "starting"
        self.elapsed = 0
        self.levels: dict[Source, _Level] = {}
        self.sources: tuple[Source, ...] = SOURCES
        self._last_meter = 0.0
        self._meter_timer_set = False

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.refresh()

    def set_elapsed(self, seconds: float) -> None:
        s = max(0, int(seconds))
        if s != self.elapsed:
            self.elapsed = s
            self.refresh()

    def set_level(self, source: Source, dbfs: float, health: str) -> bool:
        """Record a level; True if the header changed (the meter moved a cell or health)."""
        lv = _Level(meter_cells(dbfs, METER_WIDTH), health)
        if self.levels.get(source) == lv:
            return False
        self.levels[source] = lv
        self._refresh_meters()
        return True

    def _refresh_meters(self) -> None:
        """Meters redraw at most ``METER_HZ`` times a second; the newest level always shows."""
        if self._meter_timer_set:
            return
        wait = self._last_meter + 1.0 / METER_HZ - time.monotonic()
        if wait <= 0:
            self._last_meter = time.monotonic()
            self.refresh()
            return
        self._meter_timer_set = True

        def later() -> None:
            self._meter_timer_set = False
            self._last_meter = time.monotonic()
            self.refresh()

        self.set_timer(wait, later)

    def set_info(
        self, model: str | None = None, consent: str | None = None, sources: tuple[Source, ...] = ()
    ) -> None:
        """What the session reports; empty values keep what is shown."""
        if model:
            self.model = model
        if consent:
            self.consent = consent
        if sources:
            self.sources = tuple(s for s in SOURCES if s in sources)
        self.refresh()

    def render(self) -> Text:
        mark, style = STATE_MARKS.get(self.state, (self.state, ""))
        line = Text.assemble((mark, style), "  ", (hms(self.elapsed), "bold"))
        for source in self.sources:
            lv = self.levels.get(source)
            line.append("  │  ", "dim")
            line.append(f"{SOURCE_LABELS[source]} ", "bold")
            if lv is None or self.state == "ended":
                idle = "stopped" if self.state == "ended" else "waiting"
                line.append(meter(float("nan"), METER_WIDTH) + f" {idle}", "dim")
                continue
            bar = "█" * lv.cells + "░" * (METER_WIDTH - lv.cells)
            line.append(bar, "green" if lv.health == "capturing" else "dim")
            label = HEALTH_LABELS.get(lv.health, lv.health)
            line.append(f" {label}", HEALTH_STYLES.get(lv.health, ""))
        if self.model:
            line.append("  │  ", "dim")
            line.append(f"model {self.model}", "dim")
        line.no_wrap, line.overflow = True, "ellipsis"
        consent = Text(
            f"Consent: {self.consent}"
            if self.consent
            else "Consent: tell everyone in the meeting that it is being recorded.",
            style="italic",
            no_wrap=True,
            overflow="ellipsis",
        )
        return Text("\n").join([line, consent])


LEVEL_TITLES: dict[SummaryLevel, str] = {
    "moment": "Last moment",
    "section": "Last section",
    "meeting": "Meeting so far",
}


class SummaryPane(Widget):
    """Shows the newest node of one summary level in a fixed-size box (no relayout on update);
    text longer than the box ends in an ellipsis."""

    DEFAULT_CSS = """
    SummaryPane { border: round $primary-darken-1; padding: 0 1; height: 1fr; }
    """

    def __init__(self, level: SummaryLevel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.level = level
        self.border_title = LEVEL_TITLES[level]
        self.node: SummaryNode | None = None

    def show(self, node: SummaryNode) -> bool:
        """Show ``node`` if it is the current one or newer; True if shown."""
        cur = self.node
        if cur is not None and node.node_id != cur.node_id and node.start < cur.start:
            return False
        if cur is not None and node.node_id == cur.node_id and node.revision < cur.revision:
            return False
        self.node = node
        self.border_subtitle = f"{hms(node.start)}–{hms(node.end)}"
        self.refresh()
        return True

    @property
    def text(self) -> str:
        return self.node.text.strip() if self.node is not None else ""

    def render(self) -> Text:
        if self.node is None:
            return Text("nothing yet", style="dim italic")
        text = Text(self.text or "…")
        width, height = self.content_size
        if width <= 1 or height <= 0:
            return text
        lines = list(text.wrap(self.app.console, width))
        if len(lines) > height:
            lines = lines[:height]
            last = lines[-1]
            last.truncate(width - 1)
            last.rstrip()
            last.append("…")
        return Text("\n").join(lines)


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def say(self, text: str, style: str = "") -> None:
        self.update(Text(text, style=style, no_wrap=True, overflow="ellipsis"), layout=False)
