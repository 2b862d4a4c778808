#!/usr/bin/env python
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the desired-state JSON Schema that the drift engine ships to docs/desired-state.schema.json.

Usage: export_schema.py [OUT_JSON]   (default: docs/desired-state.schema.json of this checkout)

The schema lives as Python data in plugins/module_utils/_desired_schema.py, so that the engine
needs no data file at run time; this export is for editors (YAML language servers) and other
tools. A unit test fails when the export is stale.
"""

import json
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def render(schema):
    return json.dumps(schema, indent=2, ensure_ascii=False) + '\n'


def load_schema():
    # The collection imports itself as ansible_collections.coder.coderd: give it that layout.
    with tempfile.TemporaryDirectory(prefix='coder-schema-') as layout:
        namespace = os.path.join(layout, 'ansible_collections', 'coder')
        os.makedirs(namespace)
        os.symlink(REPO, os.path.join(namespace, 'coderd'))
        sys.path.insert(0, layout)
        try:
            from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import SCHEMA
        finally:
            sys.path.remove(layout)
    return SCHEMA


def main(argv):
    if len(argv) > 2:
        sys.exit(__doc__)
    target = argv[1] if len(argv) == 2 else os.path.join(REPO, 'docs', 'desired-state.schema.json')
    with open(target, 'w', encoding='utf-8') as stream:
        stream.write(render(load_schema()))
    print('wrote %s' % target)


if __name__ == '__main__':
    main(sys.argv)
