# kubegen developer entry points. `make help` lists them.
KUBE_VERSION ?= v1.36.3
ETCD_VERSION ?= v3.6.16
KUBEGEN_ENVTEST_DIR ?= $(HOME)/.cache/kubegen/envtest
# 1: also build kube-controller-manager (garbage collection in end-to-end tests); 0 to skip it.
KUBEGEN_WITH_KCM ?= 1
# Where `make envtest` puts the binaries for these versions; tests use exactly these.
ENVTEST_ASSETS := $(KUBEGEN_ENVTEST_DIR)/k8s-$(KUBE_VERSION)-etcd-$(ETCD_VERSION)
export KUBE_VERSION ETCD_VERSION KUBEGEN_ENVTEST_DIR KUBEGEN_WITH_KCM

# Tests use our cache unless the envtest convention variables point elsewhere.
ifeq ($(KUBEBUILDER_ASSETS)$(TEST_ASSET_KUBE_APISERVER),)
TEST_ENV := KUBEGEN_ENVTEST_ASSETS=$(ENVTEST_ASSETS)
endif

EXAMPLE := examples/sample-controller
# The spec the example's built-in clients are generated from when type-checking it.
EXAMPLE_SPEC := $(CURDIR)/../shared/openapi/kubernetes-v1.36.swagger.json.gz

.PHONY: help setup install build pack typecheck test-generated verify-codegen envtest test test-unit test-integration update-golden bench bench-scale fuzz generate generate-runtime clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: install build envtest ## Install dependencies, build, and build the test control plane

install: ## npm ci
	npm ci

build: ## Compile runtime and generators (tsc -b) and copy the templates into the kubegen package
	npx tsc -b runtime generators
	node generators/scripts/copy-templates.mjs

PACKAGES := dist/packages

pack: build ## Write the two npm tarballs (kubegen, @kubegen/runtime) into dist/packages
	rm -rf $(PACKAGES) && mkdir -p $(PACKAGES)
	npm pack --silent --workspace runtime --workspace generators --pack-destination $(PACKAGES) >/dev/null
	@ls -1 $(PACKAGES)/*.tgz

typecheck: build test-generated ## Type-check sources, tests and the example (its built-in clients generated from ../shared)
	npx tsc -p test/tsconfig.json
	@if [ -f $(EXAMPLE_SPEC) ]; then \
	  cd $(EXAMPLE) && KUBEGEN_OPENAPI=$(EXAMPLE_SPEC) npm run --silent generate:k8s:openapi -- --quiet && npm run --silent typecheck; \
	elif [ "$$CI" = "true" ]; then echo "typecheck: $(EXAMPLE_SPEC) is missing (../shared must sit beside the repository)" >&2; exit 1; \
	else echo "typecheck: skipping $(EXAMPLE) ($(EXAMPLE_SPEC) not found; ../shared is missing)"; fi

# Generated code that tests name with `import type` (ignored folder; ../shared holds the spec).
test-generated: build
	node generators/bin/kubegen.js generate --quiet --openapi ../shared/openapi/kubernetes-v1.36.swagger.json.gz --out .tmp/generated/k8s-1.36
	node generators/bin/kubegen.js generate --quiet --crd examples/sample-controller/crd/foos.yaml --out .tmp/generated/foo

generate: build ## Regenerate the sample-controller's committed generated code (commit the result)
	cd $(EXAMPLE) && node ../../generators/bin/kubegen.js generate --quiet --crd crd/foos.yaml --out src/generated

generate-runtime: build ## Regenerate the runtime's own apply builders (runtime/src/apply/generated) from runtime/schema/runtime-types.json (commit the result)
	node generators/scripts/generate-runtime.mjs

# The example's and the runtime's committed generated code must be what the generator makes now.
verify-codegen: generate ## Regenerate the sample-controller's committed code and fail if it or the runtime's generated builders changed
	@node generators/scripts/generate-runtime.mjs --check
	@git diff --exit-code --stat -- $(EXAMPLE)/src/generated || { echo "verify-codegen: $(EXAMPLE)/src/generated is stale; commit the regenerated files" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- $(EXAMPLE)/src/generated)" || { echo "verify-codegen: untracked generated files in $(EXAMPLE)/src/generated" >&2; git status --short -- $(EXAMPLE)/src/generated >&2; exit 1; }

envtest: ## Build kube-apiserver, etcd and kube-controller-manager from Go modules into the cache (KUBEGEN_WITH_KCM=0 skips the last), the test kubelet (test/kubelet) and the Go checkers (client-go extraction, Prometheus expfmt, client-go streaming)
	@bash test/envtest/build.sh >/dev/null
	@bash test/envtest/build-checker.sh test/clientgo-checker >/dev/null
	@bash test/envtest/build-checker.sh test/metrics-checker >/dev/null
	@bash test/envtest/build-checker.sh test/streaming-checker >/dev/null
	@bash test/envtest/build-kubelet.sh >/dev/null

test: verify-codegen typecheck ## Check generated code is fresh, type-check, then run unit, golden, corpus and integration tests
	$(TEST_ENV) npx vitest run

test-unit: ## Unit, golden and corpus tests only (no control plane)
	npx vitest run --project unit

test-integration: ## Integration tests against the real control plane
	$(TEST_ENV) npx vitest run --project integration

update-golden: ## Rewrite test/golden/*/expected from the current generator (review the diff!)
	UPDATE_GOLDEN=1 npx vitest run test/golden

# make sh (dash) has no $$RANDOM: the seed comes from /dev/urandom unless KUBEGEN_FUZZ_SEED is set.
fuzz: ## Property-based fuzzing of the generator: 5000 cases with a random seed (printed; KUBEGEN_FUZZ_SEED=<seed> replays)
	@seed=$${KUBEGEN_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; seed=$$((seed % 2147483647)); \
	  echo "fuzz: KUBEGEN_FUZZ_SEED=$$seed KUBEGEN_FUZZ_RUNS=$${KUBEGEN_FUZZ_RUNS:-5000}"; \
	  KUBEGEN_FUZZ_RUNS=$${KUBEGEN_FUZZ_RUNS:-5000} KUBEGEN_FUZZ_SEED=$$seed npx vitest run --project unit test/unit/generators/fuzz.test.ts

bench: build ## Benchmarks with figures and peer ratios (not part of make test; needs ../shared and make envtest)
	npm ci --prefix test/bench --no-audit --no-fund
	npx tsc -p test/bench/tsconfig.json
	node --import tsx test/bench/types.bench.ts
	node --import tsx test/bench/workqueue.bench.ts
	$(TEST_ENV) node --import tsx test/bench/qps.bench.ts
	$(TEST_ENV) node --import tsx test/bench/consumer.bench.ts
	$(TEST_ENV) node --import tsx test/bench/informer.bench.ts
	$(TEST_ENV) node --import tsx test/bench/http2.bench.ts
	$(TEST_ENV) node --import tsx test/bench/compression.bench.ts
	KUBEGEN_WITH_KUBECTL=1 bash test/envtest/build.sh >/dev/null
	$(TEST_ENV) node --import tsx test/bench/streaming.bench.ts

bench-scale: build ## Informers at cluster scale: 100,000 ConfigMaps and 10,000 Pods, peers, the LIST floor and churn (long; BENCH_CONFIGMAPS, BENCH_PODS, BENCH_RUNS override)
	npm ci --prefix test/bench --no-audit --no-fund
	npx tsc -p test/bench/tsconfig.json
	$(TEST_ENV) BENCH_SCALE=1 node --import tsx test/bench/informer.bench.ts

clean: ## Remove build output
	rm -rf runtime/dist generators/dist generators/templates dist out .tmp
	find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete
