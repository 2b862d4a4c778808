"""GET /api/v2/debug/health as coderd answers it: owner only, a cached report, ?force, the 30 s
timeout with its progress, ?format=text, dismissed sections, and the older releases' answers.

The report is a recorded one (data/examples/health-<report>.json) with the state's section
overrides merged over it; `healthy` and `severity` are then computed from the sections with
coderd's rules (coderd/healthcheck/healthcheck.go Run), so an override stays consistent.
"""

import copy
import datetime
import threading
import time

from coder_sim.examples import example
from coder_sim.gowire import rfc3339_nano, semver_compare

REPORTS = ("healthy", "warnings", "access-url-warning", "error", "dismissed", "legacy-v2.10-healthy")
SEVERITIES = ("ok", "warning", "error")
# healthsdk.HealthSection: the names of the health settings and of the timeout's progress.
SECTION_NAMES = {
    "derp": "DERP", "access_url": "AccessURL", "websocket": "Websocket", "database": "Database",
    "workspace_proxy": "WorkspaceProxy", "provisioner_daemons": "ProvisionerDaemons",
}
# formatHealthcheck has no case for ProvisionerDaemons: it can be stored but is never applied.
_NEVER_DISMISSED = ("provisioner_daemons",)
_TEXT_SECTIONS = ("derp", "access_url", "websocket", "database")
DEFAULT_HEALTH = {"report": "healthy", "sections": {}, "dismissed": [], "check_ms": {}, "timeout_ms": 30000}
_KEYS = tuple(DEFAULT_HEALTH)
_REFRESH_DEFAULT_NS = 10 * 60 * 10 ** 9

TIMED_OUT = "Healthcheck timed out."
TIMED_OUT_LEGACY = "Healthcheck is in progress and did not complete in time. Try again in a few seconds."
INVALID_FORMAT_DETAIL = "Allowed values are: \"json\", \"simple\"."


class HealthStateError(ValueError):
    """A bad `health` state key; the message names the key after `health.`."""


def normalise(value):
    """The `health` state with every key checked; raises HealthStateError naming the key."""
    if not isinstance(value, dict):
        raise HealthStateError(": must be a mapping")
    unknown = sorted(set(value) - set(_KEYS))
    if unknown:
        raise HealthStateError(".%s: unknown key; the keys are %s" % (unknown[0], ", ".join(_KEYS)))
    health = dict(copy.deepcopy(DEFAULT_HEALTH), **copy.deepcopy(value))
    if health["report"] not in REPORTS:
        raise HealthStateError(".report: %r is not one of %s" % (health["report"], ", ".join(REPORTS)))
    if not isinstance(health["sections"], dict):
        raise HealthStateError(".sections: must be a mapping of section name to its fields")
    for name, fields in health["sections"].items():
        _check_section(name, fields)
    dismissed = health["dismissed"]
    if not isinstance(dismissed, list) or any(item not in SECTION_NAMES.values() for item in dismissed):
        raise HealthStateError(".dismissed: must be a list of %s" % ", ".join(SECTION_NAMES.values()))
    checks = health["check_ms"]
    if not isinstance(checks, dict) or any(name not in SECTION_NAMES.values() or not _non_negative(ms)
                                           for name, ms in checks.items()):
        raise HealthStateError(".check_ms: must map %s to milliseconds >= 0" % ", ".join(SECTION_NAMES.values()))
    if not _non_negative(health["timeout_ms"]):
        raise HealthStateError(".timeout_ms: must be milliseconds >= 0")
    return health


def _non_negative(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _check_section(name, fields):
    where = ".sections.%s" % name
    if not isinstance(fields, dict):
        raise HealthStateError("%s: must be a mapping of fields" % where)
    if "severity" in fields and fields["severity"] not in SEVERITIES + ("",):
        raise HealthStateError("%s.severity: must be one of %s" % (where, ", ".join(SEVERITIES)))
    warnings = fields.get("warnings", [])
    if warnings is not None and not (isinstance(warnings, list) and all(
            isinstance(item, dict) and set(item) == {"code", "message"} for item in warnings)):
        raise HealthStateError("%s.warnings: must be a list of {code, message}" % where)
    if fields.get("error") is not None and not isinstance(fields["error"], str):
        raise HealthStateError("%s.error: must be a string or null" % where)


def build_report(health, version, now):
    """The report one run of the checks at `now` (a UTC datetime) gives for the `health` state."""
    report = example("health-%s.json" % health["report"])
    for name, fields in health["sections"].items():
        section = report.get(name)
        if section is None:
            # A section this release does not have (or a newer one's): added before coder_version.
            version_value = report.pop("coder_version")
            section = report[name] = {}
            report["coder_version"] = version_value
        _override(section, fields)
    _compute_verdict(report)
    report["time"] = rfc3339_nano(now)
    report["coder_version"] = version
    return report


def _override(section, fields):
    for key, value in fields.items():
        if key == "error" and key not in section:
            if value is None:
                continue
            # BaseReport's error (omitempty since v2.19) comes right before its severity.
            items = list(section.items())
            section.clear()
            for item_key, item in items:
                if item_key == "severity":
                    section["error"] = value
                section[item_key] = item
            section.setdefault("error", value)
        elif key == "error" and value is None and "failing_sections" not in section:
            section.pop("error", None)
        else:
            section[key] = copy.deepcopy(value)


def _compute_verdict(report):
    """healthcheck.Run: severity is the worst section's; AccessURL fails at warning, the others at error."""
    worst, failing = 0, []
    for name, section in report.items():
        if not isinstance(section, dict) or "severity" not in section:
            continue
        rank = SEVERITIES.index(section["severity"]) if section["severity"] in SEVERITIES else 0
        worst = max(worst, rank)
        if rank >= (1 if name == "access_url" else 2):
            failing.append(SECTION_NAMES.get(name, name))
    report["healthy"] = not failing
    report["severity"] = SEVERITIES[worst]
    if "failing_sections" in report:
        report["failing_sections"] = failing


def dismissed_view(report, dismissed):
    """formatHealthcheck: a copy with each dismissed section marked, nothing else changed."""
    view = copy.deepcopy(report)
    for name, setting in SECTION_NAMES.items():
        if setting in dismissed and name not in _NEVER_DISMISSED and isinstance(view.get(name), dict):
            view[name]["dismissed"] = True
    return view


def text_lines(report):
    """?format=text: the deprecated healthy flags, one `key: value` line each."""
    moment = report["time"].split(".")[0].rstrip("Z") + "Z"
    lines = ["time: %s" % moment, "healthy: %s" % _go_bool(report["healthy"])]
    lines += ["%s: %s" % (name, _go_bool(report[name].get("healthy", False))) for name in _TEXT_SECTIONS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _go_bool(value):
    return "true" if value else "false"


def refresh_seconds(refresh_ns):
    return (refresh_ns or _REFRESH_DEFAULT_NS) / 1e9


def older_than(version, release):
    return semver_compare(version.split("+")[0], release) < 0


class _Run(object):
    """One run of the checks; concurrent requests that miss the cache share it (singleflight)."""

    def __init__(self, health, version):
        self.started = time.monotonic()
        self.durations = dict((name, health["check_ms"].get(name, 0)) for name in SECTION_NAMES.values())
        self.done = threading.Event()
        self.report = None
        self._health, self._version = health, version

    def run(self, finished):
        time.sleep(max(self.durations.values()) / 1000.0)
        self.report = build_report(self._health, self._version, datetime.datetime.now(datetime.timezone.utc))
        finished(self)
        self.done.set()

    def summary(self):
        """healthcheck.Progress.Summary: what completed and what is still running, each sorted."""
        elapsed = (time.monotonic() - self.started) * 1000.0
        done = sorted(name for name, ms in self.durations.items() if ms <= elapsed)
        running = sorted(name for name, ms in self.durations.items() if ms > elapsed)
        parts = []
        if done:
            parts.append("Completed: " + ", ".join("%s (%dms)" % (name, self.durations[name]) for name in done))
        if running:
            parts.append("Still running: " + ", ".join("%s (elapsed: %dms)" % (name, elapsed) for name in running))
        return ". ".join(parts)


class HealthChecker(object):
    """The handler's cache and its single-flight run, per simulated deployment (coderd keeps them per replica)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached = None  # (monotonic time of the run, report)
        self._running = None

    def reset(self):
        with self._lock:
            self._cached = None

    def report(self, health, version, refresh_ns, force):
        """(report, None), or (None, progress summary) when the run outlasts the timeout."""
        with self._lock:
            cached = self._cached
            if cached and not force and time.monotonic() - cached[0] < refresh_seconds(refresh_ns):
                return cached[1], None
            run = self._running
            if run is None:
                run = self._running = _Run(health, version)
                threading.Thread(target=run.run, args=(self._store,), daemon=True).start()
        if not run.done.wait(health["timeout_ms"] / 1000.0):
            return None, run.summary()
        return run.report, None

    def _store(self, run):
        with self._lock:
            self._cached = (time.monotonic(), run.report)
            self._running = None


def timed_out_body(version, summary):
    """The timeout's status and body for `version`: 404 before v2.22, progress detail since v2.30."""
    if older_than(version, "v2.30.0"):
        return (404 if older_than(version, "v2.22.0") else 503), {"message": TIMED_OUT_LEGACY}
    body = {"message": TIMED_OUT}
    if summary:
        body["detail"] = summary
    return 503, body
