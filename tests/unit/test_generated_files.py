# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every committed generated file is what its generator writes today ("nox -s generate")."""

import importlib.util
import json
from pathlib import Path

import coder_sim
import pytest

from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import SCHEMA

REPO = Path(__file__).resolve().parents[2]
# The option catalog is generated from the extract of Coder's options that the simulator serves.
OPTIONS_EXTRACT = Path(coder_sim.__file__).resolve().parent / 'data' / 'options.json'


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, str(REPO / 'tools' / (name + '.py')))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_files():
    files = dict(load_tool('export_schema').generated_files(SCHEMA))
    catalog = load_tool('gen_option_catalog')
    files['plugins/module_utils/_option_catalog.py'] = catalog.render(
        json.loads(OPTIONS_EXTRACT.read_text(encoding='utf-8')),
        json.loads((OPTIONS_EXTRACT.parent / 'releases.json').read_text(encoding='utf-8')))
    return files


@pytest.mark.parametrize('name, content', sorted(expected_files().items()))
def test_the_generated_file_is_current(name, content):
    assert (REPO / name).read_text(encoding='utf-8') == content, '%s is stale: run "nox -s generate"' % name
