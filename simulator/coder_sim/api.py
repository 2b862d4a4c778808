"""The ten General endpoints of coderd v2.34.3 (or the release `coder_version`
names, see releases.py) behind its /api/v2 middleware.

Order of the real router: PrecheckAPIKey (identify, never
reject) -> rate limiter (keyed by user or IP, per path) -> route lookup ->
apiKeyMiddleware on the protected groups (401) -> RBAC in the handler (403) ->
handler. This module knows nothing about sockets: a Request goes in, a
Response comes out.
"""

import copy
import datetime
import hmac
import json
import re
import time
import uuid
from urllib.parse import parse_qs, unquote

from coder_sim import config_builder, health, releases
from coder_sim.examples import example
from coder_sim.gowire import encode_json, encode_json_indent, rfc3339_nano, semver_compare
from coder_sim.ratelimit import SlidingWindowLimiter
from coder_sim.state import deployment_items

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
RELEASE_COMMIT = "4653f32eb4840de54e8dca04a069fb7e61664cf6"

SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
FORBIDDEN_BEFORE_V2_20 = {"message": "Forbidden."}
FORBIDDEN = {
    "message": "Forbidden.",
    "detail": "You don't have permission to view this content. If you believe this is a mistake, "
              "please contact your administrator or try signing in with different credentials.",
}
NOT_FOUND = {"message": "Resource not found or you do not have access to this resource"}
ROUTE_NOT_FOUND = {"message": "Route not found."}
CSP_TOO_LARGE = {"message": "Request body too large.",
                 "detail": "Maximum CSP report size is %d bytes." % releases.CSP_REPORT_LIMIT}
STATS_PROCESSING = {"message": "Deployment stats are still processing!"}

_DEPLOYMENT_READERS = ("owner", "auditor")  # hold deployment_config:read and deployment_stats:read
_SITE_USER_READERS = ("owner", "auditor", "template-admin", "user-admin")
_TOKENCONFIG = re.compile(r"/api/v2/users/([^/]+)/keys/tokens/tokenconfig")
# path -> (method, behind apiKeyMiddleware, handler)
_ROUTES = {
    "/api/v2": ("GET", False, "_root"),
    "/api/v2/": ("GET", False, "_root"),
    "/api/v2/buildinfo": ("GET", False, "_buildinfo"),
    "/api/v2/csp/reports": ("POST", False, "_csp_report"),
    "/api/v2/updatecheck": ("GET", False, "_updatecheck"),
    "/api/v2/deployment/config": ("GET", True, "_deployment_config"),
    "/api/v2/deployment/ssh": ("GET", True, "_deployment_ssh"),
    "/api/v2/deployment/stats": ("GET", True, "_deployment_stats"),
    "/api/v2/experiments": ("GET", True, "_experiments"),
    "/api/v2/experiments/": ("GET", True, "_experiments"),
    "/api/v2/experiments/available": ("GET", True, "_experiments_available"),
    "/api/v2/debug/health": ("GET", True, "_debug_health"),
    "/api/v2/debug/health/settings": ("GET PUT", True, "_health_settings"),
}
# healthsdk.HealthSections, in its order: the values validateHealthSettings accepts (case-sensitive).
_HEALTH_SECTIONS = ("DERP", "AccessURL", "Websocket", "Database", "WorkspaceProxy", "ProvisionerDaemons")

_EXAMPLE_STATS = example("deployment-stats.json")


class Request(object):
    __slots__ = ("method", "path", "query", "headers", "body", "client_ip")

    def __init__(self, method, path, query, headers, body, client_ip):
        self.method = method
        self.path = path  # repeated slashes already collapsed
        self.query = query  # raw query string
        self.headers = headers  # case-insensitive mapping (email.message.Message)
        self.body = body
        self.client_ip = client_ip


class Response(object):
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), Go-canonical names
        self.body = body


def json_response(status, value, headers=()):
    return Response(status, [("Content-Type", JSON_TYPE)] + list(headers), encode_json(value))


def external_url(version):
    """buildinfo.ExternalURL(): the commit of the build, from the version's build metadata."""
    revision = version.partition("+")[2]
    if not revision:
        return "https://github.com/coder/coder"
    if RELEASE_COMMIT.startswith(revision):
        revision = RELEASE_COMMIT
    return "https://github.com/coder/coder/commit/" + revision


class _Call(object):
    """What a handler gets: the state snapshot, the request, the caller."""
    __slots__ = ("snap", "request", "user", "stats_processing")

    def __init__(self, snap, request, user, stats_processing):
        self.snap = snap
        self.request = request
        self.user = user
        self.stats_processing = stats_processing  # forced by the stats_processing fault


class _Snapshot(object):
    """Everything derived from one state; swapped atomically on set_state."""

    def __init__(self, state):
        self.state = state
        self.release = releases.Release(state["coder_version"])
        self.forbidden = FORBIDDEN if self.release.has(releases.FORBIDDEN_DETAIL_SINCE) else FORBIDDEN_BEFORE_V2_20
        self.config = config_builder.build(deployment_items(state), state["version"], state["coder_version"])
        self.users_by_key_id = {u["token"].split("-")[0]: u for u in state["users"]}
        self.users_by_id = {u["id"]: u for u in state["users"]}
        self.users_by_name = {u["username"].lower(): u for u in state["users"]}
        value = self.config.value
        self.access_url = value("CODER_ACCESS_URL")
        self.rate_limit = -1 if value("CODER_DANGEROUS_DISABLE_RATE_LIMITS") else value("CODER_API_RATE_LIMIT")
        self.build_headers = [("X-Coder-Build-Version", state["version"]), ("X-Content-Type-Options", "nosniff")]


class CoderApp(object):
    def __init__(self, state):
        self._snapshot = _Snapshot(state)
        self.started = time.time()  # the stats warm-up counts from here
        self.limiter = SlidingWindowLimiter()
        self.health_checker = health.HealthChecker()
        self.health_settings_written = False  # whether a PUT stored the settings (else coderd holds "{}")

    @property
    def state(self):
        return self._snapshot.state

    def set_state(self, state):
        before = self._snapshot.state
        self._snapshot = _Snapshot(state)
        if _without_dismissals(before) != _without_dismissals(state):
            # A new scenario is a restarted server: its first request runs the checks.
            self.health_checker.reset()

    def value(self, env):
        """A deployment value as the server holds it (typed, secrets included)."""
        return self._snapshot.config.value(env)

    def build_headers(self):
        return list(self._snapshot.build_headers)

    def handle(self, request, stats_processing=False):
        """(Response, authenticated user or None) for one request under /api/v2."""
        snap = self._snapshot
        user, auth_error = self._authenticate(snap, request)
        limited, limit_headers = self._rate_limit(snap, request, user)
        if limited is not None:
            response = limited
        else:
            response = self._route(snap, request, user, auth_error, stats_processing)
            response.headers.extend(limit_headers)
        response.headers.extend(snap.build_headers)
        return response, user

    # -- PrecheckAPIKey / apiKeyMiddleware ------------------------------------------------

    def _authenticate(self, snap, request):
        # coderd also takes the token from a cookie, a query parameter or a Bearer header; the
        # collection sends only this header.
        token = request.headers.get("Coder-Session-Token")
        if not token:
            return None, _unauthorized(snap, "Cookie \"coder_session_token\" or query parameter must be provided.")
        parts = token.split("-")
        if len(parts) != 2:
            problem = "incorrect amount of API key parts, expected 2 got %d" % len(parts)
        elif len(parts[0].encode()) != 10:
            problem = "invalid API key ID length, expected 10 got %d" % len(parts[0].encode())
        elif len(parts[1].encode()) != 22:
            problem = "invalid API key secret length, expected 22 got %d" % len(parts[1].encode())
        else:
            problem = None
        if problem:
            return None, _unauthorized(snap, "Invalid API key format: " + problem)
        user = snap.users_by_key_id.get(parts[0])
        if user is None:
            return None, _unauthorized(snap, "API key is invalid.")
        if not hmac.compare_digest(parts[1].encode(), user["token"].split("-")[1].encode()):
            return None, _unauthorized(snap, "API key secret is invalid.")
        return user, None

    # -- httprate ----------------------------------------------------------------------------

    def _rate_limit(self, snap, request, user):
        """(429 Response or None, headers for the allowed response)."""
        limit = snap.rate_limit
        if limit <= 0:
            return None, []
        key = (user["id"] if user else request.client_ip, request.path)
        decision = self.limiter.hit(key, limit)
        if decision.allowed:
            return None, decision.headers
        message = "You've been rate limited for sending more than %d requests in 1m0s." % limit
        return json_response(429, {"message": message}, decision.headers), []

    # -- router --------------------------------------------------------------------------------

    def _route(self, snap, request, user, auth_error, stats_processing):
        route = _ROUTES.get(request.path)
        if request.path == "/api/v2/experiments/available" and not snap.release.has(
                releases.EXPERIMENTS_AVAILABLE_SINCE):
            route = None
        if route is None and _TOKENCONFIG.fullmatch(request.path):
            route = ("GET", True, "_tokenconfig")
        if route is None:
            # /deployment and /experiments are chi sub-routers whose apiKeyMiddleware
            # also wraps their NotFound handler.
            if request.path.startswith(("/api/v2/deployment/", "/api/v2/experiments/", "/api/v2/debug/")) \
                    and auth_error:
                return auth_error
            return json_response(404, ROUTE_NOT_FOUND)
        allowed, protected, handler = route
        if protected and auth_error:
            return auth_error
        if request.method not in allowed.split():
            # chi's 405: an Allow header per method and no body.
            return Response(405, [("Allow", method) for method in allowed.split()], b"")
        return getattr(self, handler)(_Call(snap, request, user, stats_processing))

    # -- handlers ----------------------------------------------------------------------------

    def _root(self, call):
        return json_response(200, {"message": "\U0001F44B"})

    def _buildinfo(self, call):
        snap = call.snap
        state, value = snap.state, snap.config.value
        body = {
            "external_url": external_url(state["version"]),
            "version": state["version"],
            "dashboard_url": snap.access_url,
            "telemetry": value("CODER_TELEMETRY_ENABLE"),
            "workspace_proxy": False,
            "agent_api_version": "1.0",
            "provisioner_api_version": state["provisioner_api_version"],
            "upgrade_message": value("CODER_CLI_UPGRADE_MESSAGE"),
            "deployment_id": state["deployment_id"],
        }
        if state["webpush_public_key"]:
            body["webpush_public_key"] = state["webpush_public_key"]
        for key, since in releases.BUILDINFO_SINCE.items():
            if not snap.release.has(since):
                body.pop(key, None)
        return json_response(200, body)

    def _csp_report(self, call):
        if call.snap.release.has(releases.CSP_REPORT_LIMIT_SINCE) and len(call.request.body) > releases.CSP_REPORT_LIMIT:
            return json_response(413, CSP_TOO_LARGE)
        try:
            json.loads(call.request.body)
        except ValueError as exc:
            # coderd's detail is Go's decoder error; the collection only ever sends valid JSON.
            return json_response(400, {"message": "Failed to read body, invalid json.", "detail": str(exc)})
        return json_response(200, "ok")

    def _updatecheck(self, call):
        snap = call.snap
        version = snap.state["version"]
        latest = snap.state["update_check"]["latest"]
        if not snap.config.value("CODER_UPDATE_CHECK") or latest is None:
            # Disabled, or no check has succeeded yet: the running build is echoed.
            return json_response(200, {"current": True, "version": version, "url": external_url(version)})
        current = semver_compare(version.split("-")[0], latest) >= 0
        return json_response(200, {"current": current, "version": latest,
                                   "url": "https://github.com/coder/coder/releases/tag/" + latest})

    def _deployment_config(self, call):
        if not _has_role(call.user, _DEPLOYMENT_READERS):
            return json_response(403, call.snap.forbidden)
        return Response(200, [("Content-Type", JSON_TYPE)], call.snap.config.body)

    def _deployment_ssh(self, call):
        value = call.snap.config.value
        body = {"hostname_prefix": value("CODER_SSH_HOSTNAME_PREFIX")}
        if call.snap.release.has(releases.SSH_HOSTNAME_SUFFIX_SINCE):
            # A release between the option lists at hand may lack the option: its default.
            body["hostname_suffix"] = value("CODER_WORKSPACE_HOSTNAME_SUFFIX", "coder")
        body["ssh_config_options"] = call.snap.config.ssh_config_options
        return json_response(200, body)

    def _deployment_stats(self, call):
        if not _has_role(call.user, _DEPLOYMENT_READERS):
            return json_response(403, call.snap.forbidden)
        snap = call.snap
        ready_at = self.started + snap.state["stats_warmup_seconds"]
        now = time.time()
        if call.stats_processing or now < ready_at:
            return json_response(400, STATS_PROCESSING)
        interval = _stats_interval_seconds(snap.config.value("CODER_AGENT_STATS_REFRESH_INTERVAL"))
        # The cache refreshes every interval; answers show the latest refresh.
        collected = ready_at + ((now - ready_at) // interval) * interval
        collected_at = datetime.datetime.fromtimestamp(collected, datetime.timezone.utc)
        body = copy.deepcopy(_EXAMPLE_STATS)
        body["aggregated_from"] = rfc3339_nano(collected_at - datetime.timedelta(minutes=15))
        body["collected_at"] = rfc3339_nano(collected_at)
        body["next_update_at"] = rfc3339_nano(collected_at + datetime.timedelta(seconds=interval))
        return json_response(200, body)

    def _experiments(self, call):
        enabled = []
        for name in call.snap.config.value("CODER_EXPERIMENTS") or []:
            if name == "*":
                enabled.extend(call.snap.release.safe_experiments)
                continue
            enabled.append(name.lower())
        return json_response(200, enabled)

    def _experiments_available(self, call):
        return json_response(200, {"safe": call.snap.release.safe_experiments})

    def _tokenconfig(self, call):
        snap, user = call.snap, call.user
        wanted = unquote(_TOKENCONFIG.fullmatch(call.request.path).group(1))
        if wanted == "me":
            target = user
        else:
            try:
                target = snap.users_by_id.get(str(uuid.UUID(wanted)))
            except ValueError:
                target = snap.users_by_name.get(wanted.lower())
        # dbauthz turns "not allowed to read this user" into not found.
        if target is None or not (target["id"] == user["id"] or _has_role(user, _SITE_USER_READERS)):
            return json_response(404, NOT_FOUND)
        env = "CODER_MAX_TOKEN_LIFETIME"
        if "owner" in target["roles"] and snap.release.has(releases.PER_USER_TOKEN_CONFIG_SINCE):
            env = "CODER_MAX_ADMIN_TOKEN_LIFETIME"
        return json_response(200, {"max_token_lifetime": snap.config.value(env)})

    def _debug_health(self, call):
        snap = call.snap
        version, settings = snap.state["version"], snap.state["health"]
        if "owner" not in call.user["roles"]:
            # The /debug group's debug_info:read check; before v2.20 it answered "not found".
            return json_response(404, NOT_FOUND) if health.older_than(version, "v2.20.0") \
                else json_response(403, FORBIDDEN)
        query = parse_qs(call.request.query, keep_blank_values=True)
        force = query.get("force", [""])[0] == "true"
        report, progress = self.health_checker.report(
            settings, version, snap.config.value("CODER_HEALTH_CHECK_REFRESH"), force)
        if report is None:
            status, body = health.timed_out_body(version, progress)
            return json_response(status, body)
        view = health.dismissed_view(report, settings["dismissed"])
        chosen = query.get("format", [""])[0]
        if chosen == "text":
            return Response(200, [("Content-Type", TEXT_TYPE)], health.text_lines(view))
        if chosen not in ("", "json"):
            return json_response(400, {"message": "Invalid format option %s." % json.dumps(chosen),
                                       "detail": health.INVALID_FORMAT_DETAIL})
        return Response(200, [("Content-Type", JSON_TYPE)], encode_json_indent(view))

    def _health_settings(self, call):
        """GET and PUT /debug/health/settings (coderd/debug.go): the list of dismissed sections, kept in
        the state's health.dismissed, where /debug/health reads it."""
        snap = call.snap
        version = snap.state["version"]
        if health.older_than(version, "v2.5.0"):
            return json_response(404, ROUTE_NOT_FOUND)
        if "owner" not in call.user["roles"]:
            # The /debug group's debug_info:read check, as for /debug/health.
            return json_response(404, NOT_FOUND) if health.older_than(version, "v2.20.0") \
                else json_response(403, FORBIDDEN)
        stored = snap.state["health"]["dismissed"]
        if call.request.method == "GET":
            return json_response(200, {"dismissed_healthchecks": stored})
        # Only owners pass the /debug gate, and they may update the deployment config: the handler's own
        # 403 ("Insufficient permissions to update health settings.") needs a custom role.
        try:
            body = json.loads(call.request.body or b"")
            if not isinstance(body, dict):
                raise _GoDecodeError("json: cannot unmarshal %s into Go value of type healthsdk.HealthSettings"
                                     % _go_json_kind(body))
            wanted = body.get("dismissed_healthchecks")
            if wanted is not None and not (isinstance(wanted, list) and all(isinstance(name, str) for name in wanted)):
                raise _GoDecodeError("json: cannot unmarshal %s into Go struct field HealthSettings."
                                     "dismissed_healthchecks of type []healthsdk.HealthSection" % _go_json_kind(wanted))
        except (ValueError, _GoDecodeError) as exc:
            return json_response(400, {"message": "Request body must be valid JSON.", "detail": _go_decode_detail(
                exc, call.request.body or b"")})
        for name in wanted or ():
            if name not in _HEALTH_SECTIONS:
                return json_response(500, {"message": "Failed to validate health settings.",
                                           "detail": "unknown healthcheck section: %s" % name})
        # bytes.Equal of the marshalled request and the stored text: an unchanged list is not written again.
        # A fresh deployment stores "{}", which no request equals.
        if (stored or self.health_settings_written) and wanted == stored:
            return Response(204, [], b"")
        state = copy.deepcopy(snap.state)
        state["health"]["dismissed"] = list(wanted or ())
        self.set_state(state)
        self.health_settings_written = True
        return json_response(200, {"dismissed_healthchecks": wanted})


class _GoDecodeError(Exception):
    """A body that is JSON but not of the type the handler decodes it into."""


def _go_json_kind(value):
    return {dict: "object", list: "array", str: "string", bool: "bool"}.get(type(value), "number")


def _go_decode_detail(exc, body):
    """encoding/json's wording for the common failures (the collection only ever sends valid bodies)."""
    if isinstance(exc, _GoDecodeError):
        return str(exc)
    if not body.strip():
        return "EOF"
    position = getattr(exc, "pos", len(body))
    text = body.decode("utf-8", "replace")
    message = str(exc)
    if message.startswith("Illegal trailing comma"):
        # Python 3.13 points at the comma; Go at the bracket after it.
        position = len(text) - len(text[position + 1:].lstrip())
    if position >= len(text):
        return "unexpected end of JSON input"
    expecting = "object key string" if "property name" in message or "end of object" in message else "value"
    return "invalid character %r looking for beginning of %s" % (text[position], expecting)


def _unauthorized(snap, detail):
    # Every 401 the simulator gives is built on SignedOutErrorMessage, whose "expired" makes
    # coderd's challenge say that the token has expired.
    challenge = ('Bearer realm="coder", error="invalid_token", error_description="The access token has expired", '
                 'resource_metadata="%s/.well-known/oauth-protected-resource"' % snap.access_url.rstrip("/"))
    return json_response(401, {"message": SIGNED_OUT, "detail": detail}, [("Www-Authenticate", challenge)])


def _without_dismissals(state):
    return dict(state["health"], dismissed=None)


def _has_role(user, roles):
    return any(role in roles for role in user["roles"])


def _stats_interval_seconds(nanoseconds):
    if nanoseconds == 0:
        return 300.0  # coderd's fallback
    if nanoseconds < 0:
        return 60.0  # metricscache's fallback
    return nanoseconds / 1e9
