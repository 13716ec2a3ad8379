# edgebench — `make help` lists the targets.
#
# Natively (no Docker): `make bench` creates the environments (once) and runs the quick grid into results/.
# With images (DEVICE=x86|jetson|rpi) see the images section of README.md.

PYTHON      ?= python3
VENV        ?= .venv
ENVS        ?= .envs
# Framework environments `make setup` creates; each is pinned by envs/<name>.txt.
FRAMEWORK_ENVS ?= pytorch onnxruntime tensorflow tflite mxnet
PRESET      ?= quick
GRID        ?=
OUT         ?= results
RUN_ID      ?=
ARGS        ?=
PYTEST_ARGS ?=
DEVICE      ?=

BIN := $(VENV)/bin
PIP_FLAGS := --disable-pip-version-check --no-input --progress-bar off -q

.DEFAULT_GOAL := help
.PHONY: help setup bench report test lint lock clean system-deps

# Images (DEVICE=x86|jetson|rpi) and the legacy Caffe2 environment live in their own files.
-include mk/*.mk

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: PRESET=$(PRESET) GRID=$(GRID) OUT=$(OUT) RUN_ID=... ARGS='extra edgebench run options'"

setup: $(VENV)/.stamp $(foreach e,$(FRAMEWORK_ENVS),$(ENVS)/$(e)/.stamp) ## Create the main and framework environments (once)

$(VENV)/.stamp: envs/main.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -r envs/main.txt
	$(BIN)/pip install $(PIP_FLAGS) --no-deps -e .
	@touch $@

$(ENVS)/mxnet/.stamp: system-deps

$(ENVS)/%/.stamp: envs/%.txt
	rm -rf $(ENVS)/$*
	$(PYTHON) -m venv $(ENVS)/$*
	$(ENVS)/$*/bin/pip install $(PIP_FLAGS) -r envs/$*.txt
	@touch $@

system-deps: ## Install the shared libraries MXNet needs (libgomp1, libquadmath0) when missing
	@if ! ldconfig -p | grep -q libquadmath.so.0 || ! ldconfig -p | grep -q libgomp.so.1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libgomp1 libquadmath0; \
	  else echo "MXNet needs libgomp1 and libquadmath0: sudo apt-get install libgomp1 libquadmath0"; fi; fi

ifeq ($(DEVICE),)
bench: setup ## Run the grid natively (PRESET=quick|pcamp|greenai or GRID=file.toml), or in DEVICE's image
	$(BIN)/edgebench run $(if $(GRID),--grid $(GRID),--preset $(PRESET)) --out $(OUT) $(if $(RUN_ID),--run-id $(RUN_ID)) $(ARGS)
else
bench: bench-image
endif

report: setup ## Report on every run under $(OUT)/
	$(BIN)/edgebench report $(OUT)/*/

test: setup ## Run the test suite (real frameworks on tiny models)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp ## Lint with ruff
	$(BIN)/ruff check runner tests benchmarks

lock: ## Re-freeze envs/<name>.txt from the current environments
	@for e in $(FRAMEWORK_ENVS); do \
	  { head -1 envs/$$e.txt; $(ENVS)/$$e/bin/pip freeze --exclude-editable; } > envs/$$e.txt.new && mv envs/$$e.txt.new envs/$$e.txt; done

clean: ## Remove environments, caches and build files (results/ is kept)
	rm -rf $(VENV) $(ENVS) .pytest_cache .ruff_cache build *.egg-info
