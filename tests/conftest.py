"""Suite-wide pytest setup: the fixtures of the installed Coder API simulator (coder_sim, coder_sim_factory),
and a canned server for answers the simulator cannot give."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


pytest_plugins = ["coder_sim.pytest_plugin"]


class CannedServer:
    """A loopback HTTP(S) server answering every request with one canned answer, byte for byte,
    and keeping the headers of every request it got: a hostile server, a redirector or a trap
    that the simulator (which always answers like Coder, in valid JSON) cannot be."""

    def __init__(self, status, headers=(), body=b"", tls=False):
        self.answer = (status, list(headers), body)
        self.received = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _CannedHandler)
        self._server.canned = self
        if tls:
            from coder_sim.tls import certificate
            self.ca_path, context = certificate()
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


class _CannedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        canned = self.server.canned
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        canned.received.append(dict(self.headers.items()))
        status, headers, body = canned.answer
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format, *args):
        """Quiet: tests read ``received``."""


@pytest.fixture
def canned_server():
    """``canned_server(status, headers=(), body=b"", tls=False) -> CannedServer``, stopped after the test."""
    started = []

    def start(*args, **kwargs):
        started.append(CannedServer(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()
