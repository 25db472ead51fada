# ppml-lab: two commands do everything on a fresh machine.
#   make lab    create the environment if missing, then open JupyterLab on course/
#   make test   create the environment if missing, then run the whole test suite
# Other targets: course (regenerate course/ from solutions/), bench [B=name], federation, grade, lint, clean-venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.ppml-lab-installed
KERNEL := ppml-lab
PORT   ?= 8888
B      ?=
PYTEST_ARGS ?=

export PATH := $(abspath $(BIN)):$(PATH)
export FLWR_TELEMETRY_ENABLED := 0
export FLWR_DISABLE_UPDATE_CHECK := 1
export RAY_USAGE_STATS_ENABLED := 0

.PHONY: lab test course bench federation grade lint env clean-venv

env: $(STAMP)

# Re-installs only when pyproject.toml or constraints.txt changed since the last install (or the venv is new).
# constraints.txt pins every package to the version the kit is graded with.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3 (ppml-lab)" >/dev/null
	@# JupyterLab must not try to reach the internet for news or update checks.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=course --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root,)

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: $(STAMP)
	$(BIN)/ruff check .
	@$(PY) -m pytest -n auto $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing" >&2; exit 1; fi; \
	exit $$rc

course: $(STAMP)
	$(BIN)/ppml-lab course

bench: $(STAMP)
	$(PY) -m benchmarks $(B)

A ?=
S ?=
GRADE_ARGS ?=
# make grade A=00_orientation S=path/to/submissions[.zip] [GRADE_ARGS="--export grades.csv"]
grade: $(STAMP)
	@test -n "$(A)" -a -n "$(S)" || { echo "usage: make grade A=<assignment> S=<submissions folder or zip> [GRADE_ARGS=...]" >&2; exit 2; }
	$(BIN)/ppml-lab grade $(A) "$(S)" $(GRADE_ARGS)

federation: $(STAMP)
	$(BIN)/ppml-lab federation

lint: $(STAMP)
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV)
