# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The value model of the deployment health report (``GET /api/v2/debug/health``).

normalize_health() turns the wire report into the ``health`` facts::

    time: "2026-06-20T09:14:07.512874911Z"   # when the server ran the checks, RFC 3339 as sent
    healthy: true                            # Coder's own verdict (an access URL warning fails it)
    severity: warning                        # ok | warning | error: the worst section severity
    coder_version: v2.34.3+4653f32
    sections:                                # every section the server sent, by its wire name
      database:
        severity: warning                    # ok | warning | error
        dismissed: false                     # dismissed in Coder's health settings
        warnings: [{code: EDB02, message: median database ping above threshold}]
        error: null                          # the error text ("EACS03: ...") or null
        codes: [EDB02]                       # the codes of its warnings and its error, sorted
        healthy: true                        # the rest: the section's own details
        reachable: true
        latency: 0.021374906                 # durations in seconds
        threshold: 0.015
      derp: {..., regions: {"999": {..., node_reports: [{..., round_trip_ping: 0.0058, ...}]}},
             netcheck: {udp: false, ipv4: true, region_latency: {"999": 0.041503662}, ...}}
      access_url: {..., access_url, reachable, status_code, healthz_response}
      websocket: {..., healthy, body, code}
      workspace_proxy: {..., healthy, workspace_proxies: {regions: [...]}}
      provisioner_daemons: {..., items: [{provisioner_daemon: {...}, warnings: [...]}]}
    codes: [EDB02, EDERP01, EPD02]           # every section's codes, sorted, each once
    unknown_sections: []                     # sections this collection does not know (newer Coder)
    unknown_codes: []                        # codes this collection does not know (newer Coder)

What it smooths over, release by release: Go field names inside the DERP details (``RegionID``,
``IPv4``) become lower-case snake_case; Go duration strings, millisecond and nanosecond integers
become seconds (``latency_ms``, ``threshold_ms`` and ``round_trip_ping_ms`` go, their seconds stay);
``null`` warnings are ``[]``, an omitted ``error`` is ``null``; v2.10's ``websocket.warnings`` strings
are ``{code, message}`` like everywhere else; ``failing_sections`` (before v2.13) is left out, as
``healthy`` and the severities say the same; before v2.5 there is no severity and none is dismissed,
so a section's severity is ``error`` when it is unhealthy, else ``ok``. Sections a release does not
have (``workspace_proxy`` before v2.5, ``provisioner_daemons`` before v2.7) are absent, never
invented. A section whose check crashed on the server has severity ``""`` on the wire: it is
``error`` here when it carries an error. Values the server may add (a section, a code) are kept
as sent and listed in ``unknown_sections`` / ``unknown_codes``; a field of the wrong type is a
ServerError naming it.

Standard library only, no Ansible imports: it also runs inside modules on remote hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.coder.coderd.plugins.module_utils._errors import ServerError
from ansible_collections.coder.coderd.plugins.module_utils._units import ns_to_seconds, parse_go_duration_ns
from ansible_collections.coder.coderd.plugins.module_utils._values import json_type, snake_case

HEALTH_PATH = '/debug/health'
SEVERITIES = ('ok', 'warning', 'error')
# healthsdk.HealthcheckReport's sections, in wire order.
SECTIONS = ('derp', 'access_url', 'websocket', 'database', 'workspace_proxy', 'provisioner_daemons')
# The names the health settings (dismissed checks) and the timeout's progress give the sections.
SETTING_NAMES = {
    'derp': 'DERP', 'access_url': 'AccessURL', 'websocket': 'Websocket', 'database': 'Database',
    'workspace_proxy': 'WorkspaceProxy', 'provisioner_daemons': 'ProvisionerDaemons',
}
# coderd/healthcheck/health/model.go at Coder v2.36 (EWP03 retired in v2.10; EIF01 belongs to netcheck).
KNOWN_CODES = frozenset((
    'EUNKNOWN', 'EWP01', 'EWP02', 'EWP03', 'EWP04', 'EDB01', 'EDB02', 'EWS01', 'EWS02', 'EWS03',
    'EACS01', 'EACS02', 'EACS03', 'EACS04', 'EDERP01', 'EDERP02', 'EDERP03', 'ESTUN01', 'ESTUN02',
    'EPD01', 'EPD02', 'EPD03', 'EIF01',
))
DOCS_URL = 'https://coder.com/docs/admin/monitoring/health-check#%s'
# health.Errorf writes "<CODE>: <text>"; several EWP04 errors are joined by newlines.
_CODE_PREFIX = re.compile(r'^(E[A-Z]+[0-9]*):\s', re.M)
_WHAT = HEALTH_PATH
# Go field names that snake_case() cannot split into words (IPv4 would become i_pv4).
_GO_NAMES = {
    'IPv4': 'ipv4', 'IPv6': 'ipv6', 'IPv4CanSend': 'ipv4_can_send', 'IPv6CanSend': 'ipv6_can_send',
    'OSHasIPv6': 'os_has_ipv6', 'ICMPv4': 'icmpv4', 'UPnP': 'upnp',
}
_NETCHECK_LATENCIES = ('region_latency', 'region_v4_latency', 'region_v6_latency')


def docs_url(code):
    """The section of Coder's health check documentation about ``code``."""
    return DOCS_URL % (code or 'EUNKNOWN').lower()


def error_codes(text):
    """The codes an ``error`` text starts its lines with."""
    return _CODE_PREFIX.findall(text or '')


def _fail(field, value, expected):
    raise ServerError('unexpected %s response: "%s" is %s, expected %s' % (_WHAT, field, json_type(value), expected))


def _typed(body, key, kind, expected, field, default=None):
    """``body[key]`` checked to be ``kind``; absent or null gives ``default``."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        _fail(field, value, expected)
    return value


def _object(value, field):
    if not isinstance(value, dict):
        _fail(field, value, 'an object')
    return value


def _go_keys(value):
    """A tailscale object (no json tags on the wire) with lower-case snake_case keys, one level deep."""
    return dict((_GO_NAMES.get(key) or snake_case(key), item) for key, item in value.items())


def _seconds_from_text(body, key, field):
    text = _typed(body, key, str, 'a Go duration string', field)
    if not text:
        # "" is what a DERP node that never answered reports as its round trip.
        return None
    try:
        return ns_to_seconds(parse_go_duration_ns(text))
    except ValueError as error:
        raise ServerError('unexpected %s response: "%s": %s' % (_WHAT, field, error))


def _seconds_from(body, key, field, scale):
    """An integer count of ``scale`` units (1 ns, 1e6 for ms) as seconds, or None."""
    number = _typed(body, key, int, 'an integer', field)
    return None if number is None else ns_to_seconds(number * scale)


def _warnings(raw, field):
    """[{code, message}]: null is []; a bare string (v2.10's websocket) is read like an error text."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        _fail(field, raw, 'an array')
    warnings = []
    for index, item in enumerate(raw):
        where = '%s[%d]' % (field, index)
        if isinstance(item, str):
            codes = error_codes(item)
            warnings.append({'code': codes[0] if codes else '', 'message': _CODE_PREFIX.sub('', item, count=1)})
            continue
        item = _object(item, where)
        warnings.append({'code': _typed(item, 'code', str, 'a string', where + '.code', ''),
                         'message': _typed(item, 'message', str, 'a string', where + '.message', '')})
    return warnings


def _base(raw, field, legacy):
    """A report's severity, warnings and error (its BaseReport), with every other key as sent."""
    body = dict(_object(raw, field))
    healthy = _typed(body, 'healthy', bool, 'a boolean', field + '.healthy')
    error = _typed(body, 'error', str, 'a string', field + '.error')
    severity = _typed(body, 'severity', str, 'a string', field + '.severity')
    if severity is None and legacy:
        severity = 'error' if error or healthy is False else 'ok'
    elif not severity:
        # The server's "" of a check that crashed (or a region report without one).
        severity = 'error' if error else 'ok'
    body.update(severity=severity.lower(), error=error,
                warnings=_warnings(body.get('warnings'), field + '.warnings'))
    if healthy is not None:
        body['healthy'] = healthy
    return body


def _section(name, raw, legacy):
    field = name
    section = _base(raw, field, legacy)
    section['dismissed'] = _typed(section, 'dismissed', bool, 'a boolean', field + '.dismissed', False)
    details = _SECTION_DETAILS.get(name)
    if details:
        details(section, field)
    codes = set(warning['code'] for warning in section['warnings'] if warning['code'])
    codes.update(error_codes(section['error']))
    section['codes'] = sorted(codes)
    return section


def _database(section, field):
    section['latency'] = _precise_seconds(section, 'latency', field)
    section['threshold'] = _seconds_from(section, 'threshold_ms', field + '.threshold_ms', 10 ** 6)
    section.pop('threshold_ms', None)


def _derp(section, field):
    regions = _typed(section, 'regions', dict, 'an object', field + '.regions', {})
    section['regions'] = dict((region_id, _derp_region(region, '%s.regions.%s' % (field, region_id)))
                              for region_id, region in regions.items())
    netcheck = _typed(section, 'netcheck', dict, 'an object', field + '.netcheck')
    if netcheck is not None:
        netcheck = _go_keys(netcheck)
        for key in _NETCHECK_LATENCIES:
            latencies = _typed(netcheck, key, dict, 'an object', '%s.netcheck.%s' % (field, key), {})
            netcheck[key] = dict((region_id, _seconds_from(latencies, region_id, '%s.netcheck.%s.%s'
                                                           % (field, key, region_id), 1))
                                 for region_id in latencies)
    section['netcheck'] = netcheck
    section['netcheck_err'] = _typed(section, 'netcheck_err', str, 'a string', field + '.netcheck_err')
    section['netcheck_logs'] = _typed(section, 'netcheck_logs', list, 'an array', field + '.netcheck_logs', [])


def _derp_region(raw, field):
    region = _base(raw, field, False)
    described = _typed(region, 'region', dict, 'an object', field + '.region')
    if described is not None:
        described = _go_keys(described)
        nodes = _typed(described, 'nodes', list, 'an array', field + '.region.Nodes', [])
        described['nodes'] = [_go_keys(_object(node, '%s.region.Nodes[%d]' % (field, index)))
                              for index, node in enumerate(nodes)]
    region['region'] = described
    nodes = _typed(region, 'node_reports', list, 'an array', field + '.node_reports', [])
    region['node_reports'] = [_derp_node(node, '%s.node_reports[%d]' % (field, index))
                              for index, node in enumerate(nodes)]
    return region


def _derp_node(raw, field):
    node = _base(raw, field, False)
    for key in ('node', 'node_info', 'stun'):
        value = _typed(node, key, dict, 'an object', '%s.%s' % (field, key))
        node[key] = None if value is None else _go_keys(value)
    node['round_trip_ping'] = _precise_seconds(node, 'round_trip_ping', field)
    return node


def _precise_seconds(body, key, field):
    """Seconds from ``key`` (a Go duration string), else from ``key_ms``, which then goes; "" is null."""
    rounded = _seconds_from(body, key + '_ms', '%s.%s_ms' % (field, key), 10 ** 6)
    body.pop(key + '_ms', None)
    if body.get(key) is None:
        return rounded
    return _seconds_from_text(body, key, '%s.%s' % (field, key))


def _workspace_proxy(section, field):
    proxies = _typed(section, 'workspace_proxies', dict, 'an object', field + '.workspace_proxies', {})
    regions = _typed(proxies, 'regions', list, 'an array', field + '.workspace_proxies.regions', [])
    section['workspace_proxies'] = dict(proxies, regions=[
        _object(region, '%s.workspace_proxies.regions[%d]' % (field, index)) for index, region in enumerate(regions)])


def _provisioner_daemons(section, field):
    items = _typed(section, 'items', list, 'an array', field + '.items', [])
    normalized = []
    for index, item in enumerate(items):
        where = '%s.items[%d]' % (field, index)
        item = dict(_object(item, where))
        item['warnings'] = _warnings(item.get('warnings'), where + '.warnings')
        normalized.append(item)
    section['items'] = normalized


_SECTION_DETAILS = {
    'database': _database,
    'derp': _derp,
    'workspace_proxy': _workspace_proxy,
    'provisioner_daemons': _provisioner_daemons,
}
_TOP_LEVEL = ('time', 'healthy', 'severity', 'failing_sections', 'coder_version')


def normalize_health(raw):
    """The health facts of a ``/debug/health`` report (the layout is in this module's docstring)."""
    if not isinstance(raw, dict):
        raise ServerError('unexpected %s response: expected a JSON object, got %s' % (_WHAT, json_type(raw)))
    body = raw
    for required, kind, expected in (('time', str, 'a string'), ('healthy', bool, 'a boolean')):
        if required not in body:
            raise ServerError('unexpected %s response: "%s" is missing' % (_WHAT, required))
        if _typed(body, required, kind, expected, required) is None:
            _fail(required, None, expected)
    severity = _typed(body, 'severity', str, 'a string', 'severity')
    _typed(body, 'failing_sections', list, 'an array', 'failing_sections')
    # Before v2.5 a report has no severity anywhere: sections are then read by their healthy flag.
    legacy = 'severity' not in body
    sections, unknown_sections = {}, []
    for name, value in body.items():
        if name in _TOP_LEVEL:
            continue
        if name in SECTIONS:
            sections[name] = _section(name, value, legacy)
        elif isinstance(value, dict) and 'severity' in value:
            # A section of a newer release: kept as sent, its severity and warnings read as any other's.
            sections[name] = _section(name, value, legacy)
            unknown_sections.append(name)
    if not severity:
        ranks = [SEVERITIES.index(section['severity']) for section in sections.values()
                 if section['severity'] in SEVERITIES]
        severity = SEVERITIES[max(ranks)] if ranks else ('ok' if body['healthy'] else 'error')
    codes = sorted(set(code for section in sections.values() for code in section['codes']))
    return {
        'time': body['time'],
        'healthy': body['healthy'],
        'severity': severity.lower(),
        'coder_version': _typed(body, 'coder_version', str, 'a string', 'coder_version', ''),
        'sections': sections,
        'codes': codes,
        'unknown_sections': sorted(unknown_sections),
        'unknown_codes': [code for code in codes if code not in KNOWN_CODES],
    }


def unknown_parts(health):
    """What of ``health`` this collection does not know, in words for a warning; '' when nothing."""
    parts = []
    if health['unknown_sections']:
        parts.append('sections %s' % ', '.join(health['unknown_sections']))
    if health['unknown_codes']:
        parts.append('codes %s' % ', '.join(health['unknown_codes']))
    return ' and '.join(parts)
