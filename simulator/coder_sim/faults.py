"""Fault injection: what can go wrong between a client and a Coder deployment.

A fault is a dict {kind, path ("*" or an exact request path), count (how many
matching requests it still applies to; null = unlimited), ...params}. Faults
sit in front of the simulated server like a misbehaving proxy or network: they
act on the raw connection, so a client sees them exactly as it would in the
field (RST, cut bodies, wrong headers), not as tidy error objects.
"""

import difflib
import json
import threading

_NUMBER = (int, float)
# kind -> {param: (accepted types, default; _REQUIRED when it has none)}
_REQUIRED = object()
KINDS = {
    "latency": {"ms": (_NUMBER, _REQUIRED)},
    "status": {"status": (int, _REQUIRED), "body": (object, None)},
    "reset": {},
    "reset_mid_body": {},
    "html_502": {},
    "truncated_json": {},
    "slow_body": {"interval_ms": (_NUMBER, 1000)},
    "redirect_other_host": {},
    "wrong_content_type": {},
    "empty_body": {},
    "huge_body": {"size_mb": (_NUMBER, 16), "chunked": (bool, False)},
    "rate_limit": {"seconds": (int, 60)},
    "stats_processing": {},
}
STATS_PATH = "/api/v2/deployment/stats"

HTML_502_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class FaultError(ValueError):
    """Invalid fault list; the message starts with the offending index/key."""


def parse_faults(faults):
    if not isinstance(faults, list):
        raise FaultError(": must be a list")
    return [_parse_fault(index, fault) for index, fault in enumerate(faults)]


def _parse_fault(index, fault):
    where = "[%d]" % index
    if not isinstance(fault, dict):
        raise FaultError("%s: must be a mapping" % where)
    kind = fault.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        hint = "; did you mean %s?" % close[0] if close else "; kinds: " + ", ".join(KINDS)
        raise FaultError("%s.kind: unknown kind %s%s" % (where, json.dumps(kind), hint))
    params = KINDS[kind]
    allowed = {"kind", "path", "count"} | set(params)
    for key in fault:
        if key not in allowed:
            raise FaultError("%s.%s: not a parameter of %s (allowed: %s)"
                             % (where, key, kind, ", ".join(sorted(allowed))))
    path = fault.get("path", "*")
    if not isinstance(path, str) or not (path == "*" or path.startswith("/")):
        raise FaultError("%s.path: must be \"*\" or start with /" % where)
    count = fault.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise FaultError("%s.count: must be an integer >= 0 or null" % where)
    parsed = {"kind": kind, "path": path, "count": count}
    for name, (types, default) in params.items():
        if name not in fault:
            if default is _REQUIRED:
                raise FaultError("%s.%s: required for %s" % (where, name, kind))
            parsed[name] = default
            continue
        value = fault[name]
        if not _has_type(value, types):
            raise FaultError("%s.%s: wrong type %s" % (where, name, type(value).__name__))
        if types in (_NUMBER, int) and value < 0:
            raise FaultError("%s.%s: must be >= 0" % (where, name))
        parsed[name] = value
    if kind == "status" and not 100 <= parsed["status"] <= 599:
        raise FaultError("%s.status: must be an HTTP status code" % where)
    return parsed


def _has_type(value, types):
    if types is object:
        return True
    if types is bool:
        return isinstance(value, bool)
    return isinstance(value, types) and not isinstance(value, bool)  # YAML true is not a number


class FaultPlan(object):
    """The live fault list of one simulator; counts go down as faults fire."""

    def __init__(self, faults=()):
        self._lock = threading.Lock()
        self._faults = [dict(f) for f in faults]

    def replace(self, faults):
        with self._lock:
            self._faults = [dict(f) for f in faults]

    def wants_other_host(self):
        with self._lock:
            return any(f["kind"] == "redirect_other_host" for f in self._faults)

    def take_latency_ms(self, path):
        with self._lock:
            return sum(f["ms"] for f in self._consume(path, lambda f: f["kind"] == "latency", first_only=False))

    def take(self, path):
        """The first non-latency fault for this request, or None."""
        def applies(fault):
            if fault["kind"] == "latency":
                return False
            return fault["kind"] != "stats_processing" or path == STATS_PATH
        with self._lock:
            taken = self._consume(path, applies, first_only=True)
        return taken[0] if taken else None

    def _consume(self, path, predicate, first_only):
        taken = []
        for fault in self._faults:
            if fault["count"] == 0 or fault["path"] not in ("*", path) or not predicate(fault):
                continue
            if fault["count"] is not None:
                fault["count"] -= 1
            taken.append(fault)
            if first_only:
                break
        return taken


def truncated(body):
    """Roughly the first half: enough to start parsing, never a complete document."""
    return body[: max(1, len(body) // 2)]


def huge_json_chunks(size_mb):
    """Valid JSON of about size_mb MiB as (total length, chunk iterator)."""
    chunk = b'"' + b"x" * (64 * 1024 - 3) + b'",'
    count = max(1, int(size_mb * 1024 * 1024) // len(chunk))
    head, tail = b'{"message":"padding","data":[', b'"end"]}\n'
    total = len(head) + count * len(chunk) + len(tail)

    def chunks():
        yield head
        for _chunk_number in range(count):
            yield chunk
        yield tail
    return total, chunks()
