"""What the reliability tests share: canary secrets, the faults, the plugins, the checks, the tally.

Every case is one plugin against one fault, on a simulator of its own (so that its request
count and its ``leaks`` belong to that case alone). The cases of one plugin type run in one
ansible-playbook: one host per fault, ``strategy: free`` and a fork per host, so the slowest
fault sets the pace instead of the sum of all of them.
"""

import datetime
import json
import secrets
import string
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core_output import messages

HERE = Path(__file__).resolve().parent
INTEGRATION = HERE.parent
CONNECTION_PLUGINS = str(INTEGRATION / "connection_plugins")

# Case-sensitive: Ansible's own result key "exception" (lower case) is no traceback. A bad input
# reported as a bug of ours hides the cause as a traceback would.
TRACEBACK_MARKERS = ("Traceback", "Exception", "<class", "bug in coder.coderd")
# Delay a loaded 2-core machine may add to a case. Every fault that would hang were its bound
# ignored overruns that bound by far more (a 120 s silence, a 100 s body, Retry-After 60 s,
# stats that never finish), so a case over its budget plus SLACK is a hang, not a slow machine.
SLACK = 20.0
PROCESSING_TIMEOUT = 2.0
MODULES_PER_REMOTE_HOST = 4
# Most hosts spend their time waiting (timeouts, back-off, Retry-After), so a few forks keep the
# pace; more only starve whatever else runs on the machine (other xdist workers' timing tests).
MAX_FORKS = 8
# Room for the three polls a 503 burst of two takes, however slow a loaded machine makes each one.
WAIT_TIMEOUT = 5.0
WAIT_SLEEP = 0.5
CANARY_HEADER = "X-Canary-Auth"
# Checks that hold on a healthy simulator and read six of the endpoints.
DESIRED = {
    "version": ">=2.0.0",
    "config": {"CODER_ACCESS_URL": "https://coder.example.com"},
    "ssh": {"hostname_prefix": "coder."},
    "experiments": {"exclude": ["no-such-experiment"]},
    "update_check": {"current": True},
    "token_config": {"max_token_lifetime": {"le": "876600h"}},
}


# --- the canary ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Canary:
    """Credentials unique to this test session: none of them may appear in anything written."""

    token: str
    header_value: str
    cert_path: Path
    key_path: Path

    @property
    def headers(self):
        return {CANARY_HEADER: self.header_value}

    def state(self, **more):
        """Simulator state whose only user is an owner holding the canary token."""
        return dict(users=[{"username": "canary", "roles": ["owner"], "token": self.token}], **more)

    def connection_vars(self):
        """The ``ansible_coder_*`` variables every plugin type reads: token, headers, client certificate."""
        return {"ansible_coder_token": self.token, "ansible_coder_headers": self.headers,
                "ansible_coder_client_cert": str(self.cert_path), "ansible_coder_client_key": str(self.key_path)}

    def needles(self):
        """(what, text) pairs to look for; the secret half of the token alone is a leak too."""
        yield "token", self.token
        yield "token secret", self.token.split("-", 1)[1]
        yield "header value", self.header_value
        for line in self.key_path.read_text().splitlines():
            if not line.startswith("-----"):
                yield "client key", line


def _random(length):
    alphabet = string.ascii_letters + string.digits
    return "".join(map(secrets.choice, [alphabet] * length))


def make_canary(directory):
    """A canary token (Coder's <10>-<22> shape), header value and client certificate with its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coder.coderd reliability client")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "client.pem", directory / "client.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Canary("Cnry" + _random(6) + "-" + _random(22), "canary-header-" + _random(24), cert_path, key_path)


# --- the tally -------------------------------------------------------------------------------

class Tally:
    """The counts behind the suite's summary line, filled in by the tests as they check."""

    def __init__(self):
        self.faults_tried = 0
        self.plugin_types = set()
        self.clean_errors = 0
        self.tracebacks = 0
        self.token_leaks = 0
        self.hangs = 0

    def summary(self):
        return ("reliability: faults tried %d, plugin types covered %d, clean errors %d, tracebacks %d, "
                "token leaks %d, hangs %d" % (self.faults_tried, len(self.plugin_types), self.clean_errors,
                                              self.tracebacks, self.token_leaks, self.hangs))

    @property
    def broken(self):
        return self.tracebacks + self.token_leaks + self.hangs > 0

    @property
    def ran(self):
        return bool(self.faults_tried or self.broken)

    def counts(self):
        """The counts as plain data, to travel from an xdist worker to the controller."""
        return dict(faults_tried=self.faults_tried, plugin_types=sorted(self.plugin_types),
                    clean_errors=self.clean_errors, tracebacks=self.tracebacks, token_leaks=self.token_leaks,
                    hangs=self.hangs)

    def add(self, counts):
        self.plugin_types.update(counts["plugin_types"])
        for name in ("faults_tried", "clean_errors", "tracebacks", "token_leaks", "hangs"):
            setattr(self, name, getattr(self, name) + counts[name])

    def tried(self, plugin_id):
        """Count one case (a fault, a wrong input, an injection) of the plugin ``plugin_id``."""
        self.faults_tried += 1
        self.plugin_types.add(plugin_id)

    def scan(self, canary, where, texts, tracebacks_asked_for=False):
        """Problems (and counts) of canary secrets and traceback markers in ``texts`` (name -> text)."""
        problems = []
        for name, text in texts.items():
            for what, needle in canary.needles():
                if needle in text:
                    self.token_leaks += 1
                    problems.append("%s: the canary %s appears in %s" % (where, what, name))
            for marker in () if tracebacks_asked_for else TRACEBACK_MARKERS:
                at = text.find(marker)
                if at >= 0:
                    self.tracebacks += 1
                    problems.append("%s: %r in %s: ...%s..." % (where, marker, name, text[max(0, at - 120):at + 80]))
        return problems

    def error_line(self, where, message, *words):
        """Problems of an error message that must be one line naming ``words``; a clean one is counted."""
        problems = []
        if not isinstance(message, str) or not message:
            return ["%s: no error message: %r" % (where, message)]
        if "\n" in message:
            problems.append("%s: the error is not one line: %r" % (where, message))
        problems += ["%s: %r missing from the error: %s" % (where, word, message) for word in words
                     if word.lower() not in message.lower()]
        for marker in TRACEBACK_MARKERS:
            if marker in message:
                self.tracebacks += 1
                problems.append("%s: %r in the error: %s" % (where, marker, message))
        if not problems:
            self.clean_errors += 1
        return problems

    def timing(self, where, seconds, budget, at_least=0.0):
        """Problems of a case that took ``seconds``: over ``budget`` + SLACK is a hang."""
        if seconds is None:
            return ["%s: no duration was recorded" % where]
        if seconds > budget + SLACK:
            self.hangs += 1
            return ["%s: took %.1fs, the options allow %.1fs (+%gs slack)" % (where, seconds, budget, SLACK)]
        if seconds < at_least:
            return ["%s: took %.2fs, but must wait at least %gs" % (where, seconds, at_least)]
        return []

    def leaks(self, where, simulator):
        if simulator is None or not simulator.leaks:
            return []
        self.token_leaks += len(simulator.leaks)
        return ["%s: the redirect target received %d token(s)" % (where, len(simulator.leaks))]


# --- faults and plugins ------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    """What the user of one plugin sees under one fault: success, or one error line holding
    ``words``; the warnings; the time (at most ``budget`` + SLACK, at least ``at_least``)."""

    succeeds: bool
    words: tuple = ()
    warnings: tuple = ()
    budget: float = 0.0
    at_least: float = 0.0
    requests: int = None        # requests the deployment gets in all, for a plugin that reads once


@dataclass(frozen=True)
class Fault:
    """One way the network or the server misbehaves, the connection options to meet it with, and
    what a user who reads the endpoint with a GET then sees: the documented behaviour (the
    troubleshooting guide, the option docs), not how the client brings it about. Where a POST
    sees something else, ``post`` says what; wait_for, which polls, follows its own rules."""

    name: str
    sim_faults: tuple = ()      # simulator faults; none and no ``url``: a healthy simulator
    url: str = None             # a URL without simulator (nothing listens, or it does not resolve)
    tls: bool = False           # the simulator speaks HTTPS with its self-signed certificate
    state: tuple = ()           # more (key, value) simulator state, such as an upgrade_message
    host_vars: tuple = ()       # more (name, value) host variables, such as ansible_coder_ca_path
    timeout: float = 5.0
    retries: int = 1
    # What a GET sees:
    cause: tuple = ()           # words of its one error line; none: it succeeds
    retried: bool = False       # it tries again, saying so in a "retrying" warning
    gave_up: str = None         # words its error line adds when no retry helped
    warning: str = None         # words of a warning besides "retrying"
    budget: float = 0.0         # seconds the options allow on top of instant answers
    waits: float = 0.0          # it waits at least this long first (a Retry-After)
    requests: int = None        # requests it makes in all; None where the documentation leaves it open
    post: Expect = None         # what the POST of csp_report sees instead
    # Who meets it:
    stats_only: bool = False    # only plugins that read /deployment/stats
    spares_raw: bool = False    # not the plugins that return the answer as it is: they succeed
    module_path: tuple = ()     # the modules also run through the module on a "remote" host

    def via_module(self, plugin):
        return plugin.module_path and (self.module_path is ALL_MODULES or plugin.name in self.module_path)

    @property
    def recovers(self):
        return not self.cause

    def seen_by_a_get(self):
        warnings = (("retrying",) if self.retried else ()) + ((self.warning,) if self.warning else ())
        return Expect(succeeds=self.recovers, words=self.cause + ((self.gave_up,) if self.gave_up else ()),
                      warnings=warnings, budget=self.budget, at_least=self.waits, requests=self.requests)

    def seen_by_wait_for(self):
        """wait_for polls until the deployment answers: the next poll is its retry (``retries`` does
        not apply), and it fails naming wait_timeout and the last problem once that much time has
        passed, at most about a second later."""
        if self.recovers:
            return Expect(succeeds=True, warnings=(self.warning,) if self.warning else (), budget=WAIT_TIMEOUT)
        return Expect(succeeds=False, words=self.cause + ("wait_timeout",), budget=WAIT_TIMEOUT + 1.0,
                      at_least=WAIT_TIMEOUT)


ALL_MODULES = ("*",)


def fault_catalog(refused_url):
    """The faults, ``refused_url`` being where connections are refused (the ``refused_url``
    fixture). The module path costs a module start per case: it runs every module where retries,
    warnings and failures pass through it, and the redirect for a GET and the POST."""
    gave_up_once = "gave up after 1 retry"
    no_answer = ("within ", "s (timeout)")
    # A POST is not repeated once the server may have acted on it (no answer, a 5xx).
    post_503 = Expect(succeeds=False, words=("HTTP 503: Service Unavailable",), requests=1)
    return (
        # Nothing reached the server: any request is tried again, a POST too.
        Fault("connection_refused", url=refused_url, cause=("cannot connect: connection refused",), retried=True,
              gave_up=gave_up_once),
        Fault("dns_failure", url="https://coder.invalid", cause=("cannot connect: host name does not resolve",),
              retried=True, gave_up=gave_up_once),
        # No answer for two minutes: each try waits its timeout, connecting or waiting for the
        # answer, whichever a loaded machine makes run out first.
        Fault("timeout", ({"kind": "latency", "ms": 120000},), timeout=0.5, cause=no_answer, retried=True,
              gave_up=gave_up_once, budget=1.0, post=Expect(succeeds=False, words=no_answer, budget=0.5)),
        # A byte every 200 ms, 100 s in all: the timeout bounds the whole body (or, on a loaded
        # machine, the wait between two bytes).
        Fault("slow_body", ({"kind": "slow_body", "interval_ms": 200},), timeout=0.5,
              cause=("HTTP 200 answer", "(timeout)"), budget=0.7),
        Fault("reset_mid_body", ({"kind": "reset_mid_body"},), cause=("answer broke off", "closed by the server")),
        # A 503 burst shorter than the retries is ridden out.
        Fault("burst_then_success", ({"kind": "status", "status": 503, "count": 2},), retries=3, retried=True,
              budget=1.0, requests=3, post=post_503),
        Fault("persistent_5xx", ({"kind": "status", "status": 503},), retries=2,
              cause=("HTTP 503: Service Unavailable",), retried=True, gave_up="gave up after 2 retries", budget=1.0,
              requests=3, post=post_503, module_path=ALL_MODULES),
        # The server turned the request away before doing anything: its Retry-After is waited
        # for, and any request tried again, a POST too.
        Fault("rate_limited_briefly", ({"kind": "rate_limit", "seconds": 1, "count": 1},), retried=True,
              budget=1.0, waits=1.0, requests=2),
        # Coder's own 429 (Retry-After 60, a message naming the limit), longer than the timeout:
        # fails at once, naming the rate limit.
        Fault("rate_limited_too_long", ({"kind": "rate_limit", "seconds": 60},), retries=3,
              cause=("HTTP 429", "rate limited for sending more than", "Retry-After 60s", "not waited for"),
              requests=1),
        # A proxy's page: a 502 is tried again, its text shown.
        Fault("html_502", ({"kind": "html_502"},), cause=("HTTP 502 (text/html)", "Bad Gateway"), retried=True,
              gave_up=gave_up_once, requests=2,
              post=Expect(succeeds=False, words=("HTTP 502 (text/html)", "Bad Gateway"), requests=1)),
        # Invalid JSON fails at once.
        Fault("truncated_json", ({"kind": "truncated_json"},), cause=("not valid JSON",), requests=1),
        # Valid JSON of another shape (a proxy's or a mock's): what returns answers as they are succeeds.
        Fault("json_of_another_shape", ({"kind": "status", "status": 200, "body": "a string, not an object"},),
              cause=("unexpected", "response"), spares_raw=True),
        Fault("wrong_content_type", ({"kind": "wrong_content_type"},), cause=("instead of JSON", "text/plain")),
        Fault("empty_body", ({"kind": "empty_body"},), cause=("empty body",)),
        Fault("huge_body", ({"kind": "huge_body", "size_mb": 17},), cause=("larger than 16 MiB",)),
        Fault("redirect_other_host", ({"kind": "redirect_other_host"},),
              cause=("redirect to another host", "refusing to send the token"),
              module_path=("build_info", "csp_report")),
        Fault("stats_processing_forever", ({"kind": "stats_processing"},),
              cause=("still processing", "processing_timeout"), budget=PROCESSING_TIMEOUT + 1.0, stats_only=True),
    )


@dataclass(frozen=True)
class Plugin:
    """One plugin, how a task calls it, and what its error lines name."""

    kind: str                   # module, lookup, role or inventory
    name: str                   # coder.coderd.<name>
    endpoint: str               # the endpoint its errors name
    args: tuple = ()            # module options or lookup terms, as (key, value) pairs / values
    single_get: bool = True     # exactly one request per run: request counts are exact
    reads_stats: bool = False
    post: bool = False
    polls: bool = False         # wait_for: polls with its own loop, no retries per request
    raw: bool = False           # returns the answer as it is, without the value model
    module_path: bool = True    # has a module that runs on remote hosts

    @property
    def id(self):
        return "%s %s" % (self.kind, self.name)

    def endpoint_for(self, fault):
        # Reading stats is what fails under this fault, whichever plugin read them.
        return "GET /api/v2/deployment/stats" if fault.stats_only else self.endpoint


CSP_REPORT = {"document-uri": "https://coder.example.com/workspaces", "violated-directive": "script-src-elem",
              "blocked-uri": "https://cdn.example.net/widget.js"}
MODULES = (
    Plugin("module", "api_root_info", "GET /api/v2/:"),
    Plugin("module", "build_info", "GET /api/v2/buildinfo"),
    Plugin("module", "deployment_config_info", "GET /api/v2/deployment/config", (("keys", ["CODER_ACCESS_URL"]),)),
    Plugin("module", "deployment_ssh_info", "GET /api/v2/deployment/ssh"),
    Plugin("module", "deployment_stats_info", "GET /api/v2/deployment/stats",
           (("processing_timeout", PROCESSING_TIMEOUT),), reads_stats=True),
    Plugin("module", "experiments_info", "GET /api/v2/experiments", single_get=False),
    Plugin("module", "update_check_info", "GET /api/v2/updatecheck"),
    Plugin("module", "token_config_info", "GET /api/v2/users/me/keys/tokens/tokenconfig"),
    Plugin("module", "csp_report", "POST /api/v2/csp/reports", (("report", CSP_REPORT),), post=True, raw=True),
    # Several endpoints at once: the error line lists every one that failed.
    Plugin("module", "deployment_info", "/api/v2/buildinfo", (("processing_timeout", PROCESSING_TIMEOUT),),
           single_get=False, reads_stats=True),
    Plugin("module", "wait_for", "GET /api/v2/:", (("wait_timeout", WAIT_TIMEOUT), ("sleep", WAIT_SLEEP)),
           single_get=False, polls=True),
    Plugin("module", "deployment_assert", "/api/v2/buildinfo", (("desired", DESIRED),), single_get=False,
           module_path=False),
    Plugin("module", "deployment_snapshot", "/api/v2/buildinfo", (("dest", "snapshot-{{ inventory_hostname }}.yml"),),
           single_get=False, module_path=False),
)
LOOKUPS = (
    Plugin("lookup", "build_info", "GET /api/v2/buildinfo", ("version",)),
    Plugin("lookup", "deployment_config", "GET /api/v2/deployment/config", ("CODER_ACCESS_URL",)),
    Plugin("lookup", "experiments", "GET /api/v2/experiments", single_get=False),
    Plugin("lookup", "token_config", "GET /api/v2/users/me/keys/tokens/tokenconfig", ("me",)),
    Plugin("lookup", "update_check", "GET /api/v2/updatecheck"),
    Plugin("lookup", "deployment_ssh", "GET /api/v2/deployment/ssh"),
    Plugin("lookup", "deployment_stats", "GET /api/v2/deployment/stats", reads_stats=True),
    Plugin("lookup", "api", "GET /api/v2/buildinfo", ("/buildinfo",), raw=True),
)
ROLE = Plugin("role", "deployment_check", "/api/v2/buildinfo", single_get=False, module_path=False)
INVENTORY = Plugin("inventory", "deployments", "/api/v2/buildinfo", single_get=False, reads_stats=True)


def expect(plugin, fault):
    """What the user of ``plugin`` sees under ``fault``."""
    if (fault.stats_only and not plugin.reads_stats) or (fault.spares_raw and plugin.raw):
        return Expect(succeeds=True)
    if plugin.polls:
        wanted = fault.seen_by_wait_for()
    elif plugin.post and fault.post is not None:
        wanted = fault.post
    else:
        wanted = fault.seen_by_a_get()
    # Only the requests of a plugin that reads its one endpoint once add up to a known count.
    return wanted if plugin.single_get else replace(wanted, requests=None)


# --- running a plugin type against every fault -----------------------------------------------

class FaultBench:
    """Simulators and inventory hosts for the cases of some plugins, one host per fault (and path)."""

    def __init__(self, canary, start_simulator, faults):
        self.canary = canary
        self.start_simulator = start_simulator
        self.faults = dict((fault.name, fault) for fault in faults)
        self.hosts = {}        # host -> host vars
        self.cases = []        # (host, plugin, fault, url, simulator)

    def add(self, plugins, via_module=False):
        """Cases of ``plugins`` under every fault, on one host per fault; through the module on
        "remote" hosts of a few modules each instead (module starts are the slow part)."""
        for fault in self.faults.values():
            chosen = [plugin for plugin in plugins if fault.via_module(plugin)] if via_module else list(plugins)
            size = MODULES_PER_REMOTE_HOST if via_module else len(chosen)
            for first in range(0, len(chosen), size or 1):
                host = fault.name + ("-via-module-%d" % (first // size + 1) if via_module else "")
                self._add_host(host, fault, chosen[first:first + size], via_module)
        return self

    def _add_host(self, host, fault, plugins, via_module):
        urls = {}
        for plugin in plugins:
            simulator = None
            if fault.url is None:
                simulator = self.start_simulator(
                    state=self.canary.state(faults=list(fault.sim_faults), **dict(fault.state)), tls=fault.tls)
            urls[plugin.id] = fault.url or simulator.url
            self.cases.append((host, plugin, fault, urls[plugin.id], simulator))
        self.hosts[host] = dict(self.canary.connection_vars(), urls=urls,
                                ansible_connection="remote_local" if via_module else "local",
                                ansible_coder_timeout=fault.timeout, ansible_coder_retries=fault.retries,
                                **dict(fault.host_vars))

    def inventory(self):
        # Indented JSON is YAML with line breaks, which run_playbook takes as inventory content.
        return json.dumps({"all": {"hosts": self.hosts}}, indent=2)

    def environment(self):
        return {"ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS,
                "ANSIBLE_FORKS": str(min(len(self.hosts), MAX_FORKS))}


def run_bench(run_playbook, bench, tasks, name, env=None):
    """``tasks`` on every host of ``bench``, at -vvvv."""
    return run_playbook(playbook(name, tasks), inventory=bench.inventory(),
                        env=dict(bench.environment(), **(env or {})), verbosity=4, timeout=180)


def check_bench(run_playbook, tally, bench, tasks, name, env=None):
    """Runs ``tasks`` on ``bench`` and fails on any problem: a secret or a traceback in what the
    run wrote, a case whose outcome is not what its user must see, a failed playbook."""
    run = run_bench(run_playbook, bench, tasks, name, env=env)
    problems = tally.scan(bench.canary, name, run_texts(run))
    problems += check_cases(tally, bench, run, task_outcome(run))
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)
    return run


def run_fleet(run_playbook, bench, directory, show, env=None, **top_level):
    """The inventory plugin over one deployment per case of ``bench``, then a task on every host
    showing ``show`` (a Jinja expression); returns (run, seconds the plugin took, Ansible's log).

    Each entry carries its case's options (the ``ansible_coder_*`` host variables of the fault).
    """
    entries = []
    for host, plugin, fault, url, simulator in bench.cases:
        options = dict((name[len("ansible_coder_"):], value) for name, value in bench.hosts[host].items()
                       if name.startswith("ansible_coder_"))
        entries.append(dict(options, name=host, url=url))
    source = directory / "fleet.coder.yml"
    source.write_text(yaml.safe_dump(dict({"plugin": "coder.coderd.deployments", "max_workers": len(entries),
                                           "deployments": entries}, **top_level)), encoding="utf-8")
    play = [{"name": "Every deployment of the inventory", "hosts": "all", "gather_facts": False, "connection": "local",
             "tasks": [{"name": "Show what the inventory found", "ansible.builtin.debug": {"msg": show}}]}]
    log_path = directory / "ansible.log"
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), inventory=source, verbosity=4, timeout=120,
                       env=dict({"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1", "ANSIBLE_LOG_PATH": str(log_path)},
                                **(env or {})))
    return run, inventory_seconds(log_path, source), log_path


def inventory_seconds(log_path, source):
    """How long the inventory plugin took over ``source``, from the time stamps of Ansible's log
    (the whole run would add Ansible's start-up, which a loaded machine stretches)."""
    started = finished = None
    for line in log_path.read_text(encoding="utf-8").splitlines() if log_path.exists() else ():
        if "inventory.deployments' to process inventory source '%s'" % source in line:
            started = line[:23]
        elif "Parsed %s inventory source" % source in line:
            finished = line[:23]
    if started is None or finished is None:
        return None
    stamp = "%Y-%m-%d %H:%M:%S,%f"
    return (datetime.datetime.strptime(finished, stamp) - datetime.datetime.strptime(started, stamp)).total_seconds()


def fleet_outcome(run, seconds):
    """``outcome(plugin, host)`` of a run_fleet run whose ``show`` was {reachable, error}."""
    def outcome(plugin, host):
        records = [record for record in run.results
                   if record["task"] == "Show what the inventory found" and record["host"] == host]
        if len(records) != 1:
            return None
        found = records[0]["result"]["msg"]
        # A deployment that answered in part is reachable and keeps its facts: the fault shows in coder_error.
        return bool(found["error"]) or not found["reachable"], found["error"], seconds
    return outcome


FLEET_SHOW = {"reachable": "{{ coder_reachable }}", "error": "{{ coder_error | default('') }}"}


def playbook(name, tasks):
    """A play over every fault host, each host at its own pace."""
    return yaml.safe_dump([{"name": name, "hosts": "all", "gather_facts": False, "strategy": "free",
                            "tasks": tasks}], sort_keys=False, width=1000)


def guarded(plugin, task):
    """Only on hosts that have a case for the plugin; a failure is registered, not fatal."""
    return dict({"name": plugin.id}, **task, when="'%s' in urls" % plugin.id, register="outcome",
                ignore_errors=True)


def url_of(plugin):
    return "{{ urls['%s'] }}" % plugin.id


def module_task(plugin):
    return guarded(plugin, {"coder.coderd." + plugin.name: dict(plugin.args, url=url_of(plugin))})


def lookup_task(plugin):
    terms = "".join(", %s" % json.dumps(term) for term in plugin.args)
    options = ", processing_timeout=%s" % PROCESSING_TIMEOUT if plugin.reads_stats else ""
    call = "lookup('coder.coderd.%s'%s, url=urls['%s']%s)" % (plugin.name, terms, plugin.id, options)
    return guarded(plugin, {"ansible.builtin.debug": {"msg": "{{ %s }}" % call}})


def task_outcome(run):
    """``outcome(plugin, host) -> (failed, message, seconds)`` of the task named after the plugin."""
    def outcome(plugin, host):
        records = [record for record in run.results if record["task"] == plugin.id and record["host"] == host]
        if len(records) != 1:
            return None
        return records[0]["status"] == "failed", records[0]["result"].get("msg"), records[0]["duration"]
    return outcome


def check_cases(tally, bench, run, outcome, shared_budget=None):
    """Problems of every case of a run: outcome, error line, warning, time, requests, leaks.

    ``shared_budget`` replaces each case's own time budget when the cases ran at the same time
    and only their common duration is known (the inventory).
    """
    problems = []
    for host, plugin, fault, url, simulator in bench.cases:
        where = "%s under %s%s" % (plugin.id, fault.name, " (module path)" if "-via-module" in host else "")
        wanted = expect(plugin, fault)
        seen = outcome(plugin, host)
        if seen is None:
            problems.append("%s: no single result was recorded" % where)
            continue
        tally.tried(plugin.id)
        failed, message, seconds = seen
        if wanted.succeeds and failed:
            problems.append("%s: failed but must succeed: %s" % (where, message))
        elif not wanted.succeeds and not failed:
            problems.append("%s: succeeded but must fail with %s" % (where, wanted.words))
        elif failed:
            problems += tally.error_line(where, message, url, plugin.endpoint_for(fault), *wanted.words)
        problems += ["%s: no warning with %r" % (where, warning) for warning in wanted.warnings
                     if not any(url in line and warning in line for line in messages(run.output))]
        problems += tally.timing(where, seconds, wanted.budget if shared_budget is None else shared_budget,
                                 wanted.at_least)
        if simulator is not None and wanted.requests is not None and simulator.request_count() != wanted.requests:
            problems.append("%s: %d requests, expected %d" % (where, simulator.request_count(), wanted.requests))
        problems += tally.leaks(where, simulator)
    return problems


def run_texts(run, *written):
    """Everything a run wrote that may hold neither a secret nor a traceback: its output, its
    registered results and the files it wrote (``written``: a log)."""
    texts = {"stdout": run.stdout, "stderr": run.stderr, "registered results": json.dumps(run.results)}
    texts.update((path.name, path.read_text(encoding="utf-8")) for path in written if path.exists())
    return texts


def files_text(directory):
    """Every file under ``directory``, as name -> text, for the leak scan."""
    if not directory.exists():
        return {}
    return dict((str(path), path.read_text(encoding="utf-8", errors="replace"))
                for path in sorted(directory.rglob("*")) if path.is_file())
