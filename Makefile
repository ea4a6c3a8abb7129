# compteur — the two commands a newcomer needs are `make demo` and `make test`.
# Both set up what they need themselves (Rust, Python 3 and Node.js must be installed; missing
# Debian packages are installed by scripts/system-packages.sh).

CARGO        ?= cargo
PYTHON       ?= python3
VENV         ?= .venv
VENV_PY      := $(VENV)/bin/python
PROTOCOL_CRATES := compteur-obis compteur-hdlc compteur-dlms compteur-mbus
DASHBOARD    := examples/dashboard
DEMO_PORT    ?= 5000
# The throwaway PostgreSQL server of the dashboard's storage tests.
PG_DIR       ?= /tmp/compteur-test-postgres
PG_PORT      ?= 55432
FUZZ_SECONDS ?= 60

export CARGO_TERM_COLOR ?= never

.PHONY: all test demo demo-cli check-tools system-packages fmt-check clippy cargo-test no-std \
        doc fuzz-replay venv python-dev python-test wheel wheel-test pip-install-test \
        dashboard-setup dashboard-test bundle bundle-test fuzz bench bench-scale bench-python \
        bench-abi3 soak clean licenses

all: test

## test: everything CI checks — format, lints, all tests, no_std builds, docs, fuzz seeds.
test: check-tools system-packages fmt-check clippy cargo-test no-std doc fuzz-replay python-test \
      wheel-test pip-install-test dashboard-test bundle-test
	@echo "make test: all checks passed"

## demo: the main job on the built-in simulated E450 (no hardware): the dashboard on
## http://127.0.0.1:$(DEMO_PORT) with 60 days of history, live pushes from the simulator
## through the collector, and the login it created printed. Ctrl-C stops it.
demo: check-tools dashboard-setup
	$(VENV_PY) -m dashboard demo --port $(DEMO_PORT)

## demo-cli: the command-line tour on the simulator: read it over TCP, listen to its
## encrypted pushes, decode a real E450 capture (scripts/demo.sh).
demo-cli: check-tools
	$(CARGO) build --quiet -p compteur-e450 --bin compteur
	COMPTEUR=$${CARGO_TARGET_DIR:-target}/debug/compteur PYTHON=$(PYTHON) scripts/demo.sh

## bench-scale: 1,000 AsyncMeter tasks against `compteur simulate --meters 1000` on loopback.
SCALE_METERS ?= 1000
bench-scale: check-tools
	$(CARGO) build --release --quiet -p compteur-e450 --bin compteur --example scale
	@bin=$${CARGO_TARGET_DIR:-target}/release; ulimit -n $$(ulimit -Hn); \
	ready=$$(mktemp); \
	$$bin/compteur simulate --tcp 127.0.0.1:0 --meters $(SCALE_METERS) --json >$$ready & sim=$$!; \
	for i in $$(seq 100); do [ -s $$ready ] && break; sleep 0.1; done; \
	tcp=$$($(PYTHON) -c "import json,sys; print(json.load(open(sys.argv[1]))['tcp'])" $$ready); \
	$$bin/examples/scale --tcp $$tcp --meters $(SCALE_METERS) --seconds 10 --server-pid $$sim; \
	status=$$?; kill $$sim; rm -f $$ready; exit $$status

check-tools:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.9 or later"; exit 1; }
	@command -v npm >/dev/null || command -v apt-get >/dev/null || { echo "error: npm not found: install Node.js 18 or later (https://nodejs.org)"; exit 1; }

## system-packages: the Debian packages the tests need (Chromium, PostgreSQL), if missing.
system-packages:
	scripts/system-packages.sh test

fmt-check:
	$(CARGO) fmt --all -- --check
	cd fuzz && $(CARGO) fmt --all -- --check

# pyo3's build script looks for the interpreter through PYO3_PYTHON.
export PYO3_PYTHON ?= $(PYTHON)

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

## licenses: cargo-deny's licence, ban and source checks (deny.toml) over the main, benches and
## fuzz workspaces, offline (no advisory database). Not part of `test`: cargo-deny takes about 8
## minutes to build on 2 cores.
licenses:
	@command -v cargo-deny >/dev/null || $(CARGO) install cargo-deny --locked
	$(CARGO) deny --offline check licenses bans sources
	$(CARGO) deny --offline --manifest-path benches/Cargo.toml check licenses bans sources
	cp deny.toml fuzz/deny.toml && (cd fuzz && $(CARGO) deny --offline check licenses bans sources); \
	  status=$$?; rm -f fuzz/deny.toml; exit $$status

## fuzz: run each fuzz target for FUZZ_SECONDS (cargo-fuzz on stable via RUSTC_BOOTSTRAP).
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && for t in $$(RUSTC_BOOTSTRAP=1 $(CARGO) fuzz list); do \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

bench:
	$(CARGO) bench -p compteur-benches

## python-dev: build the `compteur` Python package into .venv (maturin develop).
python-dev: venv
	cd python && VIRTUAL_ENV=$(abspath $(VENV)) $(abspath $(VENV))/bin/maturin develop --quiet

## bench-python: the Python comparison scripts (benches/python) on a release build of the
## package.
bench-python: venv
	cd python && VIRTUAL_ENV=$(abspath $(VENV)) $(abspath $(VENV))/bin/maturin develop --release --quiet
	$(VENV_PY) benches/python/compare_profile.py
	$(VENV_PY) benches/python/compare_push.py
	$(VENV_PY) benches/python/compare_mbus.py

## wheel: the release wheel users install (for the CPython it is built with), in target/wheels.
WHEEL_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))/wheels
wheel: venv
	rm -f $(WHEEL_DIR)/compteur-*.whl
	cd python && $(abspath $(VENV))/bin/maturin build --release --quiet -o $(WHEEL_DIR)

## pip-install-test: `pip install ./python` as a user runs it (build isolation: maturin from
## PyPI) into a fresh virtual environment; after `wheel`, so the release build is reused.
pip-install-test: wheel
	rm -rf $(WHEEL_DIR)/pip-venv
	$(PYTHON) -m venv $(WHEEL_DIR)/pip-venv
	$(WHEEL_DIR)/pip-venv/bin/python -m pip install --quiet ./python
	cd / && $(WHEEL_DIR)/pip-venv/bin/python -c "import compteur, compteur.mbus; \
	  assert compteur.dlms.decode_data(bytes.fromhex('0600075E3B')) == 482875; \
	  print('pip install ./python:', compteur.__version__, 'from', compteur.__file__)"

## bench-abi3: the date-time paths with the abi3 wheel and with a version-specific one.
bench-abi3: venv
	rm -rf $(WHEEL_DIR)/abi3 $(WHEEL_DIR)/cpython
	cd python && $(abspath $(VENV))/bin/maturin build --release --quiet --features abi3 -o $(WHEEL_DIR)/abi3
	cd python && $(abspath $(VENV))/bin/maturin build --release --quiet -o $(WHEEL_DIR)/cpython
	@for kind in abi3 cpython; do \
	  rm -rf $(WHEEL_DIR)/$$kind/venv && $(PYTHON) -m venv $(WHEEL_DIR)/$$kind/venv && \
	  $(WHEEL_DIR)/$$kind/venv/bin/python -m pip install --quiet $(WHEEL_DIR)/$$kind/compteur-*.whl \
	    $$(grep gurux tests/requirements.txt) && \
	  COMPTEUR_BUILD=$$kind $(WHEEL_DIR)/$$kind/venv/bin/python benches/python/abi3_datetime.py || exit 1; \
	done

## wheel-test: the wheel installed into a fresh virtual environment imports and decodes.
wheel-test: wheel
	rm -rf $(WHEEL_DIR)/venv
	$(PYTHON) -m venv $(WHEEL_DIR)/venv
	$(WHEEL_DIR)/venv/bin/python -m pip install --quiet --no-index $(WHEEL_DIR)/compteur-*.whl
	cd / && $(WHEEL_DIR)/venv/bin/python -c "import compteur, compteur.hdlc, compteur.dlms, compteur.mbus; \
	  assert str(compteur.ObisCode('1.8.0')) == '1-0:1.8.0*255'; \
	  assert compteur.dlms.decode_data(bytes.fromhex('0600075E3B')) == 482875; \
	  print('wheel', compteur.__version__, 'installs and decodes')"

## python-test: pytest over python/tests and the package's doctests (no test collected is a
## failure), the stubs checked against the compiled module, and mypy --strict over both.
python-test: python-dev
	@$(VENV_PY) -m pytest -q --doctest-modules python/tests python/compteur; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests in python/tests"; exit 1; fi; \
	exit $$status
	cd python && $(abspath $(VENV_PY)) -m mypy.stubtest compteur --allowlist stubtest-allowlist.txt
	$(VENV_PY) -m mypy --strict python/tests python/compteur python/scripts

## dashboard-setup: the dashboard's requirements in .venv, compteur built into it, Chart.js
## from npm (pinned by package-lock.json) copied into the static files.
dashboard-setup: python-dev $(VENV)/.dashboard-ready $(DASHBOARD)/dashboard/web/static/vendor/chart.umd.js
$(VENV)/.dashboard-ready: $(VENV)/.ready $(DASHBOARD)/requirements.txt $(DASHBOARD)/pyproject.toml
	scripts/system-packages.sh demo
	$(VENV_PY) -m pip install --quiet -r $(DASHBOARD)/requirements.txt
	$(VENV_PY) -m pip install --quiet --no-deps -e $(DASHBOARD)
	touch $@
$(DASHBOARD)/dashboard/web/static/vendor/chart.umd.js: $(DASHBOARD)/package-lock.json
	scripts/system-packages.sh demo
	cd $(DASHBOARD) && npm ci --no-audit --no-fund --loglevel=error
	$(VENV_PY) $(DASHBOARD)/scripts/vendor.py

## dashboard-test: the dashboard's tests: storage (SQLite, and PostgreSQL on a throwaway
## server on 127.0.0.1), collector, API, security, browser tests in headless Chromium.
dashboard-test: dashboard-setup
	$(CARGO) build --quiet -p compteur-e450 --bin compteur
	@url=$$($(DASHBOARD)/scripts/postgres-test.sh $(PG_DIR) $(PG_PORT)) || exit 1; \
	DASHBOARD_TEST_POSTGRES_URL=$$url COMPTEUR_BIN=$(abspath $(or $(CARGO_TARGET_DIR),target))/debug/compteur \
	  $(VENV_PY) -m pytest -q -p no:cacheprovider $(DASHBOARD)/tests; \
	status=$$?; $(DASHBOARD)/scripts/postgres-test.sh --stop $(PG_DIR) $(PG_PORT); \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests in $(DASHBOARD)/tests"; exit 1; fi; \
	exit $$status
	$(VENV_PY) -m mypy --strict --config-file $(DASHBOARD)/pyproject.toml $(DASHBOARD)/dashboard

## bundle: the single-file dashboard executable (PyInstaller, pinned in
## examples/dashboard/deploy/requirements-bundle.txt) from the release wheel, in $(BUNDLE_DIR).
BUNDLE_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))/bundle
bundle: wheel dashboard-setup
	PYTHON=$(PYTHON) $(DASHBOARD)/deploy/bundle.sh $(BUNDLE_DIR) $$(ls -t $(WHEEL_DIR)/compteur-*.whl | head -1)

## bundle-test: the bundle starts, serves /api/health and /api/openapi.json, runs the
## collector with both exporters and the demo, and stops on SIGTERM.
bundle-test: bundle
	$(VENV_PY) $(DASHBOARD)/deploy/smoke_test.py $(BUNDLE_DIR)/compteur-dashboard

## soak: 30 minutes of pushes every second through the collector, SQLite, MQTT and InfluxDB,
## the broker and the database each restarted twice; fails on any lost reading. Not in `test`.
SOAK_MINUTES ?= 30
soak: dashboard-setup
	$(VENV_PY) $(DASHBOARD)/soak/soak.py --minutes $(SOAK_MINUTES)

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
