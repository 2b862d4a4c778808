"""Command line: run simulated Coder deployments until SIGTERM/SIGINT.

    coder-sim [--host 127.0.0.1] [--port 0] [--state FILE.yml] [--tls]
        [--latency-ms N] [--deployments N] [--url-file F]

(``python -m coder_sim`` runs the same.)

Prints each deployment's base URL on its own line (flushed) once listening.
Exit codes: 0 after a clean stop, 2 for bad arguments or a bad state file.
"""

import argparse
import os
import signal
import sys
import tempfile
import uuid

from coder_sim.state import StateError
from coder_sim.server import Simulator

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _parser():
    parser = argparse.ArgumentParser(prog="coder-sim", description="Simulated Coder deployment(s).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    parser.add_argument("--state", help="YAML state file (deployment values, users, faults, ...)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every API answer by N ms")
    parser.add_argument("--deployments", type=int, default=1, help="start N independent deployments")
    parser.add_argument("--url-file", help="also write the URLs to this file (one a line) once listening")
    return parser


def _deployment_id(base, index):
    """Distinct, stable deployment IDs, so a fleet's deployments can be told apart."""
    return base if index == 0 else str(uuid.uuid5(uuid.UUID(base), "coder-sim-%d" % index))


def _write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".coder-sim-urls-")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.replace(temporary, path)


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.deployments < 1:
        parser.error("--deployments must be at least 1")
    if args.deployments > 1 and args.port:
        parser.error("--deployments > 1 needs --port 0 (each deployment gets its own free port)")
    if args.latency_ms < 0:
        parser.error("--latency-ms must be >= 0")

    # Blocked before any thread exists (threads inherit the mask) and then
    # collected with sigwait: a stop request is never lost during start-up and
    # never depends on which thread the kernel delivers it to.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)

    simulators = []
    try:
        for index in range(args.deployments):
            simulator = Simulator(state=args.state, tls=args.tls, host=args.host, port=args.port,
                                  latency_ms=args.latency_ms)
            if index:
                simulator.set_state({"deployment_id": _deployment_id(simulator.state["deployment_id"], index)})
            simulators.append(simulator)
    except StateError as exc:
        print("coder-sim: error: %s" % exc, file=sys.stderr)
        return 2

    try:
        urls = [simulator.start().url for simulator in simulators]
    except OSError as exc:
        print("coder-sim: error: cannot listen on %s:%d: %s" % (args.host, args.port, exc.strerror or exc),
              file=sys.stderr)
        return 2
    if args.tls:
        print("coder-sim: CA certificate: %s" % simulators[0].ca_path, file=sys.stderr, flush=True)
    if args.url_file:
        _write_atomically(args.url_file, "".join(url + "\n" for url in urls))
    print("\n".join(urls), flush=True)
    try:
        signal.sigwait(_STOP_SIGNALS)
    finally:
        for simulator in simulators:
            simulator.stop()
    return 0
