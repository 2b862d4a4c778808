"""Simulator state: defaults, loading from YAML or a dict, validation, merging.

Every key is optional; the defaults reproduce the recorded example answers.
A state is a plain dict so tests can read and build one easily; load_state()
returns it normalised (deployment values as strings, faults validated) or
raises StateError with one line naming the source and the key.
"""

import copy
import csv
import difflib
import io
import json
import uuid

import yaml

from coder_sim import config_builder, health, releases
from coder_sim.faults import FaultError, parse_faults

DEFAULT_TOKENS = {
    "owner": "wkocE2qOoh-4enCo0MFuf8IQ8v8NbLtBB",
    "auditor": "pFy02fIlud-hDhIbyn5QEzTJmIVz9SSM4",
    "member": "O4MI9YlWXL-iPKijTrN4iuOZe3uLnnyfg",
    "template-admin": "PKCBpSRKXu-IM3bZ1vvslWxJwOyHo1sc6",
}

KNOWN_ROLES = ("owner", "auditor", "member", "template-admin", "user-admin")

DEFAULT_STATE = {
    # The release whose answers the simulator gives; None: v2.34.3, the recorded one.
    "coder_version": None,
    "version": "v2.34.3+4653f32",
    "provisioner_api_version": "1.18",
    "deployment_id": "8e3f6c2a-5b1d-4f0e-9a7c-2d4b6e8f0a13",
    "webpush_public_key": "BHcwARGQDbcrIlsO-IsnrDsOC_xb88unZbGYH6OmH9SDS9qDgAny9WG9iwbnTsa5pci3-Vh_K5ihDbR4t1I4tIQ",
    # The scenario behind examples/deployment-config.json (see examples/README.md).
    # The two secrets are invented; the simulator must never serve them.
    "deployment": {
        "CODER_ACCESS_URL": "https://coder.example.com",
        "CODER_WILDCARD_ACCESS_URL": "*.coder.example.com",
        "CODER_HTTP_ADDRESS": "0.0.0.0:3000",
        "CODER_PG_CONNECTION_URL": "postgres://coder:sim-db-password@db.example.com:5432/coder?sslmode=require",
        "CODER_OIDC_ISSUER_URL": "https://idp.example.com/realms/coder",
        "CODER_OIDC_CLIENT_ID": "coder",
        "CODER_OIDC_CLIENT_SECRET": "sim-oidc-client-secret",
        "CODER_PROMETHEUS_ENABLE": "true",
        "CODER_PROMETHEUS_ADDRESS": "0.0.0.0:2112",
    },
    "update_check": {"latest": "v2.34.3"},
    "users": [
        {"username": "admin", "id": "21359e27-f84b-464d-a1b5-d2a4fdfa43d0", "roles": ["owner"],
         "token": DEFAULT_TOKENS["owner"]},
        {"username": "auditor", "id": "212433b0-47d6-4725-8ca4-5cb988b10332", "roles": ["auditor"],
         "token": DEFAULT_TOKENS["auditor"]},
        {"username": "member", "id": "0ccf3ec0-e2fd-45d2-ab7c-ae5436cebb4a", "roles": ["member"],
         "token": DEFAULT_TOKENS["member"]},
        {"username": "tadmin", "id": "5a61e69e-49df-4f6c-9666-ec431afa9040", "roles": ["template-admin"],
         "token": DEFAULT_TOKENS["template-admin"]},
    ],
    "stats_warmup_seconds": 0,
    # /debug/health: the recorded report, section overrides, dismissed sections (what the health
    # settings hold), how long each check runs and the handler's timeout (see health.py).
    "health": copy.deepcopy(health.DEFAULT_HEALTH),
    "faults": [],
    "latency_ms": 0,
}

# Shorthands for a deployment value, kept because they read naturally in a
# state file; they are folded into `deployment` so there is one source of truth.
_SHORTHANDS = {"telemetry": "CODER_TELEMETRY_ENABLE", "upgrade_message": "CODER_CLI_UPGRADE_MESSAGE"}
_MERGED_KEYS = ("deployment", "update_check", "health")
_USER_KEYS = ("username", "id", "roles", "token")


class StateError(ValueError):
    """Invalid state; the message is one line naming the source and the key."""


def load_state(source=None):
    """Normalised state from None (defaults), a dict, or a YAML file path."""
    if source is None:
        return merge_state(DEFAULT_STATE, {})
    if isinstance(source, dict):
        return merge_state(DEFAULT_STATE, source)
    where = "state file %s" % source
    try:
        with open(source, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise StateError("%s: cannot read: %s" % (where, exc.strerror or exc))
    except yaml.YAMLError as exc:
        raise StateError("%s: not valid YAML: %s" % (where, " ".join(str(exc).split())))
    if data is None:
        data = {}
    return merge_state(DEFAULT_STATE, data, where=where)


def merge_state(current, update, where="state"):
    """`update` applied over `current`: `deployment` and `update_check` merge
    key by key (a null deployment value unsets it), other keys replace."""
    if not isinstance(update, dict):
        raise StateError("%s: must be a mapping, got %s" % (where, type(update).__name__))
    unknown = sorted(set(update) - set(DEFAULT_STATE) - set(_SHORTHANDS))
    if unknown:
        raise StateError("%s: %s" % (where, _unknown_message(unknown[0], list(DEFAULT_STATE) + list(_SHORTHANDS))))
    merged = copy.deepcopy(current)
    for key, value in update.items():
        if key in _SHORTHANDS:
            continue
        if key in _MERGED_KEYS:
            if not isinstance(value, dict):
                raise StateError("%s: %s: must be a mapping" % (where, key))
            merged[key].update(value)
        else:
            merged[key] = copy.deepcopy(value)
    for key, env in _SHORTHANDS.items():
        if key in update:
            merged["deployment"][env] = update[key]
    if update.get("coder_version") is not None:
        # A chosen release runs that version unless the state says otherwise.
        release = _coder_version(update["coder_version"], where)
        if "version" not in update:
            merged["version"] = "v%d.%d.%d" % release.version
        if "provisioner_api_version" not in update:
            merged["provisioner_api_version"] = release.provisioner_api_version
    return _normalise(merged, where)


def _coder_version(value, where):
    version = releases.parse_version(value) if isinstance(value, str) else None
    if version is None or version[0] != 2:
        raise StateError("%s: coder_version: expected a Coder v2 release such as v2.16.1, got %s"
                         % (where, json.dumps(value, default=str)))
    return releases.Release(value)


def _unknown_message(key, choices):
    close = difflib.get_close_matches(key, choices, n=3)
    hint = "; did you mean %s?" % " or ".join(close) if close else ""
    return "%s: unknown key%s" % (key, hint)


def _normalise(state, where):
    if state["coder_version"] is not None:
        _coder_version(state["coder_version"], where)
    state["version"] = _string(state["version"], where, "version")
    state["provisioner_api_version"] = _string(state["provisioner_api_version"], where, "provisioner_api_version")
    state["deployment_id"] = _uuid(state["deployment_id"], where, "deployment_id")
    state["webpush_public_key"] = _string(state["webpush_public_key"], where, "webpush_public_key")
    state["deployment"] = _deployment(state["deployment"], where, releases.Release(state["coder_version"]))
    state["update_check"] = _update_check(state["update_check"], where)
    state["users"] = _users(state["users"], where)
    try:
        state["health"] = health.normalise(state["health"])
    except health.HealthStateError as exc:
        raise StateError("%s: health%s" % (where, exc))
    for key in ("stats_warmup_seconds", "latency_ms"):
        state[key] = _non_negative(state[key], where, key)
    try:
        state["faults"] = parse_faults(state["faults"])
    except FaultError as exc:
        raise StateError("%s: faults%s" % (where, exc))
    try:
        config_builder.build(deployment_items(state), state["version"], state["coder_version"])
    except config_builder.ConfigValueError as exc:
        raise StateError("%s: deployment.%s" % (where, exc))
    return state


def deployment_items(state):
    """The deployment values in the hashable form config_builder.build() takes."""
    return tuple(sorted(state["deployment"].items()))


def _string(value, where, key):
    if not isinstance(value, str):
        raise StateError("%s: %s: must be a string, got %s" % (where, key, json.dumps(value, default=str)))
    return value


def _uuid(value, where, key):
    try:
        return str(uuid.UUID(_string(value, where, key)))
    except ValueError:
        raise StateError("%s: %s: not a UUID: %s" % (where, key, value))


def _non_negative(value, where, key):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise StateError("%s: %s: must be a number >= 0, got %s" % (where, key, json.dumps(value, default=str)))
    return value


def _deployment(values, where, release):
    known = config_builder.known_envs(release.label)
    normalised = {}
    for env, value in values.items():
        if env not in known and env in config_builder.known_envs():
            raise StateError("%s: deployment.%s: not a setting of Coder v%d.%d.%d"
                             % ((where, env) + release.version))
        if env not in known:
            raise StateError("%s: deployment.%s" % (where, _unknown_message(str(env), sorted(known))))
        if value is None:
            continue
        normalised[env] = _cli_string(value, where, env)
    return normalised


def _cli_string(value, where, env):
    """A YAML value written the way the CLI would receive it in the environment."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(value)
        return buffer.getvalue()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    raise StateError("%s: deployment.%s: unsupported value %r" % (where, env, value))


def _update_check(value, where):
    unknown = sorted(set(value) - {"latest"})
    if unknown:
        raise StateError("%s: update_check.%s" % (where, _unknown_message(unknown[0], ["latest"])))
    latest = value.get("latest")
    if latest is not None:
        _string(latest, where, "update_check.latest")
    return {"latest": latest}


def _users(users, where):
    if not isinstance(users, list) or not users:
        raise StateError("%s: users: must be a non-empty list" % where)
    normalised = []
    seen = {"username": set(), "id": set(), "token id": set()}
    for index, user in enumerate(users):
        key = "users[%d]" % index
        if not isinstance(user, dict):
            raise StateError("%s: %s: must be a mapping" % (where, key))
        unknown = sorted(set(user) - set(_USER_KEYS))
        if unknown:
            raise StateError("%s: %s.%s" % (where, key, _unknown_message(unknown[0], list(_USER_KEYS))))
        for required in ("username", "token"):
            if required not in user:
                raise StateError("%s: %s.%s: required" % (where, key, required))
        entry = {
            "username": _string(user["username"], where, key + ".username"),
            "id": _uuid(user.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "coder-sim:" + user["username"])),
                        where, key + ".id"),
            "roles": _roles(user.get("roles", ["member"]), where, key),
            "token": _token(user["token"], where, key),
        }
        for label, value in (("username", entry["username"].lower()), ("id", entry["id"]),
                             ("token id", entry["token"].split("-")[0])):
            if value in seen[label]:
                raise StateError("%s: %s: duplicate %s %s" % (where, key, label, value))
            seen[label].add(value)
        normalised.append(entry)
    return normalised


def _roles(roles, where, key):
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise StateError("%s: %s.roles: must be a list of role names" % (where, key))
    for role in roles:
        if role not in KNOWN_ROLES:
            raise StateError("%s: %s.roles: %s" % (where, key, _unknown_message(role, list(KNOWN_ROLES))))
    return list(roles)


def _token(token, where, key):
    token = _string(token, where, key + ".token")
    parts = token.split("-")
    if len(parts) != 2 or len(parts[0]) != 10 or len(parts[1]) != 22:
        # Deliberately no token text in the message.
        raise StateError("%s: %s.token: must be <10 chars>-<22 chars>" % (where, key))
    return token
