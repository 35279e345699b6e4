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
PY_VENV ?= $(HOME)/.cache/gridcast/prophet-venv
DEMO := target/demo

.PHONY: run test deps deps-wasm deps-python test-native test-wasm check-portal test-python

run:
	$(CARGO) build --release -p gridcast
	mkdir -p $(DEMO)
	@echo "== generating the seed's dataset (1,000 customers, daily 2022)"
	target/release/gridcast generate --preset seed --out $(DEMO)/energy_consumption.csv
	@echo "== splitting it into one CSV per customer"
	target/release/gridcast process --input $(DEMO)/energy_consumption.csv --output $(DEMO)/data
	@echo "== training one model per customer (seed preset: trend only, multiplicative, holdout 7)"
	target/release/gridcast train --input $(DEMO)/data --output $(DEMO)/models --preset seed
	@echo "== forecasting 7 days for customer 42 (the seed endpoint's JSON)"
	target/release/gridcast forecast --model $(DEMO)/models/42.tar.gz --period 7 --seed 1

test: deps test-native test-wasm check-portal test-python

deps: deps-wasm deps-python

# The wasm target and the wasm-bindgen test runner pinned to Cargo.lock's version.
deps-wasm:
	rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  $(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi
	@command -v node >/dev/null || { echo "Node.js is required for the wasm tests"; exit 1; }

# Python Prophet 1.5 in a venv, for the model.json round trip.
deps-python: $(PY_VENV)/.installed
$(PY_VENV)/.installed:
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet prophet==1.5.0 pandas==2.0.3 'numpy<2' cmdstanpy==1.1.0
	touch $@

$(FIXTURES):
	@echo "missing $(FIXTURES): the shared fixtures must sit beside this repository"; exit 1

test-native: $(FIXTURES)
	$(CARGO) test -p gridcast-model -p gridcast-pipeline -p gridcast-signing -p gridcast

test-wasm: deps-wasm $(FIXTURES)
	$(CARGO) test -p gridcast-model --target $(WASM_TARGET) --test wasm

check-portal: deps-wasm
	$(CARGO) check -p gridcast-portal --target $(WASM_TARGET)

test-python: deps-python $(FIXTURES)
	$(CARGO) build -p gridcast
	$(PY_VENV)/bin/python tests/python_roundtrip.py target/debug/gridcast $(FIXTURES) 2>&1 | grep -v 'Importing plotly failed'
