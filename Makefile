# zhspeech: two commands on a fresh machine.
#   make report   execute every notebook and write HTML reports to reports/
#   make test     unit tests, then the notebooks under nbval
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Under nbval: the six notebooks and the exercises' solution versions. The student versions
# are executed by tests/test_classroom.py, which checks what each self-check says.
NBVAL := --nbval-lax --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider \
	--ignore=notebooks/exercises/student

.PHONY: install test unit nbtest report bench bench-full clean-cache notebooks lab classroom

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
	@echo "JupyterLab: open the http://127.0.0.1:8888/lab?token=... URL that it prints below (Ctrl-C stops it)"
	$(BIN)/jupyter lab --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The store phases at the issue's sizes (100 MB; several minutes on 2 cores).
bench-full: $(STAMP)
	$(BIN)/python benchmarks/run.py --full --only help index-rjieba-1 index-rjieba-2 index-jieba-1 index-file query

# Sync notebooks/*.ipynb from their sources notebooks/*.md (Jupytext MyST), execute them
# and keep only the outputs of cells marked NBVAL_CHECK_OUTPUT.
notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py

# Write the student and solution versions of every exercise from its source
# notebooks/exercises/exNN-name.md (cells tagged `solution`), execute the solutions (each
# self-check must say right) and write the HTML of both versions to reports/classroom/.
classroom: $(STAMP)
	$(BIN)/python tools/build_classroom.py --html reports/classroom

# Also the user cache folder of derived tables ($ZHSPEECH_CACHE or ~/.cache/zhspeech).
clean-cache:
	rm -rf .cache reports
	if [ -x $(BIN)/python ]; then $(BIN)/python -c "import shutil; import zhspeech.paths as p; shutil.rmtree(p.cache_dir(), ignore_errors=True)"; fi
