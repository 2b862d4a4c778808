# Entry points; the work is done by the scripts in scripts/.
.PHONY: setup test units integration sanity lint compat demo docs bench clean

setup:
	scripts/setup.sh

test:
	scripts/test.sh

units integration sanity lint compat:
	scripts/test.sh $@

demo:
	scripts/demo.sh

docs:
	scripts/docs.sh

bench:
	scripts/bench.sh $(BENCH_ARGS)

# Keeps .venv and .venv-compat, which are slow to rebuild; remove them by hand to start from scratch.
clean:
	rm -rf build tests/output .pytest_cache .ansible *.tar.gz
	find . -path './.venv*' -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
