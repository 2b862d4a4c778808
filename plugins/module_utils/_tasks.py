# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""What each module does, written once; the module and action adapters only call ``run_task``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.coder.coderd.plugins.module_utils import _health_settings
from ansible_collections.coder.coderd.plugins.module_utils._api import HEALTH_TIMEOUT, Deployment, expand_subsets, gather
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient
from ansible_collections.coder.coderd.plugins.module_utils._connection import CONNECTION_ARGSPEC, ConnectionOptions
from ansible_collections.coder.coderd.plugins.module_utils._errors import reportable
from ansible_collections.coder.coderd.plugins.module_utils._wait import wait_for_deployment

PROCESSING_TIMEOUT = dict(type='float', default=30.0)


def _api_root(deployment, params, check_mode):
    return dict(api_root=deployment.api_root())


def _build_info(deployment, params, check_mode):
    return dict(build=deployment.build())


def _deployment_config(deployment, params, check_mode):
    model = deployment.config_model()
    if params.get('keys'):
        settings = [model.resolve(key) for key in params['keys']]
        result = dict(selected=dict((key, setting.value) for key, setting in zip(params['keys'], settings)),
                      settings=[setting._asdict() for setting in settings])
    else:
        result = dict(config=model.config)
    if params.get('include_options'):
        result['options'] = model.options
    return result


def _ssh(deployment, params, check_mode):
    return dict(ssh=deployment.ssh())


def _stats(deployment, params, check_mode):
    return dict(stats=deployment.stats(params['processing_timeout']))


def _experiments(deployment, params, check_mode):
    return dict(experiments=deployment.experiments())


def _update_check(deployment, params, check_mode):
    return dict(update_check=deployment.update_check())


def _token_config(deployment, params, check_mode):
    return dict(token_config=deployment.token_config(params['user']))


def _health(deployment, params, check_mode):
    return dict(health=deployment.health(params['force'], params['health_timeout']))


def _csp_report(deployment, params, check_mode):
    if check_mode:
        return dict(changed=True, sent=False)
    answer = deployment.client.post('/csp/reports', {'csp-report': params['report']})
    return dict(changed=True, sent=True, response=answer)


def _health_settings_task(deployment, params, check_mode):
    return _health_settings.apply(deployment, params['dismissed'], check_mode)


def _deployment_info(deployment, params, check_mode):
    gathered = gather(deployment, expand_subsets(params['gather_subset']), user=params['user'],
                      include_options=params['include_options'], processing_timeout=params['processing_timeout'])
    # Partial facts need a deployment that answered: one that did not is no fact about it.
    if gathered.failures and (params['on_error'] == 'fail' or not gathered.reachable()):
        raise gathered.error()
    facts = gathered.facts
    if params['on_error'] == 'partial':
        facts['errors'] = gathered.causes()
        if gathered.failures:
            deployment.client.warn('%s; the facts lack %s (on_error: partial, see ansible_facts.coder.errors)'
                                   % (gathered.error(), ', '.join(gathered.failures)))
    return dict(ansible_facts=dict(coder=facts))


def _wait_for(deployment, params, check_mode):
    return wait_for_deployment(deployment.client.settings, params['wait_timeout'], params['sleep'], params['version'])


class TaskSpec:
    """One module: its own options (besides the connection ones) and what it does."""

    def __init__(self, run, options=None):
        self.run = run
        self.options = options or {}

    @property
    def argument_spec(self):
        spec = dict(CONNECTION_ARGSPEC)
        spec.update(self.options)
        return spec


TASKS = {
    'api_root_info': TaskSpec(_api_root),
    'build_info': TaskSpec(_build_info),
    'deployment_config_info': TaskSpec(_deployment_config, dict(
        keys=dict(type='list', elements='str', no_log=False),
        include_options=dict(type='bool', default=False))),
    'deployment_ssh_info': TaskSpec(_ssh),
    'deployment_stats_info': TaskSpec(_stats, dict(processing_timeout=PROCESSING_TIMEOUT)),
    'experiments_info': TaskSpec(_experiments),
    'update_check_info': TaskSpec(_update_check),
    'token_config_info': TaskSpec(_token_config, dict(user=dict(type='str', default='me'))),
    'health_info': TaskSpec(_health, dict(
        force=dict(type='bool', default=False),
        health_timeout=dict(type='float', default=HEALTH_TIMEOUT))),
    'csp_report': TaskSpec(_csp_report, dict(report=dict(type='dict', required=True))),
    'health_settings': TaskSpec(_health_settings_task, dict(
        dismissed=dict(type='list', elements='str', required=True, aliases=['dismissed_healthchecks']))),
    'deployment_info': TaskSpec(_deployment_info, dict(
        gather_subset=dict(type='list', elements='str', default=['all']),
        user=dict(type='str', default='me'),
        include_options=dict(type='bool', default=False),
        processing_timeout=PROCESSING_TIMEOUT,
        on_error=dict(type='str', default='fail', choices=['fail', 'partial']))),
    'wait_for': TaskSpec(_wait_for, dict(
        wait_timeout=dict(type='float', default=300.0),
        sleep=dict(type='float', default=2.0),
        version=dict(type='str'))),
}


def argument_error(text):
    """An argument validation message of Ansible without the Python class reprs it embeds.

    ``<class 'ansible...._AnsibleTaggedStr'> cannot be converted to a float`` says ``str``.
    """
    return re.sub(r"<class '(?:[\w.]+\.)?_?(?:AnsibleTagged)?(\w+)'>", lambda match: match.group(1).lower(), text)


def connect(params, warn, environ=None):
    """A client for the deployment the connection options name (one per task)."""
    return CoderClient(ConnectionOptions.from_params(params, environ).settings(), warn=warn)


def run_task(name, params, warn, check_mode=False, environ=None):
    """Run module ``name``; raises a CoderdError whose text is the one-line failure."""
    spec = TASKS[name]
    with connect(params, warn, environ) as client:
        try:
            result = spec.run(Deployment(client), params, check_mode)
        except Exception as exc:  # pylint: disable=broad-except
            # Here the client knows the credentials to hide from a bug's message and traceback.
            raise reportable(exc, hide=client.hide)
    result.setdefault('changed', False)
    return result
