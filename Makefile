# Chorus: the README's commands. Everything runs inside .venv, created on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test ui bench lint sample clean

$(BIN)/chorus: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/chorus

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## demo: build the store from the embedded sample data and say what was built
demo: $(BIN)/chorus $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/chorus run

## test: run the test suite on two workers, longest files first (tests/conftest.py), and list the ten slowest tests
test: $(BIN)/chorus
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=10

## ui: the Dagster UI on http://127.0.0.1:3000 (schedules and sensors on)
# `chorus ui` readies the instance for a quiet start (the daemon's cursors; see pipelines/cli/dagster_ui.py),
# then runs `dagster dev` from inside DAGSTER_HOME.
ui: $(BIN)/chorus $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/chorus ui

## bench: benchmarks (not tests); print figures and ratios against baselines measured in the same run
bench: $(BIN)/chorus
	@for b in bench/*.py; do echo "== $$b"; \
		if [ $$b = bench/refresh.py ]; then args="--scale 0.05 --check"; else args=""; fi; \
		$(BIN)/python $$b $$args || exit 1; done

lint: $(BIN)/chorus
	$(BIN)/ruff check pipelines schemas tests bench
	$(BIN)/ruff format --check pipelines schemas tests bench

sample: $(BIN)/chorus
	$(BIN)/chorus sample

clean:
	rm -rf data/warehouse $(DAGSTER_HOME)/storage $(DAGSTER_HOME)/history $(DAGSTER_HOME)/schedules
