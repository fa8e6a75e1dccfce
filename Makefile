# The two commands a newcomer needs: `make up` and `make test`.
# Both install into .venv from requirements.lock (exact pins with hashes).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

$(STAMP): requirements.lock pyproject.toml deploy/compose-schema.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	# The compose-spec JSON schema the deployment test checks docker-compose.yml against.
	$(VENV)/bin/pip download --quiet --no-deps --require-hashes \
		-r deploy/compose-schema.lock -d $(VENV)/compose-schema
	touch $(STAMP)

.PHONY: install up test lint
install: $(STAMP)

up: $(STAMP)
	$(VENV)/bin/hybrid-router up

test: lint
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
