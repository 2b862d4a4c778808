"""The Simulator: listeners, connections, request log, faults on the wire.

Each instance owns one listening socket served by one accept thread and one
thread per connection (HTTP/1.1 keep-alive). Stopping wakes the accept loop
through a socketpair, so it is immediate (no polling interval), which keeps
function-scoped fixtures and 100-instance benchmarks cheap.
"""

import json
import re
import selectors
import socket
import struct
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit

from coder_sim import tls as tls_support
from coder_sim.api import JSON_TYPE, TEXT_TYPE, CoderApp, Request, Response, json_response
from coder_sim.faults import HTML_502_PAGE, FaultError, FaultPlan, huge_json_chunks, parse_faults, truncated
from coder_sim.state import StateError, load_state, merge_state

OTHER_HOST = "127.0.0.2"
_TOKEN_QUERY_PARAMS = ("coder_session_token", "access_token")
_RESET_PAUSE_SECONDS = 0.05  # lets the client read what was sent before the RST discards it
_CONNECT_IDLE_SECONDS = 60


class Simulator(object):
    """A simulated Coder deployment on a random loopback port."""

    def __init__(self, state=None, tls=False, host="127.0.0.1", port=0, latency_ms=0):
        loaded = load_state(state)
        if latency_ms:
            loaded = merge_state(loaded, {"latency_ms": latency_ms})
        self._app = CoderApp(loaded)
        self._faults = FaultPlan(loaded["faults"])
        self._tls = tls
        self._host = host
        self._port = port
        self._log = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = None
        self._context = None
        self._other_host = None
        self._other_host_lock = threading.Lock()
        self.leaks = []
        self.ca_path = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        if self._listener is not None:
            return self
        if self._tls:
            self.ca_path, self._context = tls_support.certificate()
        self._listener = _Listener(self._host, self._port, self._context, self._respond)
        self._start_other_host_if_needed()
        self._app.started = time.time()
        return self

    def stop(self):
        self._stopping.set()
        for listener in (self._listener, self._other_host):
            if listener is not None:
                listener.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        if self._listener is None:
            raise RuntimeError("the simulator is not started")
        host = "[%s]" % self._host if ":" in self._host else self._host
        return "%s://%s:%d" % ("https" if self._tls else "http", host, self._listener.port)

    # -- state and faults --------------------------------------------------------------------

    @property
    def state(self):
        """The current normalised state (read it; change it with set_state)."""
        return self._app.state

    def set_state(self, update):
        """Merge `update` into the state (see state.merge_state); faults in it replace the fault list."""
        merged = merge_state(self._app.state, update)
        self._app.set_state(merged)
        if "faults" in update:
            self._faults.replace(merged["faults"])
            self._start_other_host_if_needed()

    def set_faults(self, faults):
        try:
            parsed = parse_faults(faults)
        except FaultError as exc:
            raise StateError("faults%s" % exc)
        self._faults.replace(parsed)
        self._start_other_host_if_needed()

    def _start_other_host_if_needed(self):
        with self._other_host_lock:
            if self._listener is None or self._other_host is not None or not self._faults.wants_other_host():
                return
            self._other_host = _Listener(OTHER_HOST, 0, self._context, self._respond_as_other_host)

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self):
        with self._log_lock:
            return list(self._log)

    def request_count(self, path=None, method=None):
        return sum(1 for entry in self.requests
                   if (path is None or entry["path"] == path) and (method is None or entry["method"] == method))

    def reset_requests(self):
        with self._log_lock:
            del self._log[:]

    def _record(self, handler, raw_path, query, user, status):
        entry = {
            "method": handler.command,
            "path": raw_path,
            "query": _redacted_query(query),
            "user": user["username"] if user else None,
            "status": status,
            "headers": _redacted_headers(handler.headers),
        }
        with self._log_lock:
            self._log.append(entry)

    # -- the main listener -------------------------------------------------------------------

    def _respond(self, handler):
        target = urlsplit(handler.path)
        raw_path, query = target.path or "/", target.query
        path = re.sub(r"/{2,}", "/", raw_path)  # coderd's singleSlashMW
        try:
            body = _read_body(handler)
        except _BadRequest:
            handler.close_connection = True
            return _send(handler, Response(400, [("Content-Type", TEXT_TYPE)], b"400 Bad Request"))
        if path.startswith("/__sim/"):
            return self._control(handler, path, body)

        delay_ms = self._app.state["latency_ms"] + self._faults.take_latency_ms(path)
        if delay_ms and self._stopping.wait(delay_ms / 1000.0):
            return _reset(handler)
        fault = self._faults.take(path)
        kind = fault["kind"] if fault else None
        if kind in _BEFORE_SERVER:
            return _BEFORE_SERVER[kind](self, handler, fault, raw_path, query)

        user = None
        if path == "/api/v2" or path.startswith("/api/v2/"):
            request = Request(handler.command, path, query, handler.headers, body, handler.client_address[0])
            try:
                response, user = self._app.handle(request, stats_processing=kind == "stats_processing")
            except Exception as exc:  # a simulator bug: show it, answer like coderd's panic recovery
                traceback.print_exc(file=sys.stderr)
                response = json_response(500, {"message": "An internal server error occurred.", "detail": str(exc)})
        else:
            # The real server serves its web UI here; the simulator has none.
            response = Response(404, [("Content-Type", TEXT_TYPE)] + self._app.build_headers(),
                                b"404 page not found\n")
        self._record(handler, raw_path, query, user, response.status)
        if kind in _AFTER_SERVER:
            return _AFTER_SERVER[kind](self, handler, fault, response)
        _send(handler, response)

    def _control(self, handler, path, body):
        routes = {
            "/__sim/requests": ("GET", self._control_requests),
            "/__sim/reset": ("POST", self._control_reset),
            "/__sim/faults": ("POST", self._control_faults),
            "/__sim/state": ("POST", self._control_state),
        }
        if path not in routes:
            return _send(handler, json_response(404, {"message": "Unknown simulator control path %s." % path}))
        method, action = routes[path]
        if handler.command != method:
            return _send(handler, Response(405, [("Allow", method)], b""))
        try:
            payload = _json_payload(body) if method == "POST" and path != "/__sim/reset" else None
            _send(handler, json_response(200, action(payload)))
        except (ValueError, StateError) as exc:
            _send(handler, json_response(400, {"message": str(exc)}))

    def _control_requests(self, _payload):
        by_path = {}
        for entry in self.requests:
            by_path[entry["path"]] = by_path.get(entry["path"], 0) + 1
        return {"count": sum(by_path.values()), "by_path": by_path}

    def _control_reset(self, _payload):
        self.reset_requests()
        return {"message": "Request log cleared."}

    def _control_faults(self, faults):
        self.set_faults(faults)
        return {"message": "Faults replaced.", "count": len(faults)}

    def _control_state(self, update):
        self.set_state(update)
        return {"message": "State updated."}

    # -- the other host (target of redirect_other_host) ------------------------------------

    def _respond_as_other_host(self, handler):
        try:
            _read_body(handler)
        except _BadRequest:
            handler.close_connection = True
        query = urlsplit(handler.path).query
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in _TOKEN_QUERY_PARAMS and value:
                self.leaks.append(value)
        for name in ("Coder-Session-Token", "Authorization"):
            for value in handler.headers.get_all(name) or []:
                self.leaks.append(value.split(" ", 1)[-1].strip())
        for value in handler.headers.get_all("Cookie") or []:
            self.leaks.extend(re.findall(r"coder_session_token=([^;\s]*)", value))
        _send(handler, json_response(200, {"message": "other host"}))

    # -- faults that answer instead of the server ------------------------------------------

    def _fault_reset(self, handler, fault, raw_path, query):
        self._record(handler, raw_path, query, None, None)
        _reset(handler)

    def _fault_status(self, handler, fault, raw_path, query):
        body = fault["body"] if fault["body"] is not None else {"message": _reason(fault["status"])}
        self._answer_fault(handler, raw_path, query, json_response(fault["status"], body))

    def _fault_html_502(self, handler, fault, raw_path, query):
        headers = [("Content-Type", "text/html"), ("Server", "nginx")]
        self._answer_fault(handler, raw_path, query, Response(502, headers, HTML_502_PAGE))

    def _fault_rate_limit(self, handler, fault, raw_path, query):
        limit = self._app.value("CODER_API_RATE_LIMIT")
        message = "You've been rate limited for sending more than %d requests in 1m0s." % limit
        headers = [("Retry-After", str(fault["seconds"])), ("X-Ratelimit-Limit", str(limit)),
                   ("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", str(int(time.time()) + fault["seconds"]))]
        self._answer_fault(handler, raw_path, query,
                           json_response(429, {"message": message}, headers + self._app.build_headers()))

    def _fault_redirect(self, handler, fault, raw_path, query):
        location = "%s://%s:%d%s%s" % ("https" if self._tls else "http", OTHER_HOST, self._other_host.port,
                                       raw_path, "?" + query if query else "")
        body = ('<a href="%s">Found</a>.\n\n' % location.replace("&", "&amp;")).encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Location", location)]
        self._answer_fault(handler, raw_path, query, Response(302, headers + self._app.build_headers(), body))

    def _fault_empty_body(self, handler, fault, raw_path, query):
        headers = [("Content-Type", JSON_TYPE)] + self._app.build_headers()
        self._answer_fault(handler, raw_path, query, Response(200, headers, b""))

    def _fault_huge_body(self, handler, fault, raw_path, query):
        self._record(handler, raw_path, query, None, 200)
        total, chunks = huge_json_chunks(fault["size_mb"])
        headers = [("Content-Type", JSON_TYPE)] + self._app.build_headers()
        if fault["chunked"]:
            handler.wfile.write(_head(handler, 200, headers + [("Transfer-Encoding", "chunked")], None))
            framed = (b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
            trailer = b"0\r\n\r\n"
        else:
            handler.wfile.write(_head(handler, 200, headers, total))
            framed, trailer = chunks, b""
        for piece in framed:
            if self._stopping.is_set():
                return _reset(handler)
            handler.wfile.write(piece)
        handler.wfile.write(trailer)

    def _answer_fault(self, handler, raw_path, query, response):
        self._record(handler, raw_path, query, None, response.status)
        _send(handler, response)

    # -- faults that spoil the server's answer -----------------------------------------------

    def _fault_reset_mid_body(self, handler, fault, response):
        handler.wfile.write(_head(handler, response.status, response.headers, len(response.body)))
        handler.wfile.write(truncated(response.body))
        time.sleep(_RESET_PAUSE_SECONDS)
        _reset(handler)

    def _fault_truncated_json(self, handler, fault, response):
        _send(handler, Response(response.status, response.headers, truncated(response.body)))

    def _fault_slow_body(self, handler, fault, response):
        handler.wfile.write(_head(handler, response.status, response.headers, len(response.body)))
        for index in range(len(response.body)):
            if self._stopping.wait(fault["interval_ms"] / 1000.0):
                return _reset(handler)
            handler.wfile.write(response.body[index:index + 1])

    def _fault_wrong_content_type(self, handler, fault, response):
        headers = [(n, v) for n, v in response.headers if n != "Content-Type"] + [("Content-Type", TEXT_TYPE)]
        _send(handler, Response(response.status, headers, response.body))


_BEFORE_SERVER = {
    "reset": Simulator._fault_reset,
    "status": Simulator._fault_status,
    "html_502": Simulator._fault_html_502,
    "rate_limit": Simulator._fault_rate_limit,
    "redirect_other_host": Simulator._fault_redirect,
    "empty_body": Simulator._fault_empty_body,
    "huge_body": Simulator._fault_huge_body,
}
_AFTER_SERVER = {
    "reset_mid_body": Simulator._fault_reset_mid_body,
    "truncated_json": Simulator._fault_truncated_json,
    "slow_body": Simulator._fault_slow_body,
    "wrong_content_type": Simulator._fault_wrong_content_type,
}


# -- wire helpers ------------------------------------------------------------------------------

def _reason(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "status code %d" % status


def _head(handler, status, headers, content_length):
    """Status line and headers the way Go's net/http writes them: handler
    headers sorted by name, then Date and Content-Length."""
    lines = ["HTTP/1.1 %d %s" % (status, _reason(status))]
    lines.extend("%s: %s" % header for header in sorted(headers, key=lambda h: h[0]))
    lines.append("Date: " + handler.date_time_string())
    if content_length is not None:
        lines.append("Content-Length: %d" % content_length)
    if handler.close_connection:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _send(handler, response):
    head = _head(handler, response.status, response.headers, len(response.body))
    handler.wfile.write(head if handler.command == "HEAD" else head + response.body)


def _reset(handler):
    """Abort the connection with a TCP RST (SO_LINGER 0) instead of a clean close."""
    handler.close_connection = True
    connection = handler.connection
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    # The socket only really closes once rfile (a makefile() reference) lets go
    # of it; wfile writes straight to the socket and must stay usable for the
    # handler's final flush.
    handler.rfile.close()
    connection.close()


class _BadRequest(Exception):
    """Unparseable framing: Go answers a plain 400 and closes the connection."""


def _read_body(handler):
    try:
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        raise _BadRequest()
    if length < 0:
        raise _BadRequest()
    return handler.rfile.read(length) if length else b""


def _json_payload(body):
    try:
        return json.loads(body.decode("utf-8") or "null")
    except ValueError as exc:
        raise ValueError("request body is not JSON: %s" % exc)


def _redacted_query(query):
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in _TOKEN_QUERY_PARAMS for name, _value in pairs):
        return query
    return urlencode([(n, "<redacted>" if n in _TOKEN_QUERY_PARAMS else v) for n, v in pairs], safe="<>")


def _redacted_headers(headers):
    redacted = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "coder-session-token":
            value = "<redacted>"
        elif key == "authorization":
            scheme, _space, credentials = value.partition(" ")
            value = scheme + " <redacted>" if credentials else "<redacted>"
        elif key == "cookie":
            value = re.sub(r"(coder_session_token=)[^;]*", r"\1<redacted>", value)
        redacted[key] = redacted[key] + ", " + value if key in redacted else value
    return redacted


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _CONNECT_IDLE_SECONDS  # idle keep-alive connections are dropped after this

    def log_message(self, format, *args):
        """Quiet: the simulator keeps its own request log."""

    def do_GET(self):
        self.server.respond(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET


class _Listener(object):
    """One listening socket, an accept thread, a thread per connection."""

    def __init__(self, host, port, ssl_context, respond):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family, backlog=128)
        self._socket.setblocking(False)
        self.port = self._socket.getsockname()[1]
        self._ssl_context = ssl_context
        self.respond = respond
        self._wake_read, self._wake_write = socket.socketpair()
        self._connections = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, name="coder-sim-%d" % self.port, daemon=True)
        self._thread.start()

    def close(self):
        if self._thread is None:
            return
        self._wake_write.send(b"x")
        self._thread.join()
        self._thread = None
        for sock in (self._socket, self._wake_read, self._wake_write):
            sock.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept_loop(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self._socket, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while True:
                for key, _events in selector.select():
                    if key.fileobj is self._wake_read:
                        return
                    try:
                        connection, address = self._socket.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    connection.setblocking(True)
                    threading.Thread(target=self._serve, args=(connection, address), daemon=True).start()

    def _serve(self, connection, address):
        with self._lock:
            self._connections.add(connection)
        try:
            if self._ssl_context is not None:
                connection.settimeout(_CONNECT_IDLE_SECONDS)
                plain, connection = connection, self._ssl_context.wrap_socket(connection, server_side=True)
                with self._lock:
                    self._connections.discard(plain)
                    self._connections.add(connection)
            _Handler(connection, address, self)
        except OSError:
            pass  # the client went away or the simulator stopped: nothing to answer
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()
