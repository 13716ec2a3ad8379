# Version sets: `make setup ENV_SETS=current,greenai-2023` also makes the environments of the sets named,
# each from its lock file under envs/sets/<set>/, into $(ENVS)/<set>/<name> (Makefile's ENV_SETS).
#
# A set on its own Python (set.cfg `python = 3.9`, e.g. greenai-2023) is made like the Caffe2 environment:
# a Python 3.9 on PATH or in PYTHON39, else Debian bullseye's, unpacked once into $(ENVS)/bullseye (shared
# with Caffe2; root and debootstrap, x86_64/aarch64) and run through its own loader (scripts/caffe2/).
# A set on the host's Python is made as plain venvs. Each environment is checked by importing its framework.
# `make setup-sets ENV_SETS=...` makes only the sets' environments.

SET_SCRIPTS := scripts/caffe2/setup-env.sh scripts/caffe2/bullseye-rootfs.sh
# the environment folders of the sets other than current (SET/NAME), and their stamps
SET_ENVS = $(foreach e,$(FRAMEWORK_ENVS),$(if $(findstring /,$(e)),$(e)))
SET_STAMPS = $(foreach e,$(SET_ENVS),$(ENVS)/$(e)/.stamp)

.PHONY: setup-sets

setup-sets: $$(SET_STAMPS) ## Create the environments of the version sets in ENV_SETS (other than current)

# the recipe is the pattern rule's (Makefile); these add what a set's environment is made with
$(SET_STAMPS): $(SET_SCRIPTS) | $(VENV)/.stamp

# set_env SET/NAME LOCK: one environment of a version set, on the set's Python
set_python = $(shell $(CATALOG) python --set $(firstword $(subst /, ,$(1))))
set_env = $(if $(call set_python,$(1)),\
	ROOTFS=$(ENVS)/bullseye HOST_PYTHON=$(BIN)/python REQUIREMENTS=$(2) \
	CHECK="$$($(CATALOG) check $(1))" scripts/caffe2/setup-env.sh $(ENVS)/$(1),\
	$(call venv_env,$(1),$(2)) && $(ENVS)/$(1)/bin/python -c "$$($(CATALOG) check $(1))")
