# Two commands do everything: `make demo` and `make test`. Both create and reuse .venv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean

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

bench: $(STAMP)
	mkdir -p benchmarks/results
	cd benchmarks && ../$(PY) -m pytest . -p no:cacheprovider -o addopts="" -s --benchmark-columns=min,median,max,rounds --benchmark-json=results/benchmarks.json

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .benchmarks
