"""Every field a normalizer reads is checked at the boundary: a wrong-typed one is a ServerError.

Each recorded answer gets, in turn, each of its fields (nested ones too) replaced with values of
other JSON types: every one of WRONG_TYPES for the small answers; for the deployment config, whose
normalizing costs most, null and one of the others in turn. The normalizer must read it or refuse it with a ServerError; any other
exception would be a bug of ours reported as a server problem, or a server problem as a bug.
"""

import copy

import pytest
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils import _health, _values
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig
from ansible_collections.coder.coderd.plugins.module_utils._errors import ServerError

WRONG_TYPES = (None, True, 7, -1, 1.5, 'x', '', [], {}, ['x'], [7], {'a': 1})
MAX_DEPTH = 4
# Enough items of a list to reach every shape of item without mutating hundreds of alike ones.
ITEMS_PER_LIST = 3


def _paths(value, depth=0):
    """The paths (tuples of keys and indexes) of the fields of ``value``, at most MAX_DEPTH deep."""
    if depth >= MAX_DEPTH:
        return
    entries = value.items() if isinstance(value, dict) else \
        enumerate(value[:ITEMS_PER_LIST]) if isinstance(value, list) else ()
    for key, item in entries:
        yield (key,)
        for rest in _paths(item, depth + 1):
            yield (key,) + rest


def _replaced(answer, path, new):
    changed = copy.deepcopy(answer)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return changed


def _every_type(path_number):
    return WRONG_TYPES


def _null_and_one_more(path_number):
    return (None, WRONG_TYPES[1 + path_number % (len(WRONG_TYPES) - 1)])


ENDPOINTS = (
    ('buildinfo.json', _values.normalize_build_info, _every_type),
    ('deployment-ssh.json', _values.normalize_ssh, _every_type),
    ('deployment-stats.json', _values.normalize_stats, _every_type),
    ('updatecheck.json', _values.normalize_update_check, _every_type),
    ('root.json', _values.normalize_api_root, _every_type),
    ('tokenconfig.json', _values.normalize_token_config, _every_type),
    ('experiments-available.json', _values.available_experiments, _every_type),
    ('experiments.json', lambda raw: _values.normalize_experiments(raw, load('experiments-available.json')),
     _every_type),
    ('deployment-config.json', DeploymentConfig, _null_and_one_more),
    ('health-warnings.json', _health.normalize_health, _every_type),
    ('health-error.json', _health.normalize_health, _every_type),
    ('health-legacy-v2.10-healthy.json', _health.normalize_health, _every_type),
)


@pytest.mark.parametrize('name, normalize, wrong_types', ENDPOINTS, ids=[endpoint[0] for endpoint in ENDPOINTS])
def test_a_wrong_typed_field_is_a_server_error(name, normalize, wrong_types):
    answer = load(name)
    unchecked = []
    for number, path in enumerate([()] + list(_paths(answer))):
        for new in WRONG_TYPES if not path else wrong_types(number):
            hostile = new if not path else _replaced(answer, path, new)
            try:
                normalize(hostile)
            except ServerError:
                pass
            except Exception as exc:  # pylint: disable=broad-except
                unchecked.append('%s = %r: %s: %s' % ('.'.join(map(str, path)), new, type(exc).__name__, exc))
    assert not unchecked, '%d unchecked:\n%s' % (len(unchecked), '\n'.join(unchecked[:40]))
