# The Caffe2 environment: Python 3.9 + torch 1.8.1 (the last PyPI wheels with Caffe2's Python bindings).
#
# CAFFE2_NATIVE=auto (default): `make setup` creates it when it can be made here (a Python 3.9 on PATH or in
#   PYTHON39, else Debian bullseye's unpacked with debootstrap, as root, on x86_64/aarch64) and otherwise
#   says why not; the Caffe2 cells are then `unavailable` rows.
# CAFFE2_NATIVE=yes: `make setup` creates it or fails.  CAFFE2_NATIVE=no: `make setup` leaves it alone.
# (WITH=caffe2, in mk/images.mk, gives the x86 image its legacy Caffe2 stage; this file is the native environment.)
# `make setup-caffe2` creates it in any case (about 2 minutes cold: bullseye's Python ~1 min, torch ~1 min).

CAFFE2_NATIVE ?= auto
CAFFE2_ENV  := $(ENVS)/caffe2
PY39_PYTEST := $(ENVS)/py39-pytest
CAFFE2_SETUP := scripts/caffe2/setup-env.sh

.PHONY: setup-caffe2 lock-caffe2

# auto: decided when setup is needed (the check is quick), with no recipe of its own, so that `make -q setup`
# says whether anything is left to make
CAFFE2_REASON = $(eval CAFFE2_REASON := $(shell $(CAFFE2_SETUP) --check))$(CAFFE2_REASON)
CAFFE2_SKIPPED = caffe2: environment not created: $(CAFFE2_REASON) (Caffe2 cells will be 'unavailable')
ifeq ($(CAFFE2_NATIVE),yes)
setup: setup-caffe2
else ifneq ($(CAFFE2_NATIVE),no)
setup: $$(if $$(CAFFE2_REASON),$$(info $$(CAFFE2_SKIPPED)),setup-caffe2)
endif

setup-caffe2: $(CAFFE2_ENV)/.stamp $(PY39_PYTEST)/.stamp ## Create the Caffe2 environment (Python 3.9, torch 1.8.1)

$(CAFFE2_ENV)/.stamp: envs/caffe2.txt $(CAFFE2_SETUP) scripts/caffe2/bullseye-rootfs.sh | $(VENV)/.stamp
	ROOTFS=$(ENVS)/bullseye HOST_PYTHON=$(BIN)/python $(CAFFE2_SETUP) $(CAFFE2_ENV)
	@touch $@

# pytest for running the worker-side tests on Python 3.9 (kept out of the caffe2 environment itself).
$(PY39_PYTEST)/.stamp: tests/py39/requirements.txt $(CAFFE2_ENV)/.stamp
	rm -rf $(PY39_PYTEST)
	$(CAFFE2_ENV)/bin/python -m pip install $(PIP_FLAGS) --target $(PY39_PYTEST) -r tests/py39/requirements.txt
	@touch $@

lock-caffe2: ## Re-freeze envs/caffe2.txt from .envs/caffe2
	{ grep '^#' envs/caffe2.txt; $(CAFFE2_ENV)/bin/python -m pip freeze --exclude-editable; } > envs/caffe2.txt.new
	mv envs/caffe2.txt.new envs/caffe2.txt
