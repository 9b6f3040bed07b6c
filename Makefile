# Two commands do all the set-up: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PRESET ?= demo
PYTEST_ARGS ?=

.PHONY: demo smoke test system-deps venv bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23" 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -c 'import tfx, tensorflow_model_analysis, kfp, tensorflow_datasets, pytest'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests use: real Fashion-MNIST IDX files and headless Chromium.
system-deps:
	scripts/system-deps.sh

demo: $(STAMP)
	$(VENV)/bin/tfx-distill run --preset $(PRESET)

smoke:
	$(MAKE) demo PRESET=smoke

# Two workers, one test file each at a time (module fixtures, such as a pipeline run
# that several tests read, stay in one process): ~40% less wall time on 2 cores.
test: $(STAMP) system-deps
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/distill_quality.py

clean:
	rm -rf $(VENV) runs *.egg-info
