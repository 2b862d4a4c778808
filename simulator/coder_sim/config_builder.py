"""Builds the GET /api/v2/deployment/config answer from deployment values.

The 281-option catalog of v2.34.3 (data/options.json) gives each option's type, secret
flag and place in `config`; another release's list is that catalog with the release's
diff (data/releases.json) applied. The recorded example answer
(data/examples/deployment-config.json) gives the texts that never change
(descriptions, groups, annotations, use_instead copies) and the key order of
`config`. Everything that depends on the deployment's values (`value`,
`value_source`, `default` where Go computes it at start-up, and `config`) is
recomputed here with the Go/serpent wire rules, so changing one env value
changes every place the real server would show it.
"""

import copy
import csv
import functools
import json
import re

import yaml

from coder_sim import releases
from coder_sim.examples import example, load_data
from coder_sim.gowire import GoValueError, encode_json, parse_bool, parse_duration, parse_int

# serpent Option JSON key order; every key is omitempty.
_OPTION_KEY_ORDER = (
    "name", "description", "required", "flag", "flag_shorthand", "env", "yaml", "default", "value",
    "annotations", "group", "use_instead", "hidden", "value_source",
)
# Go marshals these as (or through) structs, so `omitempty` never drops them.
_STRUCT_TYPES = ("url", "host:port", "regexp")


class ConfigValueError(ValueError):
    """A deployment value the real server would refuse at start-up; names the env variable."""


class _OptionSpec(object):
    __slots__ = ("flag", "env", "type", "path", "secret", "choices", "default", "template", "use_instead",
                 "omitempty")

    def __init__(self, catalog_entry, template):
        self.flag = catalog_entry["flag"]
        self.env = catalog_entry["env"]
        self.type = catalog_entry["type"]
        self.path = tuple(catalog_entry["config_json_path"].split("."))
        self.secret = catalog_entry["secret"]
        self.choices = catalog_entry.get("enum_choices")
        # The example holds defaults as evaluated at start-up (e.g. the cache dir).
        self.default = template.get("default")
        self.template = template
        self.use_instead = tuple(catalog_entry.get("use_instead") or ())
        # None: judged from the recorded answer, which shows every field the base release has.
        self.omitempty = catalog_entry.get("omitempty")

    @property
    def is_struct_value(self):
        return self.type in _STRUCT_TYPES or self.type.startswith("struct[")


class _Catalog(object):
    """Per-process, read-only data of one release's option list, shared by every simulator instance."""

    def __init__(self, label):
        catalog = load_data("options.json")["options"]
        example_config = example("deployment-config.json")
        if [o["flag"] for o in catalog] != [o["flag"] for o in example_config["options"]]:
            raise RuntimeError("data/options.json and the example deployment config list different options")
        entries = [(entry, {k: v for k, v in option.items() if k not in ("value", "value_source")})
                   for entry, option in zip(catalog, example_config["options"])]
        config_layout = example_config["config"]
        if label != releases.BASE_LABEL:
            diff = releases.release_options()[label]
            entries = _release_entries(entries, diff)
            config_layout = _pruned(config_layout, _layout_paths(entries, diff["extra_paths"]))
        self.specs = [_OptionSpec(entry, template) for entry, template in entries]
        self.by_flag = {spec.flag: spec for spec in self.specs}
        self.envs = {spec.env for spec in self.specs if spec.env}
        # Options that are deprecated aliases write the same Go field; they
        # share one value and one value_source.
        self.groups = {}
        for spec in self.specs:
            self.groups.setdefault(spec.path, []).append(spec)
        self.omitempty = self._omitempty_paths(example_config["config"])
        self.skeleton = self._skeleton_with_every_key(config_layout)

    def _omitempty_paths(self, example_config):
        paths = set()
        for spec in self.specs:
            if len(spec.path) == 1 and not spec.is_struct_value:
                paths.add(spec.path)  # every top-level DeploymentValues field is omitempty
            elif spec.omitempty is not None:
                if spec.omitempty:
                    paths.add(spec.path)
            elif not _has_path(example_config, spec.path):
                paths.add(spec.path)  # a nested field the example had to drop at its zero value
        return frozenset(paths)

    def _skeleton_with_every_key(self, example_config):
        """The example config plus the keys it omitted, each placed after the key
        of the option preceding it (options follow Go struct order)."""
        skeleton = copy.deepcopy(example_config)
        previous_key = {}
        for spec in self.specs:
            parent_path, key = spec.path[:-1], spec.path[-1]
            _make_objects(skeleton, parent_path)
            parent = _get_path(skeleton, parent_path)
            if key not in parent:
                reordered = _insert_after(parent, previous_key.get(parent_path), key)
                if parent_path:
                    _get_path(skeleton, parent_path[:-1])[parent_path[-1]] = reordered
                else:
                    skeleton = reordered
            previous_key[parent_path] = key
        return skeleton


# The option fields of a release's diff and the template (recorded option) keys they set; a
# null or false value means the key is omitted (serpent's omitempty).
_TEMPLATE_FIELDS = (("name", "name"), ("flag_shorthand", "flag_shorthand"), ("env", "env"), ("yaml_key", "yaml"),
                    ("default", "default"), ("hidden", "hidden"))
_CATALOG_FIELDS = ("env", "type", "config_json_path", "secret", "use_instead", "omitempty", "enum_choices")


def _release_entries(base_entries, diff):
    """(catalog entry, template) of every option of a release, in its order, from the base's and the diff."""
    by_flag = {entry["flag"]: (entry, template) for entry, template in base_entries}
    groups = {}
    for entry, template in base_entries:
        if entry.get("group") and template.get("group"):
            groups.setdefault(entry["group"], template["group"])
    entries = []
    for flag in diff["order"]:
        if flag in diff["added"]:
            record = diff["added"][flag]
            entry, template = {"flag": flag}, {"flag": flag, "description": record["description"]}
            if record.get("annotations"):
                template["annotations"] = record["annotations"]
            if record.get("group"):
                template["group"] = groups.get(record["group"]) or _group_object(record["group"].split(" / "))
        else:
            entry, template = (dict(item) for item in by_flag[flag])
            record = diff["changed"].get(flag, {})
        if record.get("type", "").startswith("enum["):
            record = dict(record, enum_choices=record["type"][5:-1].split("\\|"))
        entry.update((key, record[key]) for key in _CATALOG_FIELDS if key in record)
        for field, key in _TEMPLATE_FIELDS:
            if field in record:
                template.pop(key, None)
                if record[field] not in (None, False):
                    template[key] = record[field]
        if "secret" in record:
            annotations = {k: v for k, v in template.get("annotations", {}).items() if k != "secret"}
            if record["secret"]:
                annotations["secret"] = "true"
            template.pop("annotations", None)
            if annotations:
                template["annotations"] = annotations
        entries.append((entry, template))
    return entries


def _group_object(names):
    """serpent's Group of a group path ("Networking / Cluster") the recorded answer has no option in."""
    group = {"name": names[-1]}
    if len(names) > 1:
        group = {"parent": _group_object(names[:-1]), "name": names[-1]}
    return group


def _layout_paths(entries, extra_paths):
    """Every config path (objects and leaves) of a release: its options' paths, their parents and the extras."""
    paths = set()
    for path in [entry["config_json_path"] for entry, _template in entries] + list(extra_paths):
        parts = tuple(path.split("."))
        paths.update(parts[:end] for end in range(1, len(parts) + 1))
    return paths


def _pruned(tree, keep, prefix=()):
    """``tree`` without the keys whose path is not in ``keep``."""
    pruned = {}
    for key, value in tree.items():
        path = prefix + (key,)
        if path not in keep:
            continue
        nested = isinstance(value, dict) and any(len(other) > len(path) and other[:len(path)] == path for other in keep)
        pruned[key] = _pruned(value, keep, path) if nested else value
    return pruned


def _make_objects(tree, path):
    """Create the missing objects along ``path`` (a release's config object the base lacks)."""
    for key in path:
        tree = tree.setdefault(key, {})


def _has_path(tree, path):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return False
        tree = tree[key]
    return True


def _get_path(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _insert_after(mapping, anchor, new_key):
    reordered = {new_key: None} if anchor is None else {}
    for key, value in mapping.items():
        reordered[key] = value
        if key == anchor:
            reordered[new_key] = None
    return reordered


@functools.lru_cache(maxsize=None)
def catalog(label=releases.BASE_LABEL):
    return _Catalog(label)


def known_envs(label=releases.BASE_LABEL):
    return catalog(label).envs


def _split_host_port(text):
    """net.SplitHostPort, re-joined like net.JoinHostPort."""
    if text == "":
        raise GoValueError("must not be empty")
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise GoValueError("address %s: missing ']' in address" % text)
        host, rest = text[1:end], text[end + 1:]
        if not rest.startswith(":"):
            raise GoValueError("address %s: missing port in address" % text)
        port = rest[1:]
    else:
        if ":" not in text:
            raise GoValueError("address %s: missing port in address" % text)
        host, port = text.rsplit(":", 1)
        if ":" in host:
            raise GoValueError("address %s: too many colons in address" % text)
    return "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)


def _parse_csv(text):
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise GoValueError("parse error: %s" % exc)
    return rows[0] if rows else None


def _parse_value(spec, raw):
    """serpent Value.Set(raw) -> the Go field's JSON value."""
    kind = spec.type
    if kind in ("string", "url", "yaml-config-path"):
        return raw
    if kind == "regexp":
        try:
            re.compile(raw)
        except re.error as exc:
            raise GoValueError("invalid regex expression: %s" % exc)
        return raw
    if kind == "bool":
        return False if raw == "" else parse_bool(raw)
    if kind == "int":
        return parse_int(raw)
    if kind == "duration":
        return parse_duration(raw)
    if kind == "host:port":
        return _split_host_port(raw)
    if kind == "string-array":
        return None if raw == "" else _parse_csv(raw)
    if kind.startswith("enum["):
        if raw not in spec.choices:
            raise GoValueError("invalid choice: %s, should be one of [%s]" % (raw, " ".join(spec.choices)))
        return raw
    if kind.startswith("struct["):
        try:
            parsed = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise GoValueError("invalid YAML: %s" % str(exc).splitlines()[0])
        if kind.startswith("struct[[]") and not parsed:
            return None  # serpent keeps nil slices for empty input
        return _sorted_maps(parsed)
    raise RuntimeError("option type %s has no parser" % kind)


def _sorted_maps(value):
    """Go marshals maps with sorted keys."""
    if isinstance(value, dict):
        return {str(k): _sorted_maps(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted_maps(v) for v in value]
    return value


def _zero_value(spec):
    if spec.type == "bool":
        return False
    if spec.type in ("int", "duration"):
        return 0
    if spec.type == "string-array" or spec.type.startswith("struct["):
        return None
    return ""


def _is_zero(value):
    return value is None or value is False or value == 0 or value == "" or value == [] or value == {}


def _option_value(spec, value):
    if spec.type.startswith("enum["):
        return {"Choices": list(spec.choices), "Value": value}
    return value


def _docs_url(version):
    release = re.split(r"[-+]", version, maxsplit=1)[0]
    return "https://coder.com/docs" if release == "v0.0.0" else "https://coder.com/docs/@" + release


class BuiltConfig(object):
    """The encoded /deployment/config answer and the typed values the other
    endpoints derive from (by env name, secrets included, never served)."""

    def __init__(self, document, values_by_env):
        self.body = encode_json(document)
        self._values = values_by_env
        self.ssh_config_options = _ssh_config_options(values_by_env["CODER_SSH_CONFIG_OPTIONS"] or [])

    def value(self, env, *default):
        """The typed value of `env`; `default` (when given) for a setting the release lacks."""
        if default and env not in self._values:
            return default[0]
        return self._values[env]


# cli/server.go refuses to start with these in --ssh-config-options.
_FORBIDDEN_SSH_OPTIONS = (
    "host", "match", "include", "proxycommand", "proxyjump", "localcommand", "permitlocalcommand",
    "remotecommand", "knownhostscommand", "pkcs11provider", "securitykeyprovider", "smartcarddevice",
    "xauthlocation",
)


def _ssh_config_options(options):
    """SSHConfig.ParseOptions(): "Key value" / "Key=value" split at the first
    space or '=', into a Go map (sorted keys on the wire)."""
    parsed = {}
    for option in options:
        match = re.search(r"[ =]", option)
        if match is None:
            raise ConfigValueError("CODER_SSH_CONFIG_OPTIONS: invalid config-ssh option %s" % json.dumps(option))
        key, value = option[:match.start()], option[match.end():]
        if key.lower() in _FORBIDDEN_SSH_OPTIONS:
            raise ConfigValueError("CODER_SSH_CONFIG_OPTIONS: option %s is not allowed" % json.dumps(key))
        if re.search(r"[\r\n\x00]", value):
            raise ConfigValueError("CODER_SSH_CONFIG_OPTIONS: option %s: value contains a newline, "
                                   "carriage return or NUL" % json.dumps(key))
        parsed[key] = value
    return {key: parsed[key] for key in sorted(parsed)}


def _start_up_defaults(version, access_url, release):
    """Defaults Go evaluates when the server starts (see options.json build_dependent_defaults)."""
    defaults = {
        "docs-url": _docs_url(version),
        "update-check": "false" if version.startswith("v0.0.0-devel") else "true",
    }
    # None: the release has no default, whatever the recording (made by a newer one) shows.
    defaults["secure-auth-cookie"] = None
    if release.has(releases.SECURE_COOKIE_DEFAULT_FN_SINCE):
        defaults["secure-auth-cookie"] = "true" if access_url.startswith("https://") else "false"
    return defaults


def _resolve(group, env, defaults):
    """serpent's ParseEnv + SetDefaults for one Go field: the last env hit wins,
    otherwise the first default; the source is shared by every alias."""
    hits = [spec for spec in group if spec.env in env]
    if hits:
        spec = hits[-1]
        return spec, env[spec.env], "env"
    for spec in group:
        default = defaults.get(spec.flag, spec.default)
        if default is not None:
            return spec, default, "default"
    return group[0], None, None


def _typed(spec, raw):
    if raw is None:
        return _zero_value(spec)
    try:
        return _parse_value(spec, raw)
    except GoValueError as exc:
        raise ConfigValueError("%s=%s: %s" % (spec.env, json.dumps(raw), exc))


@functools.lru_cache(maxsize=32)
def build(env_items, version, coder_version=None):
    """Answer for the deployment whose env values are `env_items` (a sorted tuple
    of (ENV, string) pairs) running `version` as the release `coder_version`
    (None: the base release). Cached: instances with the same values share one
    immutable result."""
    release = releases.Release(coder_version)
    cat = catalog(release.label)
    env = dict(env_items)
    access_url_spec, access_raw, _access_source = _resolve(cat.groups[("access_url",)], env, {})
    access_url = _typed(access_url_spec, access_raw)
    defaults = _start_up_defaults(version, access_url, release)

    resolved = {}  # path -> (typed value, value_source)
    for path, group in cat.groups.items():
        spec, raw, source = _resolve(group, env, defaults)
        resolved[path] = (_typed(spec, raw), source)

    config = copy.deepcopy(cat.skeleton)
    values_by_env = {}
    for path, group in cat.groups.items():
        value, _source = resolved[path]
        for spec in group:
            values_by_env[spec.env] = value
        served = value
        if group[0].secret:
            # WithoutSecrets() re-sets every secret string/string-array to "".
            served = None if group[0].type == "string-array" else ""
        parent = _get_path(config, path[:-1])
        if path in cat.omitempty and _is_zero(served):
            del parent[path[-1]]
        else:
            parent[path[-1]] = served

    options = [_render_option(cat, spec, resolved, defaults) for spec in cat.specs]
    return BuiltConfig({"config": config, "options": options}, values_by_env)


def _render_option(cat, spec, resolved, defaults):
    value, source = resolved[spec.path]
    rendered = {}
    for key in _OPTION_KEY_ORDER:
        if key == "value":
            if not spec.secret:
                rendered["value"] = _option_value(spec, value)
        elif key == "value_source":
            if source:
                rendered["value_source"] = source
        elif key == "default" and spec.flag in defaults:
            if defaults[spec.flag] is not None:
                rendered["default"] = defaults[spec.flag]
        elif key == "use_instead" and spec.use_instead:
            rendered["use_instead"] = [_render_copy(cat, copy_, resolved) for copy_ in _use_instead_copies(cat, spec)]
        elif key in spec.template:
            rendered[key] = spec.template[key]
    return rendered


def _use_instead_copies(cat, spec):
    """The recorded copies of the replacement options, or (for a release whose
    replacements differ from the recording) the replacements' own records."""
    recorded = spec.template.get("use_instead") or []
    if tuple(copy_["flag"] for copy_ in recorded) == spec.use_instead:
        return recorded
    return [{k: v for k, v in cat.by_flag[flag].template.items() if k != "use_instead"} for flag in spec.use_instead]


def _render_copy(cat, option_copy, resolved):
    """use_instead holds copies of the replacement options made before parsing:
    their `value` follows the live value (shared pointer) but they carry no
    value_source, and codersdk does not scrub secrets in them."""
    replacement = cat.by_flag[option_copy["flag"]]
    rendered = dict(option_copy)
    rendered["value"] = _option_value(replacement, resolved[replacement.path][0])
    return rendered
