"""The simulators' HTTP server: threaded, on loopback, quiet about clients that went away.

A client that dies mid-request (a sync killed with ``kill -9``, a timeout) is
normal for a server: the simulators drop that connection silently, as a real
server logs nothing to its console for it, instead of printing a traceback.
"""

from __future__ import annotations

import socket
import sys
from http.server import ThreadingHTTPServer


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):   # reset, broken pipe, aborted
            return
        super().handle_error(request, client_address)


def drop_connection(handler) -> None:
    """Close a request's connection without an answer (a fault: the client cannot know what was done)."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
