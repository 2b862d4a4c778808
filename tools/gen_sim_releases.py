#!/usr/bin/env python
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate simulator/coder_sim/data/releases.json: the option lists of other Coder releases.

Usage: gen_sim_releases.py VERSIONS_DIR OUT_JSON

VERSIONS_DIR holds options-<label>.json and config-paths-<label>.json extracts of (*DeploymentValues).Options() (same format as
the simulator's data/options.json) for each release label and for the base release v2.34.3 the
simulator's recorded answers come from. Each release is stored as a diff against the base: the
option order as flags, and per option only the fields that differ (or the whole option when the
base has no such flag), so six releases cost a few kilobytes instead of six full copies.
"""

import argparse
import json
import os
import re

BASE = 'v2.34.3'
LABELS = ('v2.10', 'v2.16', 'v2.24', 'v2.29', 'v2.35', 'v2.36')
# The fields of an option that change what the server answers (the texts come from the base).
COMPARED = ('name', 'flag_shorthand', 'env', 'yaml_key', 'yaml_path', 'default', 'type', 'config_json_path', 'secret',
            'hidden', 'use_instead')
NEW_OPTION = COMPARED + ('flag', 'group', 'annotations', 'description')


def load(directory, label, kind='options'):
    with open(os.path.join(directory, '%s-%s.json' % (kind, label)), encoding='utf-8') as handle:
        return json.load(handle)


def enum_choices(option_type):
    match = re.fullmatch(r'enum\[(.*)\]', option_type)
    return match.group(1).split('\\|') if match else None


def release_diff(base, document, config_paths):
    by_flag = {option['flag']: option for option in base['options']}
    paths = {entry['path']: entry for entry in config_paths['paths']}
    order, changed, added = [], {}, {}
    for option in document['options']:
        flag = option['flag']
        order.append(flag)
        known = by_flag.get(flag)
        if known is None:
            record = {key: option.get(key) for key in NEW_OPTION}
            if enum_choices(option['type']):
                record['enum_choices'] = enum_choices(option['type'])
            added[flag] = record
        else:
            record = {key: option.get(key) for key in COMPARED if option.get(key) != known.get(key)}
            if not record:
                continue
            changed[flag] = record
        if 'config_json_path' in record:
            # Go's omitempty of a field the base's recorded answer cannot show.
            record['omitempty'] = paths[record['config_json_path']]['omitempty']
    option_paths = {option['config_json_path'] for option in document['options']}
    # Config leaves no option writes (e.g. telemetry.trace): part of the layout all the same.
    extra_paths = sorted(path for path, entry in paths.items() if entry['kind'] == 'leaf' and path not in option_paths)
    return {'commit': document['commit'], 'what': document['what'], 'order': order, 'changed': changed,
            'added': added, 'extra_paths': extra_paths}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('versions', help='directory of options-<label>.json files')
    parser.add_argument('output', help='path of the releases.json to write')
    args = parser.parse_args(argv)
    base = load(args.versions, BASE)
    data = {
        'note': 'Option lists of Coder releases other than %s, each a diff against it (see '
                'tools/gen_sim_releases.py). order: the flags in OptionSet order; changed: per flag, the '
                'fields that differ; added: options the base does not have.' % BASE,
        'base': BASE,
        'releases': {label: release_diff(base, load(args.versions, label), load(args.versions, label, 'config-paths')) for label in LABELS},
    }
    with open(args.output, 'w', encoding='utf-8', newline='\n') as handle:
        json.dump(data, handle, indent=0, sort_keys=True)
        handle.write('\n')
    print('wrote %s (%d bytes)' % (args.output, os.path.getsize(args.output)))


if __name__ == '__main__':
    main()
