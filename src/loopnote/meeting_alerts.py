"""Name alerts of one meeting, on the fast path: the name spotter over partial and committed
text, each alert stored and announced at once, its catch-up card completed as the text
grows, and desktop notifications posted to a slow worker that the fast path never waits for.

``MeetingAlerts``  ``start()`` (the name's warnings), ``partial(p, wall)``,
                   ``committed(u, wall)`` (each returns the events that follow), ``close()``
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from loopnote.alerts import (
    CardFollower,
    DesktopNotifier,
    Mention,
    NameSpotter,
    SpotterOptions,
    alert_message,
    name_warnings,
    ring_bell,
    to_alert,
)
from loopnote.config import Settings
from loopnote.events import AlertCardCompleted, AlertRaised, Event
from loopnote.slowpath import SlowWorker
from loopnote.store import MeetingFolder
from loopnote.types import Alert, CatchUpCard, PartialText, SessionWarning, Utterance

log = logging.getLogger(__name__)

CardMaker = Callable[[Mention], CatchUpCard]


class MeetingAlerts:
    """``card`` builds a mention's catch-up card from what the meeting heard so far;
    ``late`` takes a warning from the notification worker's thread; ``failed`` is told when
    that worker fails."""

    def __init__(
        self,
        settings: Settings,
        folder: MeetingFolder,
        card: CardMaker,
        *,
        notifier: DesktopNotifier | None,
        late: Callable[[SessionWarning], None],
        failed: Callable[[str, BaseException], None],
    ) -> None:
        self._options = SpotterOptions(
            name=settings.name, aliases=settings.aliases, sounds_like=settings.sounds_like
        )
        self.spotter = NameSpotter(self._options)
        self._folder = folder
        self._card = card
        self._cards = CardFollower()  # alert cards completed as the heard text grows
        self._late = late
        self._notifier = notifier
        self._notify: SlowWorker[Alert] | None = (
            SlowWorker("notify", self._send_notification, failed) if notifier is not None else None
        )
        self._notify_failing = ""  # the reason notifications last failed, "" when they work
        self._started = False

    def start(self) -> list[SessionWarning]:
        """Start the notification worker; the warnings about the name itself."""
        if self._notify is not None:
            self._notify.start()
        self._started = True
        return [SessionWarning("name-warning", line) for line in name_warnings(self._options)]

    def committed(self, u: Utterance, wall: float) -> list[Event]:
        out: list[Event] = [self._alert(m, wall) for m in self.spotter.on_utterance(u)]
        confirmed = self.spotter.take_confirmations()
        for m in confirmed:
            self._confirm(m)
        return out + self._cards_completed(u.end, wall, confirmed)

    def partial(self, p: PartialText, wall: float) -> list[Event]:
        out: list[Event] = [self._alert(m, wall) for m in self.spotter.on_partial(p)]
        return out + (self._cards_completed(p.t, wall) if p.source == "system" else [])

    def close(self) -> None:
        if self._notify is not None and self._started:
            self._notify.close(timeout=5.0)

    def _alert(self, mention: Mention, wall: float) -> AlertRaised:
        alert = to_alert(mention, self._card(mention))
        self._folder.append_alert(alert)
        self._cards.follow(alert, mention)
        ring_bell()
        if self._notify is not None:
            self._notify.post(alert, key="alert")
        return AlertRaised(alert, wall)

    def _cards_completed(
        self, t: float, wall: float, confirmed: list[Mention] | None = None
    ) -> list[Event]:
        """Cards of earlier alerts that the text heard since has completed."""
        out: list[Event] = []
        for alert in self._cards.update(t, self._card, confirmed or ()):
            if alert.card is not None:
                self._folder.append_event(
                    "alert-card", {"term": alert.term, "card": alert.card.to_dict()}, t=alert.t
                )
            out.append(AlertCardCompleted(alert, wall))
        return out

    def _confirm(self, mention: Mention) -> None:
        """An alert raised on partial text is now committed: its card is saved again, made
        from the committed utterance (the alert record keeps the first, live card)."""
        card = self._card(mention)
        self._folder.append_event(
            "alert-confirmed",
            {"term": mention.term, "utterance_id": mention.utterance_id, "card": card.to_dict()},
            t=mention.t,
        )

    def _send_notification(self, alerts: list[Alert]) -> None:
        """On the notification worker: the newest alert of the batch (latest wins). A
        failure is a warning the first time and whenever its reason changes; every failure
        is in the log."""
        assert self._notifier is not None
        title, body = alert_message(alerts[-1])
        result = self._notifier.send(title, body)
        if result.ok:
            self._notify_failing = ""
            return
        log.warning("desktop notification failed: %s", result.reason)
        if result.reason != self._notify_failing:
            self._notify_failing = result.reason
            self._late(
                SessionWarning(
                    "notify-failed",
                    f"desktop notifications fail: {result.reason} (alerts still show here)",
                    "system",
                    alerts[-1].t,
                )
            )
