# compteur — the two commands a newcomer needs are `make demo` and `make test`.
# Both set up what they need themselves (only Rust and Python 3 must be installed).

CARGO        ?= cargo
PYTHON       ?= python3
VENV         ?= .venv
VENV_PY      := $(VENV)/bin/python
PROTOCOL_CRATES := compteur-obis compteur-hdlc compteur-dlms compteur-mbus
FUZZ_SECONDS ?= 60

export CARGO_TERM_COLOR ?= never

.PHONY: all test demo check-tools fmt-check clippy cargo-test no-std doc fuzz-replay \
        venv fuzz bench clean

all: test

## test: everything CI checks — format, lints, all tests, no_std builds, docs, fuzz seeds.
test: check-tools fmt-check clippy cargo-test no-std doc fuzz-replay
	@echo "make test: all checks passed"

## demo: the main job on built-in data: decode a real E450 push, then explain its OBIS codes.
demo: check-tools
	$(CARGO) build --quiet -p compteur-e450 --bin compteur
	@echo "== compteur decode: a real E450 push (Graz layout, AES-GCM encrypted and authenticated) =="
	./target/debug/compteur decode --key-file e450/testdata/graz_e450_push.keys.toml "$$(cat e450/testdata/graz_e450_push.hex)"
	@echo "== the same push as JSON =="
	./target/debug/compteur decode --json --key-file e450/testdata/graz_e450_push.keys.toml "$$(cat e450/testdata/graz_e450_push.hex)"
	@echo "== compteur obis: what the codes of an E450 push mean =="
	./target/debug/compteur obis 1-1:1.8.0 1-0:1.7.0 1-0:32.7.0 0-0:1.0.0 0-8:25.9.0 1.8.1
	@echo "(the simulated E450 arrives with the simulator; see README.md for the status)"

check-tools:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.9 or later"; exit 1; }

fmt-check:
	$(CARGO) fmt --all -- --check
	cd fuzz && $(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The interop tests find the peers through COMPTEUR_PYTHON.
cargo-test: venv
	COMPTEUR_PYTHON=$(abspath $(VENV_PY)) $(CARGO) test --workspace

## no-std: every protocol crate builds and tests without its default features.
no-std:
	@for c in $(PROTOCOL_CRATES); do \
	  echo "== $$c --no-default-features"; \
	  $(CARGO) test -p $$c --no-default-features || exit 1; \
	done

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

## fuzz-replay: run every fuzz target over its committed seeds, on stable.
fuzz-replay:
	cd fuzz && $(CARGO) test --no-default-features

## fuzz: run each fuzz target for FUZZ_SECONDS (cargo-fuzz on stable via RUSTC_BOOTSTRAP).
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && for t in $$(RUSTC_BOOTSTRAP=1 $(CARGO) fuzz list); do \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

bench:
	$(CARGO) bench -p compteur-benches

## venv: the Python virtual environment with the independent peers the interop tests use.
venv: $(VENV)/.ready
$(VENV)/.ready: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -r tests/requirements.txt
	touch $@

clean:
	$(CARGO) clean
	rm -rf $(VENV) fuzz/target
