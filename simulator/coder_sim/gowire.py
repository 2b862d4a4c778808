"""Go behaviours the simulator must reproduce byte for byte.

coderd is written in Go, so its answers follow Go's encoding/json, time and
strconv rules and golang.org/x/mod/semver ordering. Python's defaults differ in
small but visible ways (HTML escaping, duration syntax, time formatting), and a
client tested against Python's rules would be tested against the wrong server.
"""

import json
import math
import re

_NS_PER_UNIT = {
    "ns": 1,
    "us": 1000,
    "\u00b5s": 1000,  # micro sign
    "\u03bcs": 1000,  # Greek mu
    "ms": 1000 * 1000,
    "s": 1000 ** 3,
    "m": 60 * 1000 ** 3,
    "h": 3600 * 1000 ** 3,
    # serpent accepts days: the "aibridge-retention" default is "60d" and the
    # server reports it as 60 * 24h.
    "d": 24 * 3600 * 1000 ** 3,
}
_MAX_INT64 = (1 << 63) - 1
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]*)")


class GoValueError(ValueError):
    """A value Go's parser would reject; the message is Go's own wording."""


def encode_json(value):
    """Serialise like Go's json.Encoder with SetEscapeHTML(true): compact, raw
    UTF-8, <>& escaped as \\u003c etc., U+2028/U+2029 escaped, trailing newline."""
    return _go_escaped(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def encode_json_indent(value):
    """The same with SetIndent("", "\\t"), as httpapi.WriteIndent writes the health report."""
    return _go_escaped(json.dumps(value, ensure_ascii=False, indent="\t", allow_nan=False))


def _go_escaped(text):
    # These characters can only occur inside JSON strings, so a plain textual
    # replacement is exactly what Go's encoder does.
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return (text + "\n").encode("utf-8")


def parse_duration(text):
    """time.ParseDuration (plus serpent's "d" unit) -> integer nanoseconds."""
    quoted = json.dumps(text, ensure_ascii=False)
    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if rest == "":
        raise GoValueError("time: invalid duration " + quoted)
    total = 0
    while rest:
        if not (rest[0] == "." or rest[0].isdigit()):
            raise GoValueError("time: invalid duration " + quoted)
        match = _DURATION_PART.match(rest)
        whole, fraction, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not fraction:
            raise GoValueError("time: invalid duration " + quoted)
        if not unit:
            raise GoValueError("time: missing unit in duration " + quoted)
        if unit not in _NS_PER_UNIT:
            raise GoValueError(
                "time: unknown unit " + json.dumps(unit, ensure_ascii=False) + " in duration " + quoted
            )
        scale = _NS_PER_UNIT[unit]
        total += int(whole or "0") * scale
        if fraction:
            total += int(fraction) * scale // (10 ** len(fraction))
        if total > _MAX_INT64:
            raise GoValueError("time: invalid duration " + quoted)
        rest = rest[match.end():]
    return -total if negative else total


def parse_bool(text):
    """strconv.ParseBool."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise GoValueError("strconv.ParseBool: parsing %s: invalid syntax" % json.dumps(text))


def parse_int(text):
    """strconv.ParseInt(text, 10, 64)."""
    if not re.fullmatch(r"[+-]?\d+", text):
        raise GoValueError("strconv.ParseInt: parsing %s: invalid syntax" % json.dumps(text))
    number = int(text)
    if not -(1 << 63) <= number <= _MAX_INT64:
        raise GoValueError("strconv.ParseInt: parsing %s: value out of range" % json.dumps(text))
    return number


def rfc3339_nano(moment):
    """time.Time JSON form (RFC3339Nano, trailing zeros trimmed) of a UTC datetime."""
    fraction = ("%06d" % moment.microsecond).rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ("." + fraction if fraction else "") + "Z"


def round_half_away(value):
    """math.Round: halves round away from zero (Python's round() rounds to even)."""
    return int(math.floor(value + 0.5)) if value >= 0 else -int(math.floor(-value + 0.5))


_SEMVER = re.compile(
    r"v(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?)?"
    r"(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


def _parse_semver(version):
    match = _SEMVER.fullmatch(version)
    if not match:
        return None
    major, minor, patch, prerelease, build = match.groups()
    # x/mod/semver only allows the "v1" / "v1.2" shorthands without suffixes.
    if (minor is None or patch is None) and (prerelease or build):
        return None
    if prerelease:
        for identifier in prerelease[1:].split("."):
            if identifier.isdigit() and identifier != "0" and identifier.startswith("0"):
                return None
    return int(major), int(minor or 0), int(patch or 0), prerelease or ""


def _compare_prerelease(left, right):
    if left == right:
        return 0
    if not left:
        return 1
    if not right:
        return -1
    left_ids, right_ids = left[1:].split("."), right[1:].split(".")
    for a, b in zip(left_ids, right_ids):
        if a == b:
            continue
        a_num, b_num = a.isdigit(), b.isdigit()
        if a_num and b_num:
            return -1 if int(a) < int(b) else 1
        if a_num != b_num:
            return -1 if a_num else 1
        return -1 if a < b else 1
    return (len(left_ids) > len(right_ids)) - (len(left_ids) < len(right_ids))


def semver_compare(left, right):
    """golang.org/x/mod/semver.Compare: invalid versions sort before valid ones."""
    a, b = _parse_semver(left), _parse_semver(right)
    if a is None or b is None:
        return (a is not None) - (b is not None)
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    return _compare_prerelease(a[3], b[3])
