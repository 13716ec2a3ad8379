# edgebench — `make help` lists the targets.
#
# Natively (no Docker): `make bench` creates the environments (once) and runs the quick grid into results/.
# With images (DEVICE=x86|jetson|rpi|rpi64) see the images section of README.md.

PYTHON      ?= python3
VENV        ?= .venv
ENVS        ?= .envs
# Opt-in framework environments to add (comma-separated), e.g. WITH=mxnet on aarch64.
WITH        ?=
# Version sets whose environments `make setup` makes (comma-separated): current (today's pins, envs/*.txt)
# and folders of envs/sets/, e.g. ENV_SETS=current,greenai-2023 (mk/sets.mk).
ENV_SETS    ?= current
# Framework environments `make setup` creates: read from the catalog (runner/frameworks/*/record.py), those
# with a lock file for this machine's architecture in each set; each is pinned by the lock file the catalog
# names (`python -m runner.catalog envs --set SET`: NAME for current, SET/NAME for another set).
CATALOG      = $(PYTHON) -m runner.catalog
comma       := ,
FRAMEWORK_ENVS ?= $(foreach s,$(subst $(comma), ,$(ENV_SETS)),$(shell $(CATALOG) envs --set $(s) $(if $(WITH),--with $(WITH))))
# The PyTorch CPU wheel index (torch==...+cpu is not on PyPI): pip gets it for lock files pinning a +cpu
# build, when it answers (scripts/torch-index.sh); empty: never.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
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
.PHONY: help setup bench report test lint lock clean system-deps test-deps

# prerequisites with $$ are expanded when make needs the target (the catalog is asked only then)
.SECONDEXPANSION:

# Images (DEVICE=x86|jetson|rpi|rpi64), the fleet (make fleet), the legacy Caffe2 environment and the version
# sets live in their own files.
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

# each environment from the lock file the catalog names for it here (python -m runner.catalog lock NAME, or
# SET/NAME for a version set's: its recipe is in mk/sets.mk). system-deps is a prerequisite only while a
# package is missing, so a set-up checkout is up to date for `make -q setup`.
$(ENVS)/%/.stamp: $$(shell $(CATALOG) lock $$*) | $$(if $$(SYSTEM_MISSING),system-deps)
	$(if $(findstring /,$*),$(call set_env,$*,$<),$(call venv_env,$*,$<))
	@touch $@

# venv_env NAME LOCK: a venv on this machine's Python, pinned by LOCK
venv_env = rm -rf $(ENVS)/$(1) && $(PYTHON) -m venv $(ENVS)/$(1) && \
	$(ENVS)/$(1)/bin/pip install $(PIP_FLAGS) $$(PYTHON=$(PYTHON) scripts/torch-index.sh $(2) $(TORCH_INDEX_URL)) -r $(2)

# the Debian packages of the framework environments that are not installed (asked once, when needed)
SYSTEM_MISSING = $(eval SYSTEM_MISSING := $(shell command -v dpkg-query >/dev/null && \
	for p in $$($(CATALOG) system-packages $(if $(WITH),--with $(WITH))); do \
	dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done))$(SYSTEM_MISSING)

system-deps: ## Install the Debian packages the framework environments' libraries need, when missing
	@missing="$(strip $(SYSTEM_MISSING))"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "the framework environments need: $$missing (sudo apt-get install $$missing)"; fi; fi

ifeq ($(DEVICE),)
bench: setup ## Run the grid natively (PRESET=quick|pcamp|greenai or GRID=file.toml), or in DEVICE's image
	$(BIN)/edgebench run $(if $(GRID),--grid $(GRID),--preset $(PRESET)) --out $(OUT) $(if $(RUN_ID),--run-id $(RUN_ID)) $(ARGS)
else
bench: bench-image
endif

report: setup ## Report on every run under $(OUT)/
	$(BIN)/edgebench report $(OUT)/*/

test: setup test-deps ## Run the test suite (real frameworks on tiny models)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the HTML report is checked in a real headless browser (tests/integration/test_html_browser.py)
test-deps: ## Install what the tests need beyond the environments (Debian's chromium), when missing
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "the HTML report test needs chromium (sudo apt-get install chromium); without it it is skipped"; fi; fi

lint: $(VENV)/.stamp ## Lint with ruff
	$(BIN)/ruff check runner tests benchmarks scripts

lock: ## Re-freeze each framework environment's lock file (for this architecture) from the environment
	@for e in $(FRAMEWORK_ENVS); do lock=$$($(CATALOG) lock $$e) || exit 1; \
	  { grep '^#' $$lock; $(ENVS)/$$e/bin/python -m pip freeze --exclude-editable; } > $$lock.new && \
	  mv $$lock.new $$lock; done

clean: ## Remove environments, caches and build files (results/ is kept)
	rm -rf $(VENV) $(ENVS) .pytest_cache .ruff_cache build *.egg-info
