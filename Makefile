# zhspeech: two commands on a fresh machine.
#   make report   execute every notebook and write HTML reports to reports/
#   make test     unit tests, then the notebooks under nbval
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
NBVAL := --nbval-lax --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: install test unit nbtest report bench clean-cache notebooks lab

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest $(NBVAL) notebooks/

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbtest: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) notebooks/

report: $(STAMP)
	$(BIN)/zhspeech report --out reports

# JupyterLab for exploring the notebooks (installed into .venv on first use).
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lab]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Sync notebooks/*.ipynb from their sources notebooks/*.md (Jupytext MyST), execute them
# and keep only the outputs of cells marked NBVAL_CHECK_OUTPUT.
notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py

clean-cache:
	rm -rf .cache reports
