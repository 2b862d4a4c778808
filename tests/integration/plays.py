"""Playbook text that several integration tests start from."""

import yaml

# A play on the controller whose coder.coderd modules all connect to the extra vars coder_url
# and coder_token; its tasks follow (indented by four spaces).
CONNECTED_PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/coder.coderd.coderd:
      url: "{{ coder_url }}"
      token: "{{ coder_token }}"
  tasks:
"""


def local_play(name, tasks):
    """A play of ``tasks`` on the controller, without fact gathering, as YAML text."""
    return yaml.safe_dump([{"name": name, "hosts": "localhost", "gather_facts": False, "tasks": tasks}],
                          sort_keys=False, width=1000)
