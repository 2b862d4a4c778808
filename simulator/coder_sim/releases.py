"""Which Coder release the simulator answers like (state key `coder_version`).

The recorded answers are of v2.34.3 (the base). data/releases.json holds the option lists of
v2.10, v2.16, v2.24, v2.29, v2.35 and v2.36 as diffs against it; a version between two of them
takes the option list of the older one. What the General endpoints send besides the config
changes at the first release listed here, read from each release's codersdk/coderd sources.
"""

import functools
import re

from coder_sim.examples import load_data

BASE_LABEL = "v2.34"
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?")

# /buildinfo keys and the first release that sends each (older ones omit them).
BUILDINFO_SINCE = {
    "agent_api_version": (2, 5, 0),
    "upgrade_message": (2, 8, 0),
    "deployment_id": (2, 11, 0),
    "telemetry": (2, 13, 0),
    "provisioner_api_version": (2, 15, 0),
    "webpush_public_key": (2, 21, 0),
}
SSH_HOSTNAME_SUFFIX_SINCE = (2, 22, 0)
# Also back-ported to the v2.3.3 patch.
EXPERIMENTS_AVAILABLE_SINCE = (2, 3, 3)
# Before: tokenconfig answers the deployment-wide maximum for every user.
PER_USER_TOKEN_CONFIG_SINCE = (2, 24, 0)
# Before: an RBAC denial is {"message": "Forbidden."} without a detail.
FORBIDDEN_DETAIL_SINCE = (2, 20, 0)
# Before: --secure-auth-cookie has no start-up default computed from the access URL.
SECURE_COOKIE_DEFAULT_FN_SINCE = (2, 31, 0)
CSP_REPORT_LIMIT_SINCE = (2, 36, 0)
CSP_REPORT_LIMIT = 64 * 1024

# Per option-list label: provisionerd's API version and codersdk.ExperimentsSafe (ExperimentsAll
# before v2.24) as /experiments/available sends it.
_LABEL_FACTS = {
    "v2.10": {"provisioner_api_version": "", "safe_experiments": ["shared-ports"]},
    "v2.16": {"provisioner_api_version": "1.1", "safe_experiments": []},
    "v2.24": {"provisioner_api_version": "1.7", "safe_experiments": []},
    "v2.29": {"provisioner_api_version": "1.12", "safe_experiments": []},
    "v2.34": {"provisioner_api_version": "1.18", "safe_experiments": []},
    "v2.35": {"provisioner_api_version": "1.18", "safe_experiments": ["minimum-implicit-member"]},
    "v2.36": {"provisioner_api_version": "1.18", "safe_experiments": ["minimum-implicit-member"]},
}


def _key(label):
    major, minor = label[1:].split(".")
    return int(major), int(minor)


LABELS = tuple(sorted(_LABEL_FACTS, key=_key))


def parse_version(text):
    """(major, minor, patch) of a Coder version string, or None."""
    match = _VERSION.fullmatch(text or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def label_of(version):
    """The label of the option list a release uses: the newest label not newer than it (v2.10 for older)."""
    chosen = LABELS[0]
    for label in LABELS:
        if _key(label) <= version[:2]:
            chosen = label
    return chosen


class Release(object):
    """What one `coder_version` answers: its option-list label and the behaviour switches."""

    __slots__ = ("version", "label")

    def __init__(self, coder_version):
        self.version = parse_version(coder_version) if coder_version else (2, 34, 3)
        self.label = label_of(self.version)

    def has(self, since):
        return self.version >= since

    @property
    def provisioner_api_version(self):
        return _LABEL_FACTS[self.label]["provisioner_api_version"]

    @property
    def safe_experiments(self):
        return list(_LABEL_FACTS[self.label]["safe_experiments"])


@functools.lru_cache(maxsize=1)
def release_options():
    """{label: diff} of data/releases.json."""
    return load_data("releases.json")["releases"]
