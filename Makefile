# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Two cores: let TensorFlow use both for one job, never oversubscribe.
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test lint bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-recipes tune data/penguins/train.csv --target species \
	    --test data/penguins/test.csv --strategy bayesian --max-trials 8 \
	    --epochs 100 --directory runs/penguins --export exported/penguins \
	    --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff format --check recipes custom_layers custom_optimizers tuning tests benchmarks
	$(BIN)/ruff check recipes custom_layers custom_optimizers tuning tests benchmarks

# Each benchmark's quick mode (a minute or less; `--full` for the full
# measurement); benchmarks/_common.py is their shared code, not one.
bench: $(STAMP)
	@for script in benchmarks/[!_]*.py; do \
	    echo "== $$script (quick)"; start=$$(date +%s); \
	    $(BIN)/python $$script || exit 1; \
	    echo "== $$script: $$(( $$(date +%s) - start )) s"; \
	done

clean:
	rm -rf $(VENV) runs exported
