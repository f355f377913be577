"""loopnote.alerts: hear the user's name, build the catch-up card, tell the user.

``SpotterOptions``, ``NameSpotter``, ``Mention``, ``name_warnings``   the pure name spotter
``to_alert``                      an ``Alert`` (with its card) from a mention
``CardOptions``, ``build_card``, ``brief``, ``card_text``   the pure catch-up card
``CardFollower``                  completes an alert's card as the heard text grows
``DesktopNotifier``, ``NotifyResult``, ``alert_message``, ``ring_bell``,
``session_bus_problem``           desktop notification and terminal bell (never raise)
"""

from loopnote.alerts.card import (
    CardFollower,
    CardOptions,
    brief,
    build_card,
    card_text,
    sentence_done,
)
from loopnote.alerts.notify import (
    DesktopNotifier,
    NotifyResult,
    alert_message,
    ring_bell,
    session_bus_problem,
)
from loopnote.alerts.spotter import Mention, NameSpotter, SpotterOptions, name_warnings, to_alert

__all__ = [
    "CardFollower",
    "CardOptions",
    "DesktopNotifier",
    "Mention",
    "NameSpotter",
    "NotifyResult",
    "SpotterOptions",
    "alert_message",
    "brief",
    "build_card",
    "card_text",
    "name_warnings",
    "ring_bell",
    "sentence_done",
    "session_bus_problem",
    "to_alert",
]
