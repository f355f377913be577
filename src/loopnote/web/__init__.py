"""loopnote in the browser: the library and the live meeting as a local web app.

``WebServer``, ``ServerOptions``  serve the app on 127.0.0.1 (see ``server``)
``LiveHub``                       the live meeting's events for the pages that follow it
``LiveSlot``, ``StartRequest``    the meeting the page shows, or starts (``loopnote ui``)
``open_browser``                  open the printed link in the user's browser

Served by loopnote itself, with every asset in this package; see ``security`` for who may
talk to it.
"""

from loopnote.web.hub import LiveHub
from loopnote.web.meetings import LiveSlot, StartRequest
from loopnote.web.server import ServerOptions, WebServer, open_browser

__all__ = ["LiveHub", "LiveSlot", "ServerOptions", "StartRequest", "WebServer", "open_browser"]
