# Entry points; the work is done by the scripts in scripts/.
.PHONY: setup test units integration sanity lint demo bench clean

setup:
	scripts/setup.sh

test:
	scripts/test.sh

units integration sanity lint:
	scripts/test.sh $@

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh $(BENCH_ARGS)

# Keeps .venv, which is slow to rebuild; remove it by hand to start from scratch.
clean:
	rm -rf build tests/output .pytest_cache .ansible *.tar.gz
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
