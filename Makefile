# ppml-lab: two commands do everything on a fresh machine.
#   make lab    create the environment if missing, then open JupyterLab on course/
#   make test   create the environment if missing, then run the whole test suite
# Other targets: course (regenerate course/ from solutions/), release DIR=... (the student edition), bench [B=name], federation, grade, hub, lint, clean-venv.
# `make env` also builds .venv-openfhe (Python 3.10: the openfhe wheels exist for CPython 3.10 only) and
# registers its kernel ppml-lab-openfhe in the main JupyterLab. Without Python 3.10 that step is skipped
# with a warning (and the OpenFHE tests with it), except under CI=true, where it fails.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.ppml-lab-installed
KERNEL := ppml-lab
PORT   ?= 8888
B      ?=
PYTEST_ARGS ?=
PYTHON310  ?= python3.10
OFHE_VENV  ?= .venv-openfhe
OFHE_PY    := $(OFHE_VENV)/bin/python
OFHE_STAMP := $(OFHE_VENV)/.ppml-lab-installed
OFHE_KERNEL := ppml-lab-openfhe

export PATH := $(abspath $(BIN)):$(PATH)
export FLWR_TELEMETRY_ENABLED := 0
export FLWR_DISABLE_UPDATE_CHECK := 1
export RAY_USAGE_STATS_ENABLED := 0

.PHONY: lab test course release bench federation grade check lint env env-openfhe ofhe-venv clean-venv hub

# The two environments are built side by side (each install is mostly one core's work), then the
# OpenFHE kernel is registered in the main one.
env:
	@$(MAKE) --no-print-directory -j2 $(STAMP) ofhe-venv
	@$(MAKE) --no-print-directory env-openfhe

# Re-installs only when pyproject.toml or constraints.txt changed since the last install (or the venv is new).
# constraints.txt pins every package to the version the kit is graded with. --no-compile, then one
# compileall on every core: pip byte-compiles file by file on one core (three quarters of the time
# of installing torch). The bytecode must exist before grading: the grading sandbox mounts the
# project, this environment included, read-only. A few files are written for newer Pythons (torch's
# py312 test helpers) and do not compile: pip skips them too, hence the `|| true`.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -c constraints.txt "torch==2.13.0"
	$(PY) -m pip install --quiet --no-compile -c constraints.txt -e ".[dev]"
	@# CrypTen 0.4.1 asks for the retired `sklearn` package name: install it without its dependencies
	@# (what it needs is installed above; ppml_lab/smpc/_crypten_compat.py lets it import under torch 2.13).
	$(PY) -m pip install --quiet --no-compile --no-deps -c constraints.txt "crypten==0.4.1"
	$(PY) -m pip install --quiet --no-compile -c constraints.txt "omegaconf==2.4.0"
	@# jsonschema checks the "iri" format with rfc3987-syntax when it is installed (jupyter-events pulls it
	@# in), and importing it compiles some forty Lark grammars: 2.5 s of CPU in every process that
	@# validates a notebook (each nbgrader command, grading worker, test worker). No schema here uses "iri".
	$(PY) -m pip uninstall --quiet -y rfc3987-syntax
	$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3 (ppml-lab)" >/dev/null
	@# JupyterLab must not try to reach the internet for news or update checks.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

ofhe-venv:
	@if [ -f $(OFHE_STAMP) ] && [ $(OFHE_STAMP) -nt requirements-openfhe.txt ]; then exit 0; fi; \
	py=$(PYTHON310); $$py -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null || \
		py=$$(ls $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10 2>/dev/null | head -n 1); \
	if [ -z "$$py" ]; then \
		if [ "$$CI" = "true" ]; then echo "make env: Python 3.10 not found (set PYTHON310=...); CI needs the OpenFHE environment" >&2; exit 1; fi; \
		echo "make env: Python 3.10 not found (set PYTHON310=...): skipping the OpenFHE environment" >&2; exit 0; \
	fi; \
	set -e; test -x $(OFHE_PY) || $$py -m venv $(OFHE_VENV); \
	echo '*' > $(OFHE_VENV)/.gitignore; \
	$(OFHE_PY) -m pip install --quiet --upgrade pip; \
	$(OFHE_PY) -m pip install --quiet --no-compile -r requirements-openfhe.txt; \
	$(OFHE_PY) -m compileall -q -j 0 $(OFHE_VENV)/lib >/dev/null || true; \
	$(OFHE_PY) -c "import pathlib, site; pathlib.Path(site.getsitepackages()[0], 'ppml-lab-source.pth').write_text('$(CURDIR)\n')"; \
	touch $(OFHE_STAMP)

env-openfhe: $(STAMP) ofhe-venv
	@if [ -f $(OFHE_STAMP) ] && [ ! -f $(VENV)/share/jupyter/kernels/$(OFHE_KERNEL)/kernel.json ]; then \
		$(OFHE_PY) -m ipykernel install --prefix $(abspath $(VENV)) --name $(OFHE_KERNEL) \
			--display-name "Python 3.10 (ppml-lab OpenFHE)" >/dev/null; \
	fi

lab: env
	$(BIN)/jupyter lab --ServerApp.root_dir=course --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root,)

# --durations: the slowest tests are listed at the end of every run, so growth in suite time is seen.
# --dist loadfile: a test file runs on one worker, so a lesson's module-scoped fixture (a graded batch of
# notebooks) is built once; tests/conftest.py queues the long files first so the short ones fill in
# (--no-loadscope-reorder keeps that order: xdist would otherwise queue the files with most tests first).
# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: env
	$(BIN)/ruff check .
	@$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder --durations=25 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing" >&2; exit 1; fi; \
	exit $$rc

course: $(STAMP)
	$(BIN)/ppml-lab course

DIR ?=
# make release DIR=path/to/empty-folder: the student edition (notebooks, library wheel, install script).
release: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make release DIR=<empty or new folder>" >&2; exit 2; }
	$(BIN)/ppml-lab release "$(DIR)"

bench: env
	$(PY) -m benchmarks $(B)

A ?=
S ?=
GRADE_ARGS ?=
# make grade A=00_orientation S=path/to/submissions[.zip] [GRADE_ARGS="--export grades.csv"]
grade: $(STAMP)
	@test -n "$(A)" -a -n "$(S)" || { echo "usage: make grade A=<assignment> S=<submissions folder or zip> [GRADE_ARGS=...]" >&2; exit 2; }
	$(BIN)/ppml-lab grade $(A) "$(S)" $(GRADE_ARGS)

L ?=
NB ?=
CHECK_ARGS ?=
# make check L=00_orientation [NB=path/to/notebook.ipynb] [CHECK_ARGS=--fast]
check: $(STAMP)
	@test -n "$(L)" || { echo "usage: make check L=<lesson> [NB=<notebook>] [CHECK_ARGS=...]" >&2; exit 2; }
	$(BIN)/ppml-lab check $(L) $(if $(NB),"$(NB)") $(CHECK_ARGS)

HUB_PORT ?= 8000
# make hub [HUB_PORT=8000]: JupyterHub for one course on 127.0.0.1 (autograder/hub/jupyterhub_config.py):
# an instructor with the formgrader, students with the Assignments tab, nbgrader's exchange in hub-data/.
hub: env
	PPML_LAB_HUB_PORT=$(HUB_PORT) $(BIN)/jupyterhub -f autograder/hub/jupyterhub_config.py

federation: $(STAMP)
	$(BIN)/ppml-lab federation

lint: $(STAMP)
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV) $(OFHE_VENV)
