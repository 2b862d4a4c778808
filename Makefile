# Entry points. The work is done by the nox sessions of noxfile.py and antsibull-nox.toml, run by
# the nox that "setup" installs into .venv; docs/contributing.md lists the sessions.
.PHONY: setup test test-all demo docs generate bench units integration sanity lint compat minimums clean

PYTHON ?= python3
NOX = .venv/bin/nox
# Sessions ask for pythonX.Y by name. pyenv answers only for its active versions, so make every
# installed one active, the global one first (no effect without pyenv).
export PYENV_VERSION ?= $(shell pyenv version-name 2>/dev/null):$(shell pyenv versions --bare 2>/dev/null | grep '^3\.' | sort -rV | paste -sd: -)

setup: $(NOX)

$(NOX): tests/requirements-dev.txt
	$(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --disable-pip-version-check --quiet -c tests/requirements-dev.txt nox antsibull-nox
	touch $@

# The sessions noxfile.py names in nox.options.sessions; nox ends with each one's result and time.
test: $(NOX)
	$(NOX)

# "make test" and the lanes it leaves out (tag "rest": integration on 2.17 to 2.20, sanity on
# 2.20, 2.18 and 2.16); about an hour on 2 cores.
test-all: $(NOX)
	$(NOX)
	$(NOX) --tags rest

demo docs generate: $(NOX)
	$(NOX) --session $@

# "make bench BENCH_ARGS=--quick"; see docs/benchmark.md.
bench: $(NOX)
	$(NOX) --session bench -- $(BENCH_ARGS)

# A part of "make test": the main ansible-core line's units, integration or sanity, ansible-lint,
# or the units and integration tests of the other lines.
units integration sanity compat: $(NOX)
	$(NOX) --tags $@

lint: $(NOX)
	$(NOX) --session ansible-lint

minimums: $(NOX)
	$(NOX) --session minimums

# Keeps .venv and .nox, which are slow to rebuild; remove them by hand to start from scratch.
clean:
	rm -rf build tests/output .pytest_cache .ansible *.tar.gz
	find . -path './.venv' -prune -o -path './.nox' -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
