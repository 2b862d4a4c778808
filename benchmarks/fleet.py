"""The simulated fleet of the benchmark: one ``python -m coder_sim --deployments N`` process.

Its control endpoints (``/__sim/...``, never delayed by the simulated latency and never counted)
clear and read each deployment's request log around every job, and change a deployment's latency
for the jobs that need another one.
"""

import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
CONTROL_TIMEOUT_SECONDS = 30
CONTROL_WORKERS = 16


class FleetError(RuntimeError):
    """The simulator process failed to start or a control request failed."""


class SimulatorFleet:
    """``deployments`` simulated deployments at ``latency_ms``; ``urls`` lists their base URLs."""

    def __init__(self, deployments, latency_ms, python=sys.executable):
        self._workdir = Path(tempfile.mkdtemp(prefix="coder-bench-sim-"))
        self._log_path = self._workdir / "simulator.log"
        url_file = self._workdir / "urls"
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [python, "-m", "coder_sim", "--deployments", str(deployments), "--latency-ms", str(latency_ms),
                 "--url-file", str(url_file)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self._session = requests.Session()
        try:
            self.urls = self._wait_for_urls(url_file, deployments)
        except BaseException:
            self.stop()
            raise

    def _wait_for_urls(self, url_file, deployments):
        # The simulator writes the file atomically once every deployment listens.
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if url_file.exists():
                urls = url_file.read_text().split()
                if len(urls) == deployments:
                    return urls
            if self._process.poll() is not None:
                raise FleetError("the simulator exited with %d: %s" % (self._process.returncode, self._log_tail()))
            time.sleep(0.05)
        raise FleetError("the simulator did not list %d deployments within %ds: %s"
                         % (deployments, START_TIMEOUT_SECONDS, self._log_tail()))

    def _log_tail(self):
        lines = self._log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-5:]) or "no output"

    def stop(self):
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._session.close()
        for path in self._workdir.iterdir():
            path.unlink()
        self._workdir.rmdir()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _control(self, method, url, path, body=None):
        try:
            answer = self._session.request(method, url + path, json=body, timeout=CONTROL_TIMEOUT_SECONDS)
            answer.raise_for_status()
            return answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise FleetError("simulator control %s %s%s failed: %s" % (method, url, path, exc))

    def _each(self, urls, call):
        with ThreadPoolExecutor(max_workers=CONTROL_WORKERS) as pool:
            return list(pool.map(call, urls))

    def reset_requests(self, urls):
        self._each(urls, lambda url: self._control("POST", url, "/__sim/reset"))

    def requests_by_path(self, urls):
        """Per deployment of ``urls``, in order: {path: how many requests it received}."""
        return self._each(urls, lambda url: self._control("GET", url, "/__sim/requests")["by_path"])

    def set_latency(self, urls, latency_ms):
        self._each(urls, lambda url: self._control("POST", url, "/__sim/state", {"latency_ms": latency_ms}))
