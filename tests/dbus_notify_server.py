"""A real freedesktop notification server on a D-Bus bus, for tests.

Run as ``python dbus_notify_server.py LOG`` with ``DBUS_SESSION_BUS_ADDRESS`` set: it owns
``org.freedesktop.Notifications`` on that bus, implements the methods of the notification
specification (Notify, GetCapabilities, GetServerInformation, CloseNotification) and writes
each notification it receives to LOG as one JSON line. It prints ``ready`` once it owns the
name, and runs until killed. With ``--press LABEL`` it also offers actions and, as a person
would, presses the button titled LABEL on each notification that has one: it emits
``ActionInvoked`` for it on the bus a moment after the notification arrived. A notification
the client takes back (CloseNotification) is logged as ``{"closed": ID}``.
"""

# dbus-fast reads D-Bus type signatures ("s", "as", "a{sv}") from the annotations.
# ruff: noqa: F821, F722

import asyncio
import json
import sys

from dbus_fast import BusType
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal


class Notifications(ServiceInterface):
    def __init__(self, log_path: str, press: str = "") -> None:
        super().__init__("org.freedesktop.Notifications")
        self.log_path = log_path
        self.press = press
        self.next_id = 0

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.next_id += 1
        record = {
            "id": self.next_id,
            "app_name": app_name,
            "summary": summary,
            "body": body,
            "actions": list(actions),
            "hints": sorted(hints),
            "timeout": expire_timeout,
        }
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        keys = dict(zip(actions[::2], actions[1::2], strict=False))
        pressed = [key for key, label in keys.items() if self.press and label == self.press]
        if pressed:  # the reply to Notify goes out first, then the press
            nid = self.next_id
            asyncio.get_running_loop().call_later(0.2, self.ActionInvoked, nid, pressed[0])
        return self.next_id

    @method()
    def GetCapabilities(self) -> "as":
        return ["body", "actions"] if self.press else ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["loopnote-test-server", "loopnote", "1.0", "1.2"]

    @method()
    def CloseNotification(self, notification_id: "u") -> None:
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"closed": notification_id}) + "\n")
        self.NotificationClosed(notification_id, 3)

    @signal()
    def NotificationClosed(self, notification_id: "u", reason: "u") -> "uu":
        return [notification_id, reason]

    @signal()
    def ActionInvoked(self, notification_id: "u", action_key: "s") -> "us":
        return [notification_id, action_key]


async def main(log_path: str, press: str) -> None:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.export("/org/freedesktop/Notifications", Notifications(log_path, press))
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await bus.wait_for_disconnect()


if __name__ == "__main__":
    press = sys.argv[3] if sys.argv[2:3] == ["--press"] else ""
    asyncio.run(main(sys.argv[1], press))
