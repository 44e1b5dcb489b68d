# datamesh.platform — developer and CI entry points. Thin wrappers over tests/harness/*.sh;
# read tests/harness/run.sh for what each test stage does and how scenarios are skipped.
#
#   make test                   what CI runs: lint sanity units roles build molecule (not the extended scenarios)
#   make test-extended          the extended scenarios, and mysql_multi on Debian 13
#   make molecule SCENARIO=a,b  only these Molecule scenarios
#   make image DEBIAN_RELEASE=trixie   (re)build the systemd base image for Debian 13
#   make lab / make lab-destroy        the local lab (playbooks/lab.yml), site.yml and the seed's data product on it
#   make lab-offline            a fresh lab converged offline from a mirror built by playbooks/mirror.yml, the starter
#                               notebook run through JupyterHub, site.yml again from the execution environment (tests/lab/offline.sh)
#   make mirror MIRROR_DIR=dir  the offline mirror of what inventory/lab installs (playbooks/mirror.yml)
#   make bench [SCENARIO=a,b] [BENCH_LAB=1]   converge timings into benchmark/results/
#   make docs                   regenerate docs/reference/roles/ (argument specs), docs/troubleshooting.md and docs/architecture.svg
SHELL := /bin/bash
.DEFAULT_GOAL := help
HARNESS := tests/harness
# Tool chain on PATH, ANSIBLE_COLLECTIONS_PATH, MOLECULE_IMAGE, ... for recipes that run Ansible.
ENV := source $(HARNESS)/lib.sh &&

.PHONY: help test test-extended lint sanity units roles build molecule setup image lab lab-destroy lab-offline mirror bench docs clean distclean

help:
	@sed -n 's/^#   //p' Makefile
	@echo "targets: test test-extended lint sanity units roles build molecule setup image lab lab-destroy lab-offline mirror bench docs clean distclean"

test:
	$(HARNESS)/run.sh

lint sanity units roles build molecule:
	$(HARNESS)/run.sh $@

test-extended:
	DATAMESH_TEST_EXTENDED=1 SCENARIO=$$(cd molecule && ls */extended | cut -d/ -f1 | paste -sd,) $(HARNESS)/run.sh molecule
	DEBIAN_RELEASE=trixie SCENARIO=mysql_multi $(HARNESS)/run.sh molecule

setup:
	$(HARNESS)/bootstrap.sh
	$(HARNESS)/docker.sh

image:
	$(HARNESS)/docker.sh --rebuild

lab: setup
	$(ENV) ansible-playbook -i inventory/lab playbooks/lab.yml
	$(ENV) ansible-playbook -i inventory/lab site.yml
	$(ENV) ansible-playbook -i inventory/lab playbooks/data_product.yml -e data_product_fixed=true
	$(ENV) ansible-playbook -i inventory/lab playbooks/dbt.yml
	$(ENV) ansible-playbook -i inventory/lab playbooks/datahub_ingestion.yml
	$(ENV) ansible-playbook -i inventory/lab playbooks/lab_info.yml

lab-offline: setup
	tests/lab/offline.sh

MIRROR_DIR ?= $(CURDIR)/.cache/mirror
mirror: setup
	$(ENV) ansible-playbook -i inventory/lab playbooks/mirror.yml -e mirror_dir=$(MIRROR_DIR)

lab-destroy:
	$(HARNESS)/bootstrap.sh
	$(ENV) ansible-playbook -i inventory/lab playbooks/lab.yml -e lab_state=absent

bench:
	benchmark/bench.sh

docs:
	$(ENV) python tests/harness/gen_role_docs.py
	$(ENV) python tests/harness/gen_troubleshooting.py
	$(ENV) python tests/harness/gen_architecture.py  # renders docs/architecture.svg with Graphviz (dot)

# Outputs of the harness; keeps .venv, the downloaded ansible wheel and the Docker image.
clean:
	rm -rf .cache/ansible-test .cache/dist .cache/logs .cache/pythons .cache/summary.txt .cache/credentials .cache/molecule tests/output .ansible
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Everything the harness created in the checkout, the tool chain included.
distclean: clean
	rm -rf .venv .cache
