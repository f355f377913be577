"""The transcript pane: a virtualized, append-only log of the meeting.

``TranscriptView``  a Line-API scroll view: ``add_utterance``, ``relabel`` (a line's speaker
                    became known or changed), ``split`` (the voice changed inside a line:
                    its parts, one speaker each, take its place), ``settle`` (lines decoded
                    again: their settled text, marked), ``add_note``, ``set_partial``,
                    ``clear_partial``, ``jump_to``; it follows the end unless the user scrolled
                    back (then a line above that changes height does not move what is on
                    screen), and keeps at most ``max_items`` entries.

Each entry is wrapped once for the current width and kept as strips; only the lines on screen
are rendered, so a three-hour meeting costs the same per event as a three-minute one. Partial
text lives below the committed lines, one entry per source, and is rewrapped in place when it
changes (only its own lines are refreshed); a commit replaces it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from loopnote.tui.format import SOURCE_LABELS, hms, who
from loopnote.types import SOURCES, Source, Utterance

LABEL_STYLES: dict[Source, str] = {"system": "bold magenta", "mic": "bold cyan"}
LABEL_WIDTH = 6
HIGHLIGHT = Style(reverse=True)
SETTLED_MARK = ("✓", "dim green")  # between the time and the label of a settled line


@dataclass
class _Entry:
    prefix: Text
    body: Text
    strips: list[Strip] = field(default_factory=list)
    width: int = -1
    utterance: Utterance | None = None
    settled: bool = False  # the text is the settled transcript's
    hidden: bool = False  # the settled transcript dropped this line (no lines on screen)


def _wrap(entry: _Entry, width: int, console: Console) -> int:
    """Wrap ``entry`` for ``width`` cells (hanging indent after the prefix); returns lines."""
    if entry.width == width:
        return len(entry.strips)
    if entry.hidden:
        entry.strips, entry.width = [], width
        return 0
    indent = entry.prefix.cell_len
    body_width = max(8, width - indent)
    lines = entry.body.wrap(console, body_width) if entry.body.plain else [Text("")]
    strips: list[Strip] = []
    pad = Segment(" " * indent)
    for i, line in enumerate(lines):
        head = list(entry.prefix.render(console)) if i == 0 else [pad]
        line.rstrip()
        segs = head + list(line.render(console))
        strips.append(Strip(segs).crop_extend(0, width, None))
    entry.strips, entry.width = strips, width
    return len(strips)


def utterance_entry(u: Utterance, settled: bool = False) -> _Entry:
    label = who(u)
    prefix = Text.assemble(
        (hms(u.start), "dim"),
        SETTLED_MARK if settled else " ",
        (label[: LABEL_WIDTH * 2].ljust(LABEL_WIDTH), LABEL_STYLES[u.source]),
        " ",
    )
    return _Entry(prefix, Text(u.text.strip()), utterance=u, settled=settled)


def partial_entry(source: Source, text: str) -> _Entry:
    label = SOURCE_LABELS[source].ljust(LABEL_WIDTH)
    prefix = Text.assemble(("  ···   ", "dim"), " ", (label, "dim " + LABEL_STYLES[source]), " ")
    return _Entry(prefix, Text(text.strip(), style="dim italic"))


def note_entry(t: float, mark: str, text: str, style: str) -> _Entry:
    prefix = Text.assemble((hms(t), "dim"), " ", (mark.ljust(LABEL_WIDTH), style), " ")
    return _Entry(prefix, Text(text.strip(), style=style))


class TranscriptView(ScrollView, can_focus=True):
    """The meeting as it is said; see the module docstring."""

    DEFAULT_CSS = """
    TranscriptView { overflow-y: scroll; overflow-x: hidden; }
    """

    def __init__(self, max_items: int = 20_000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_items = max_items
        self._entries: list[_Entry] = []
        self._starts: list[int] = []  # first line of each entry
        self._lines = 0  # committed lines
        self._first_seq = 0  # sequence number of _entries[0]
        self._by_id: dict[str, int] = {}  # utterance id -> sequence number
        self._partials: dict[Source, _Entry] = {}
        self._width = 0
        self._follow = True
        self._highlight: int | None = None  # sequence number shown highlighted
        self._style: Style | None = None  # the widget's own style, computed once per change

    # -- public API -------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """True while the view sticks to the newest line."""
        return self._follow

    @property
    def entry_count(self) -> int:
        return len(self._entries)

    def plain_lines(self) -> list[str]:
        """Committed entries as plain text (prefix + body), oldest first."""
        return [(e.prefix.plain + e.body.plain).rstrip() for e in self._entries if not e.hidden]

    def add_utterance(self, u: Utterance) -> None:
        self._by_id[u.id] = self._first_seq + len(self._entries)
        self._partials.pop(u.source, None)
        self._append(utterance_entry(u))

    def relabel(self, utterance_id: str, speaker: str) -> bool:
        """Show a committed line under ``speaker``; False if it is no longer kept."""
        seq = self._by_id.get(utterance_id)
        if seq is None or seq < self._first_seq:
            return False
        idx = seq - self._first_seq
        entry = self._entries[idx]
        u = entry.utterance
        if u is None or u.speaker == speaker:
            return True
        if entry.hidden:
            entry.utterance = replace(u, speaker=speaker)
            return True
        self._replace({idx: utterance_entry(replace(u, speaker=speaker), entry.settled)})
        return True

    def settle(self, settled: Utterance, replaces: Sequence[str]) -> bool:
        """Show the settled text of a stretch's line: the first kept line of ``replaces``
        takes ``settled``'s text (keeping its own time, id and speaker), marked settled; the
        other lines it replaces, or all of them when its text is empty, leave the screen
        (as readers of the meeting leave them out). False if none is kept any more."""
        seqs = sorted(s for s in (self._by_id.get(i) for i in replaces) if s is not None)
        idxs = [s - self._first_seq for s in seqs if s >= self._first_seq]
        if not idxs:
            return False
        new: dict[int, _Entry] = {}
        for n, idx in enumerate(idxs):
            live = self._entries[idx].utterance
            if live is None:
                continue
            if n == 0 and settled.text.strip():
                shown = replace(settled, id=live.id, source=live.source, speaker=live.speaker)
                new[idx] = utterance_entry(shown, settled=True)
            else:
                new[idx] = _Entry(Text(""), Text(""), utterance=live, hidden=True)
        self._replace(new)
        return True

    def split(self, utterance_id: str, parts: Sequence[Utterance]) -> bool:
        """Show a committed line as ``parts`` (the first keeps its id); False if it is no
        longer kept."""
        seq = self._by_id.get(utterance_id)
        if seq is None or seq < self._first_seq or not parts:
            return False
        extra = len(parts) - 1
        for uid, later in self._by_id.items():  # the lines after it move down
            if later > seq:
                self._by_id[uid] = later + extra
        if self._highlight is not None and self._highlight > seq:
            self._highlight += extra
        for k, p in enumerate(parts):
            self._by_id[p.id] = seq + k
        idx = seq - self._first_seq
        old = self._entries[idx]
        if old.hidden:  # the settled transcript dropped the line: so are its parts
            new = [_Entry(Text(""), Text(""), utterance=p, hidden=True) for p in parts]
        else:
            new = [utterance_entry(p, old.settled) for p in parts]
        top = self.scroll_offset.y
        above = bool(self._width) and self._starts[idx] < top
        self._entries[idx : idx + 1] = new
        self._rebuild_starts()
        self._resized_content()
        if above and not self._follow:  # reading back: what is on screen stays put
            console = self.app.console
            grown = sum(_wrap(e, self._width, console) for e in new) - len(old.strips)
            self.scroll_to(y=max(0, top + grown), animate=False)
        return True

    def add_note(self, t: float, mark: str, text: str, style: str = "") -> None:
        self._append(note_entry(t, mark, text, style))

    def set_partial(self, source: Source, text: str) -> None:
        if not text.strip():
            self.clear_partial(source)
            return
        old = self._partials.get(source)
        if old is not None and old.body.plain == text.strip():
            return
        entry = partial_entry(source, text)
        self._partials[source] = entry
        if not self._width:
            return
        new_n = _wrap(entry, self._width, self.app.console)
        if old is not None and len(old.strips) == new_n:
            self.refresh_lines(self._partial_start(source), new_n)  # settle in place
        else:
            self._resized_content()

    def clear_partial(self, source: Source) -> None:
        if self._partials.pop(source, None) is not None:
            self._resized_content()

    def jump_to(self, utterance_id: str) -> bool:
        """Scroll to an utterance and highlight it; False if it is no longer kept."""
        seq = self._by_id.get(utterance_id)
        if seq is None or seq < self._first_seq:
            return False
        self._highlight = seq
        idx = seq - self._first_seq
        if self._width:
            self.scroll_to(y=max(0, self._starts[idx] - self.size.height // 3), animate=False)
        self._follow = False
        self.refresh()
        return True

    def follow_end(self) -> None:
        self._highlight = None
        self._follow = True
        self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    # -- internals ----------------------------------------------------------------------------

    def _partial_start(self, source: Source) -> int:
        y = self._lines
        for s in SOURCES:
            if s == source:
                return y
            p = self._partials.get(s)
            if p is not None:
                y += len(p.strips)
        return y

    def _partial_lines(self) -> int:
        return sum(len(p.strips) for p in self._partials.values())

    def _replace(self, entries: dict[int, _Entry]) -> None:
        """Swap entries in place; when the user reads back, lines above the top of the view
        that wrap to more or fewer lines shift the scroll by as much, so the text on screen
        stays put."""
        top = self.scroll_offset.y
        shift = 0
        console = self.app.console
        for idx, entry in entries.items():
            old = self._entries[idx]
            if self._width and self._starts[idx] < top:
                shift += _wrap(entry, self._width, console) - len(old.strips)
            self._entries[idx] = entry
        self._rebuild_starts()
        self._resized_content()
        if shift and not self._follow:
            self.scroll_to(y=max(0, top + shift), animate=False)

    def _append(self, entry: _Entry) -> None:
        self._entries.append(entry)
        self._starts.append(self._lines)
        if self._width:
            self._lines += _wrap(entry, self._width, self.app.console)
        if len(self._entries) > self.max_items:
            self._drop(max(1, self.max_items // 10))
        self._resized_content()

    def _drop(self, n: int) -> None:
        removed = self._starts[n] if n < len(self._starts) else self._lines
        del self._entries[:n]
        self._first_seq += n
        self._rebuild_starts()
        if not self._follow:
            self.scroll_to(y=max(0, self.scroll_offset.y - removed), animate=False)

    def _rebuild_starts(self) -> None:
        self._starts, y = [], 0
        console = self.app.console
        for e in self._entries:
            self._starts.append(y)
            y += _wrap(e, self._width, console) if self._width else 0
        self._lines = y

    def _resized_content(self) -> None:
        if self._width:
            console = self.app.console
            for p in self._partials.values():
                _wrap(p, self._width, console)
        size = Size(self._width, self._lines + self._partial_lines())
        if size != self.virtual_size:
            # The pane's own size does not change, so skip the screen-wide relayout that
            # assigning ``virtual_size`` would cause; update the scroll bars directly.
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        if self._follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self._width = width
            self._rebuild_starts()
            self._resized_content()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = round(new_value) >= self.max_scroll_y

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        vy = y + self.scroll_offset.y
        strip: Strip | None = None
        if vy < self._lines and self._entries:
            idx = bisect_right(self._starts, vy) - 1
            entry = self._entries[idx]
            row = vy - self._starts[idx]
            if row < len(entry.strips):
                strip = entry.strips[row]
                if self._highlight == idx + self._first_seq:
                    strip = strip.apply_style(HIGHLIGHT)
        else:
            row = vy - self._lines
            for s in SOURCES:
                p = self._partials.get(s)
                if p is None:
                    continue
                if row < len(p.strips):
                    strip = p.strips[row]
                    break
                row -= len(p.strips)
        style = self._base_style()
        if strip is None:
            return Strip.blank(width, style)
        return strip.crop_extend(0, width, style).apply_style(style)

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
