"""The smoke run of the benchmark's fleet drift check (benchmarks/run.py --fleet-only): the
inventory plus the deployment_check role over three simulated deployments, next to the floor play
whose role tasks are empty debug tasks. It measures nothing here; it checks that the bench runs
and that the role's tasks send no request when the facts come from the inventory."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_fleet_drift_check_runs_and_the_role_sends_no_request():
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH")
                       or str(REPO / "build"))
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--fleet-only", "--fleet-deployments",
                             "3", "--rounds", "1", "--uri-rounds", "0", "--latency-ms", "0"],
                            cwd=REPO, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    fleet = json.loads(result.stdout.strip().splitlines()[-1])
    # The inventory reads every endpoint of each deployment once; the role's tasks add nothing.
    assert fleet["inventory_requests"] == 3 * 9
    assert fleet["role_requests"] == [0]
    samples = dict((job, runs["3"][0]) for job, runs in fleet["samples"].items())
    assert sorted(samples) == ["fleet_floor", "fleet_inventory", "fleet_role"]
    assert samples["fleet_role"]["requests"] == {"total": 27, "per_deployment": [9], "repeated_endpoints": []}
    assert samples["fleet_floor"]["requests"]["total"] == 0
    targets = dict((target["name"], target) for target in fleet["targets"])
    assert targets["fleet drift at N=3: requests of the role's tasks"]["met"] is True
    assert targets["fleet drift at N=3: (inventory+role - inventory) / floor"]["measured"] > 0
