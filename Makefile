# edgebench — `make help` lists the targets.
#
# Natively (no Docker): `make bench` creates the environments (once) and runs the quick grid into results/.
# With images (DEVICE=x86|jetson|rpi|rpi64) see the images section of README.md.

PYTHON      ?= python3
VENV        ?= .venv
ENVS        ?= .envs
# Opt-in framework environments to add (comma-separated), e.g. WITH=mxnet on aarch64.
WITH        ?=
# Framework environments `make setup` creates as venvs: read from the catalog (runner/frameworks/*/record.py),
# those with a lock file for this machine's architecture; each is pinned by the lock file the catalog names.
CATALOG      = $(PYTHON) -m runner.catalog
FRAMEWORK_ENVS ?= $(shell $(CATALOG) envs $(if $(WITH),--with $(WITH)))
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

# Images (DEVICE=x86|jetson|rpi|rpi64), the fleet (make fleet) and the legacy Caffe2 environment live in their own files.
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

# each environment from the lock file the catalog names for it here (python -m runner.catalog lock NAME)
.SECONDEXPANSION:
$(ENVS)/%/.stamp: $$(shell $(CATALOG) lock $$*) | system-deps
	rm -rf $(ENVS)/$*
	$(PYTHON) -m venv $(ENVS)/$*
	$(ENVS)/$*/bin/pip install $(PIP_FLAGS) -r $<
	@touch $@

system-deps: ## Install the Debian packages the framework environments' libraries need, when missing
	@pkgs="$$($(CATALOG) system-packages $(if $(WITH),--with $(WITH)))"; missing=; \
	for p in $$pkgs; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && command -v dpkg-query >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "the framework environments need:$$missing (sudo apt-get install$$missing)"; fi; fi

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
	$(BIN)/ruff check runner tests benchmarks

lock: ## Re-freeze each framework environment's lock file (for this architecture) from the environment
	@for e in $(FRAMEWORK_ENVS); do lock=$$($(CATALOG) lock $$e) || exit 1; \
	  { grep '^#' $$lock; $(ENVS)/$$e/bin/pip freeze --exclude-editable; } > $$lock.new && mv $$lock.new $$lock; done

clean: ## Remove environments, caches and build files (results/ is kept)
	rm -rf $(VENV) $(ENVS) .pytest_cache .ruff_cache build *.egg-info
