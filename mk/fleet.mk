# Many devices: make fleet INVENTORY=fleet/inventory.yml PRESET=quick|GRID=file.toml [RUN_ID=lab-1] (Ansible).
# Included by the Makefile. See README.md "Many devices" and fleet/bench.yml.

FLEET_VENV  ?= .venvs/fleet
INVENTORY   ?= fleet/inventory.yml
# more ansible-playbook options, e.g. FLEET_ARGS='--limit pi5-bench -e edgebench_registry=registry.lab:5000'
FLEET_ARGS  ?=
FLEET_RUN_ID := $(or $(RUN_ID),fleet-$(shell date +%Y%m%d-%H%M%S))
# Ansible needs a UTF-8 locale; ANSIBLE_CONFIG: forks, roles path (fleet/ansible.cfg)
FLEET_ENV   := LC_ALL=C.UTF-8 ANSIBLE_CONFIG=fleet/ansible.cfg

.PHONY: fleet fleet-setup

fleet-setup: $(FLEET_VENV)/.stamp ## Create the Ansible environment of `make fleet` (.venvs/fleet, envs/fleet.txt)

$(FLEET_VENV)/.stamp: envs/fleet.txt
	rm -rf $(FLEET_VENV)
	$(PYTHON) -m venv $(FLEET_VENV)
	$(FLEET_VENV)/bin/pip install $(PIP_FLAGS) -r envs/fleet.txt
	@touch $@

# Every host of INVENTORY runs the grid (fleet/bench.yml), its run lands in OUT/<device>/<RUN_ID>-<device>/,
# then one report merges the hosts; the exit status is the playbook's (non-zero when a host did not finish).
fleet: $(FLEET_VENV)/.stamp | $(VENV)/.stamp ## Run the grid on every host of INVENTORY (Ansible), fetch the runs into OUT/<device>/, report
	@test -f "$(INVENTORY)" || { echo "fleet: no inventory $(INVENTORY): copy fleet/inventory.example.yml and edit it"; exit 2; }
	@echo "fleet: run id $(FLEET_RUN_ID) (make fleet RUN_ID=$(FLEET_RUN_ID) resumes it)"
	@rc=0; $(FLEET_ENV) $(FLEET_VENV)/bin/ansible-playbook -i $(INVENTORY) fleet/bench.yml \
	  -e fleet_run_id=$(FLEET_RUN_ID) -e edgebench_out=$(abspath $(OUT)) \
	  -e edgebench_controller_bin=$(abspath $(BIN))/edgebench \
	  $(if $(GRID),-e edgebench_grid=$(abspath $(GRID)),-e edgebench_preset=$(PRESET)) \
	  $(if $(ARGS),-e '{"edgebench_args": "$(ARGS)"}') $(FLEET_ARGS) || rc=$$?; \
	runs=$$(ls -d $(OUT)/*/$(FLEET_RUN_ID)-*/ 2>/dev/null); \
	if [ -n "$$runs" ]; then $(BIN)/edgebench report $$runs || rc=$$?; else echo "fleet: no run was fetched"; fi; \
	exit $$rc
