# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""A desired-state document written from a live deployment's facts (coder.coderd.deployment_snapshot).

Pure: the ``coder`` facts go in, the document (data) and its YAML text come out; the action
plugin does the fetching and the file. The text is byte-stable: the same facts always give the
same bytes (sections in a fixed order, settings sorted by key, mappings sorted), so rewriting a
snapshot of an unchanged deployment changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io

import yaml

from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._units import format_go_duration, parse_version
# The drift engine: its words for a check (a mapping using one is read as a check, not a value)
# and its validation of a desired-state document, which every snapshot must pass.
from ansible_collections.coder.coderd.plugins.module_utils._compare import OPERATORS
from ansible_collections.coder.coderd.plugins.module_utils._desired import validate_document
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import CHECK_META_KEYS

# In the order they appear in the document. token_config and update_check are left out on
# purpose: `current: true` goes stale with the next Coder release, and the token lifetime limit
# depends on whose token takes the snapshot.
SECTIONS = ('version', 'experiments', 'ssh', 'config')
VERSION_PINS = ('minor', 'exact', 'major', 'none')
# The fact subset (endpoint) each section is read from.
_SUBSET_OF = {'version': 'build', 'experiments': 'experiments', 'ssh': 'ssh', 'config': 'config'}
# A URL rather than a path: the file may be written anywhere and committed from any machine.
SCHEMA_URL = 'https://raw.githubusercontent.com/coder-coderd/coder.coderd/main/docs/desired-state.schema.json'
# Configured by the operator; '' is an option that got no value at all, 'default' its default.
_CONFIGURED_SOURCES = ('flag', 'env', 'yaml')
_CHECK_WORDS = frozenset(OPERATORS + CHECK_META_KEYS)
_LINE_BREAKS = ('\n', '\r', '\x85', '\u2028', '\u2029')


class Snapshot:
    """The document (plain data, in the order of the text), its YAML text and how much it holds."""

    def __init__(self, document, text, counts):
        self.document = document
        self.text = text
        self.counts = counts


def chosen_sections(include=None, exclude=None, version_pin='minor'):
    """The sections to write, in document order; InputError when none is left."""
    chosen = [section for section in SECTIONS
              if (not include or section in include) and section not in (exclude or ())]
    if version_pin == 'none' and 'version' in chosen:
        chosen.remove('version')
    if not chosen:
        raise InputError('include, exclude and version_pin leave no section to snapshot; sections are %s'
                         % ', '.join(SECTIONS))
    return chosen


def required_subsets(sections):
    """The fact subsets the sections are read from (config with its options list)."""
    return [_SUBSET_OF[section] for section in sections]


def version_constraint(version, pin):
    """The constraint a snapshot writes for ``version`` ('v2.34.3+4653f32') pinned at ``pin``.

    minor: '~2.34' (any 2.34 patch), major: '>=2.34,<3', exact: '==2.34.3'. A prerelease
    ('v2.35.0-rc.1', 'v0.0.0-devel') sorts before its release, so '~2.35' would exclude the
    running version itself: its ranges start at the prerelease instead.
    """
    parts = parse_version(version)
    release = '%(major)d.%(minor)d.%(patch)d' % parts
    if parts['prerelease']:
        release += '-' + parts['prerelease']
    if pin == 'exact':
        return '==' + release
    if pin == 'minor' and not parts['prerelease']:
        return '~%(major)d.%(minor)d' % parts
    lower = release if parts['prerelease'] else '%(major)d.%(minor)d' % parts
    upper = '%d.%d' % (parts['major'], parts['minor'] + 1) if pin == 'minor' else '%d' % (parts['major'] + 1)
    return '>=%s,<%s' % (lower, upper)


def _configured_settings(config, options):
    """{key: (setting, value)} of every option not at its default, one per setting, keyed by env name.

    Deprecated aliases share their setting's value and source; resolving each through the key
    index leads them all to the current option, so the setting appears once, under its env name
    (its flag or JSON path when it has none).
    """
    model = DeploymentConfig.from_facts(config, options)
    found = {}
    for option in options:
        if option.get('value_source') not in _CONFIGURED_SOURCES:
            continue
        setting = model.resolve(option.get('json_path') or option.get('env') or option.get('flag')
                                or option.get('name'))
        key = setting.env or setting.flag or setting.resolved_as
        found.setdefault(key, (setting, _desired_value(setting)))
    return dict((key, found[key]) for key in sorted(found))


def _desired_value(setting):
    """A setting's value in the units a person writes: Go durations, {set: ...} for a secret."""
    if setting.secret:
        # Never a value, only whether it is configured.
        return {'set': bool(setting.set)}
    value = setting.value
    if setting.type == 'duration' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_go_duration(value)
    if isinstance(value, dict) and _CHECK_WORDS.intersection(value):
        # A mapping with a key such as 'set' or 'description' would be read as a check.
        return {'eq': value}
    return value


def _comment(setting):
    name = ' '.join((setting.name or setting.flag or setting.resolved_as).split())
    return name + (' (secret: only whether it is set)' if setting.secret else '')


def take_snapshot(facts, sections, version_pin='minor'):
    """The Snapshot of ``facts`` (the ``coder`` facts, config with options) for the chosen sections."""
    document = {}
    comments = {}
    counts = dict(settings=0, secrets=0, experiments=0, ssh=0)
    for section in sections:
        if section == 'version':
            document['version'] = version_constraint(facts['build']['version'], version_pin)
        elif section == 'experiments':
            document['experiments'] = sorted(facts['experiments']['enabled'])
            counts['experiments'] = len(document['experiments'])
        elif section == 'ssh':
            document['ssh'] = _ssh_section(facts['ssh'])
            counts['ssh'] = len(document['ssh'])
        else:
            settings = _configured_settings(facts['config'], facts['options'])
            document['config'] = dict((key, value) for key, (_setting, value) in settings.items())
            comments = dict((key, _comment(setting)) for key, (setting, _value) in settings.items())
            counts['settings'] = len(settings)
            counts['secrets'] = sum(1 for setting, _value in settings.values() if setting.secret)
    validate_document(document, 'snapshot')
    return Snapshot(document, render(document, comments, facts['url']), counts)


def _ssh_section(ssh):
    # An empty suffix is also what a server older than 2.22 (which has none) reads as: leave it out.
    section = {'hostname_prefix': ssh['hostname_prefix']}
    for key in ('hostname_suffix', 'ssh_config_options'):
        if ssh.get(key):
            section[key] = ssh[key]
    return section


# --- the YAML text -------------------------------------------------------------------------------

def render(document, comments, url):
    """The document as YAML: the $schema line, a header, one line per entry, config entries commented."""
    lines = [
        '# yaml-language-server: $schema=' + SCHEMA_URL,
        '# Desired state of %s, written by coder.coderd.deployment_snapshot.' % url,
        '# Check it with coder.coderd.deployment_assert (desired_file); edit it to what the deployment should be.',
    ]
    for section, value in document.items():
        lines.append('')
        if isinstance(value, dict) and value:
            lines.append(section + ':')
            for key, item in value.items():
                line = '  ' + _entry(key, item)
                if key in comments:
                    line += '  # ' + comments[key]
                lines.append(line)
        else:
            lines.append(_entry(section, value))
    return '\n'.join(lines) + '\n'


if yaml is not None:
    class _Dumper(yaml.SafeDumper):
        """Every value on one line, with no anchors: a trailing comment can follow any entry."""

        def ignore_aliases(self, data):
            return True

        def represent_str(self, data):
            # Plain and single-quoted text folds line breaks over several lines; double quotes escape them.
            style = '"' if any(mark in data for mark in _LINE_BREAKS) else None
            return self.represent_scalar('tag:yaml.org,2002:str', data, style=style)

    _Dumper.add_representer(str, _Dumper.represent_str)


def _entry(key, value):
    """``key: value`` as one line of YAML; mappings and lists in flow style, mapping keys sorted."""
    stream = io.StringIO()
    dumper = _Dumper(stream, default_flow_style=True, width=1 << 30, allow_unicode=True, sort_keys=True)
    try:
        dumper.open()
        node = dumper.represent_data({key: value})
        node.flow_style = False  # the entry itself is a block line; only its value is in flow style
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue().rstrip('\n')
