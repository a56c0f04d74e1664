# cmdstan-recover: the two commands a newcomer needs are `make recover` and `make test`.
# Each target sets up what it needs (npm packages, CmdStan, the compiled CLI) and skips what
# is already done.

SHELL := /bin/bash
CONFIG ?= configs/h_m01_parameter_recovery_config.json
# `make sbc` runs this unless CONFIG is given on the command line.
SBC_CONFIG ?= configs/h_m01_sbc_config.json
NODE_STAMP := node_modules/.package-lock.json
CLI := node dist/cli.js

.PHONY: all deps build cmdstan ensure-cmdstan reference-cmdstans pyenv test recover sbc bench clean typecheck lint format

all: build

# npm ci only when the lockfile changed since the last install.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

deps: $(NODE_STAMP)

# Python reference tools (ArviZ, pandas) for tests and benchmarks, in an ignored virtualenv.
PY_STAMP := .venv/.installed
$(PY_STAMP): scripts/requirements-py.txt scripts/requirements-py.lock
	python3 -m venv .venv
	.venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-py.txt -c scripts/requirements-py.lock
	@touch $(PY_STAMP)

pyenv: $(PY_STAMP)

dist/cli.js: $(NODE_STAMP) tsconfig.json $(shell find src -type f 2>/dev/null)
	npx tsc -p tsconfig.json
	@# Report templates live beside their study kind's report module (src/studies/<kind>/templates).
	@cd src && find . -name '*.hbs' -exec install -D -m 644 {} ../dist/{} \;
	@chmod +x dist/cli.js && touch dist/cli.js

build: dist/cli.js

typecheck: $(NODE_STAMP)
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p tsconfig.test.json --noEmit

# What is checked before tests: formatting (prettier), lint rules (eslint, typescript-eslint),
# types, and the layers of src/ with no import cycle (dependency-cruiser, .dependency-cruiser.cjs). `make format` rewrites the files prettier would complain about.
PRETTIER_FILES := "src/**/*.ts" "test/**/*.ts" "bench/**/*.ts" "scripts/**/*.{ts,mjs}" "*.{ts,js}"
lint: typecheck
	npx prettier --check $(PRETTIER_FILES)
	npx eslint --max-warnings 0 .
	npx depcruise src --config .dependency-cruiser.cjs

format: $(NODE_STAMP)
	npx prettier --write $(PRETTIER_FILES)

# Provision CmdStan into .cmdstan/ from PyPI (idempotent).
cmdstan:
	bash scripts/provision-cmdstan.sh

# CmdStan 2.33.1 and 2.37.0 tools (pruned trees from the prophet wheels) for the version-matrix
# tests, in .cmdstan/reference/ (idempotent; seconds after the first time).
reference-cmdstans: $(NODE_STAMP)
	bash scripts/provision-reference-cmdstans.sh

# Provision CmdStan only when the tool's own discovery (CMDSTAN, ~/.cmdstan, $$CONDA_PREFIX,
# .cmdstan/; see src/cmdstan/locate.ts) finds no installation that can compile. A CMDSTAN the user
# set is never replaced: if it is not usable, the tool says why and make stops.
ensure-cmdstan: build
	@set -o pipefail; \
	if [ -n "$$CMDSTAN" ] || $(CLI) info --require-compile >/dev/null 2>&1; then \
	  $(CLI) info --require-compile | sed 's/^/[make] /'; \
	else bash scripts/provision-cmdstan.sh; fi

test: deps pyenv build ensure-cmdstan reference-cmdstans
	@mkdir -p .cache
	npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json; \
	  status=$$?; node scripts/test-summary.mjs .cache/vitest-report.json; summary=$$?; \
	  if [ $$status -ne 0 ]; then exit $$status; else exit $$summary; fi

recover: deps build ensure-cmdstan
	$(CLI) recover --config $(CONFIG)

sbc: deps build ensure-cmdstan
	$(CLI) sbc --config $(if $(filter command line,$(origin CONFIG)),$(CONFIG),$(SBC_CONFIG))

bench: deps pyenv build ensure-cmdstan
	@if [ -f bench/run.ts ]; then npx tsx bench/run.ts; else echo "[make bench] no benchmarks yet"; fi

# Removes build output and caches; keeps the provisioned CmdStan (rm -rf .cmdstan for that).
clean:
	rm -rf dist .cache
