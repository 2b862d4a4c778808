"""The floor: every General GET endpoint of every deployment, fetched concurrently with requests.

    python benchmarks/floor.py --url-file URLS --secrets SECRETS.json [--workers 32]

URLS lists one deployment base URL a line; SECRETS.json is {"coder_token": "..."} (the file
benchmarks/run.py also hands to ansible-playbook with -e @, so the token never appears on a
command line). Each answer is decoded as JSON, as the other jobs do. Prints one JSON line:
{"requests": n, "seconds": s} (seconds without the interpreter start-up, which the caller's
clock includes). Exits 1 with one line on the first failed request.
"""

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

ENDPOINTS = (
    "/",
    "/buildinfo",
    "/deployment/config",
    "/deployment/ssh",
    "/deployment/stats",
    "/experiments",
    "/experiments/available",
    "/updatecheck",
    "/users/me/keys/tokens/tokenconfig",
)
TIMEOUT_SECONDS = 30


def fetch_all(base_urls, token, workers):
    # One session per thread: requests does not promise that a Session is thread-safe.
    local = threading.local()
    headers = {"Coder-Session-Token": token}

    def fetch(url):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        answer = session.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        return answer.json()

    urls = [base.rstrip("/") + "/api/v2" + endpoint for base in base_urls for endpoint in ENDPOINTS]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(fetch, urls))
    return len(answers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--url-file", required=True, help="deployment base URLs, one a line")
    parser.add_argument("--secrets", required=True, help='JSON file {"coder_token": "..."}')
    parser.add_argument("--workers", type=int, default=32, help="concurrent requests (default 32)")
    args = parser.parse_args(argv)
    with open(args.url_file) as stream:
        base_urls = stream.read().split()
    with open(args.secrets) as stream:
        token = json.load(stream)["coder_token"]
    started = time.perf_counter()
    try:
        count = fetch_all(base_urls, token, args.workers)
    except (requests.RequestException, ValueError) as exc:
        print("floor: %s" % exc, file=sys.stderr)
        return 1
    print(json.dumps({"requests": count, "seconds": round(time.perf_counter() - started, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
