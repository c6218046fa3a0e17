# Two commands do everything: `make demo` and `make test`. Both create and reuse .venv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench fuzz install clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# With a display the window opens on the simulator; without one, the terminal view runs.
demo: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(VENV)/bin/twitchwatch gui --source sim:mixed; \
	else \
		$(VENV)/bin/twitchwatch demo; \
	fi

test: $(STAMP)
	$(PY) -m pytest -q

# The optional baselines (NeuroKit2, BioSPPy) come with the `bench` extra; the quick table is kept
# beside the suites' JSON, and the suites run last so that their result is make's exit status.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	mkdir -p benchmarks/results
	$(VENV)/bin/twitchwatch bench --quick --json benchmarks/results/bench-quick.json > benchmarks/results/bench-quick.txt
	cd benchmarks && ../$(PY) -m pytest . -p no:cacheprovider -o addopts="" -s --benchmark-columns=min,median,max,rounds --benchmark-json=results/benchmarks.json

# The property tests of the readers and the engine's entry points with many examples (not part
# of `make test`, which runs them with a few dozen); FUZZ_EXAMPLES sets how many per property.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	TWITCHWATCH_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider \
		tests/formats/test_fuzz_readers.py tests/checks/test_fuzz_session.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .benchmarks
