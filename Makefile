# Set-up and checks for keras-cifar-blocks. Everything installs into .venv.
#   make demo   train a small model from our blocks on CIFAR-10, print accuracy
#   make test   lint, docs build and the test suite under each Keras backend
#   make docs   build the MkDocs site (strict) into site/
#   make bench  every benchmark (make bench BENCH_ARGS=--quick: < 10 min)

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
BACKENDS ?= tensorflow jax torch
PYTEST_ARGS ?= -m "not slow"
# CIFAR-10 is read from ../shared/data unless KCB_DATA_DIR says otherwise.
KCB_DATA_DIR ?= $(abspath ../shared/data)
export KCB_DATA_DIR

.PHONY: install demo test test-backends lint docs clean bench-deps \
	bench-augmentation bench

install: $(VENV)/.installed

# The extras carry lower bounds only; $(CONSTRAINTS) picks our CPU builds:
# torch==2.13.0 (the CPU wheel on our machines; installed first, as pip
# would otherwise pull a multi-GB CUDA build) and tensorflow-cpu, never
# the full tensorflow wheel.
CONSTRAINTS ?= constraints/cpu.txt
$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) torch==2.13.0
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) \
		-e ".[tensorflow-cpu,jax,torch,tuner,cv,test,docs]"
	touch $@

demo: install
	KERAS_BACKEND=$${KERAS_BACKEND:-tensorflow} $(BIN)/kcb demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# One process per backend; every backend runs even if an earlier one fails.
test-backends: install
	@failed=""; \
	for backend in $(BACKENDS); do \
		echo "=== pytest under KERAS_BACKEND=$$backend ==="; \
		KERAS_BACKEND=$$backend $(BIN)/python -m pytest $(PYTEST_ARGS) \
			|| failed="$$failed $$backend"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED backends:$$failed"; exit 1; fi; \
	echo "All backends passed: $(BACKENDS)"

test: lint docs test-backends

# The seeds' Keras 2 ImageDataGenerator, for comparisons only. tf-keras
# pins the full `tensorflow` wheel, which would shadow tensorflow-cpu:
# install it without dependencies (tensorflow-cpu provides `tensorflow`).
bench-deps: install
	$(BIN)/python -m pip install --quiet --no-deps "tf-keras==2.21.*"

bench-augmentation: bench-deps
	$(BIN)/python -m benchmarks.augmentation_throughput

# All benchmarks in benchmarks/ (python -m benchmarks): backends, zero
# overhead, Mish, machine limit, scaling, and the augmentation one when
# `make bench-deps` has installed tf-keras. Results: benchmarks/results/.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf site .pytest_cache .ruff_cache
