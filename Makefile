# anyio-migrate: build, test, benchmark.
#
#   make test    everything CI runs: format, lint, unit + snapshot tests, end-to-end
#   make e2e     only the end-to-end programs and the demo (needs the venv)
#   make venv    the pinned Python environment for end-to-end tests
#   make docs    regenerate docs/transforms.md and docs/transforms/AMxxx.md from the transform definitions
#   make bench   timings on a pinned real corpus (docs/performance.md)
#   make soak    migrate that corpus and check every output (parses, comments, stable)
#   make fuzz    the property tests over mutated fixtures, with many more cases
#   make wheel   the PyPI wheel (maturin, bindings = bin) in target/wheels/
#   make e2e-precommit  the pre-commit hooks installed from this repository (pip builds the binary)
#   make ecosystem  migrate real libraries (../shared/ecosystem) safe and unsafe, rerun their suites
#   make ecosystem-verify  the same libraries through --write --unsafe --verify

VENV    := .venv
PY      := $(CURDIR)/$(VENV)/bin/python
BIN     := $(CURDIR)/target/release/anyio-migrate
PYTHON3 ?= python3

.PHONY: ecosystem ecosystem-quick ecosystem-verify test lint unit e2e readme-command e2e-programs e2e-demo e2e-pytest e2e-verify build venv docs bench soak fuzz wheel e2e-wheel sdist e2e-sdist e2e-precommit clean

test: lint unit e2e

# The Python helpers of the tests and benchmarks are linted with a pinned ruff
# (its settings: [tool.ruff] in pyproject.toml).
RUFF_PIN  := ruff==0.17.6
LINT_VENV := .lint-venv
PYTHON_HELPERS := bench testdata/e2e

# (Remade when the Makefile changes, so a new pin gets installed.)
$(LINT_VENV)/.installed: Makefile
	$(PYTHON3) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check $(RUFF_PIN)
	touch $@

lint: $(LINT_VENV)/.installed
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(LINT_VENV)/bin/ruff check $(PYTHON_HELPERS)
	$(LINT_VENV)/bin/ruff format --check $(PYTHON_HELPERS)

unit:
	cargo test --workspace

build:
	cargo build --release

venv: $(VENV)/.installed

$(VENV)/.installed: testdata/requirements.txt
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r testdata/requirements.txt
	touch $@

e2e: readme-command e2e-programs e2e-pytest e2e-demo e2e-verify e2e-wheel e2e-sdist e2e-precommit ecosystem-quick

# The README's first command, exactly as written (exit 1: changes to show).
readme-command: build
	cargo run --release -q -- --diff testdata/demo > /dev/null 2>&1; test $$? -eq 1

e2e-programs: venv build
	$(PY) testdata/e2e/run_programs.py --tool $(BIN) --python $(PY)

e2e-pytest: venv build
	$(PY) testdata/e2e/run_pytest_projects.py --tool $(BIN) --python $(PY)

# --write --verify: a fix that breaks a test is left out, an interrupted run changes nothing.
e2e-verify: venv build
	$(PY) testdata/e2e/run_verify.py --tool $(BIN) --python $(PY)

# The PyPI wheel: the binary packaged with maturin (bindings = bin).
MATURIN_VENV := .maturin-venv

$(MATURIN_VENV)/.installed:
	$(PYTHON3) -m venv $(MATURIN_VENV)
	$(MATURIN_VENV)/bin/pip install --quiet --disable-pip-version-check maturin==1.16.0
	touch $@

wheel: $(MATURIN_VENV)/.installed
	rm -rf target/wheels
	$(MATURIN_VENV)/bin/maturin build --release --strip -b bin -m crates/anyio-migrate/Cargo.toml -o target/wheels

e2e-wheel: wheel
	$(PYTHON3) testdata/e2e/run_wheel.py target/wheels/anyio_migrate-*.whl

# The sdist: it ships what the build reads and compiles from the archive alone.
sdist: $(MATURIN_VENV)/.installed
	rm -rf target/sdist
	$(MATURIN_VENV)/bin/maturin sdist -o target/sdist

e2e-sdist: sdist
	$(PYTHON3) testdata/e2e/run_sdist.py target/sdist/anyio_migrate-*.tar.gz . target/sdist-check

# The pre-commit hooks, installed by pre-commit from this repository (pinned pre-commit; the
# maturin wheel pip builds with comes from .wheelhouse/, so the hook's install
# needs no index).
PRECOMMIT_VENV := .precommit-venv

$(PRECOMMIT_VENV)/.installed:
	$(PYTHON3) -m venv $(PRECOMMIT_VENV)
	$(PRECOMMIT_VENV)/bin/pip install --quiet --disable-pip-version-check pre-commit==4.2.0
	$(PRECOMMIT_VENV)/bin/pip download --quiet --disable-pip-version-check maturin==1.16.0 -d .wheelhouse
	touch $@

e2e-precommit: $(PRECOMMIT_VENV)/.installed
	$(PYTHON3) testdata/e2e/run_precommit.py --pre-commit $(PRECOMMIT_VENV)/bin/pre-commit --wheelhouse .wheelhouse

e2e-demo: venv build
	$(PY) testdata/e2e/run_demo.py --tool $(BIN) --python $(PY)

# Benchmark (not part of `make test`): downloads the pinned corpus once into
# .bench-cache/, installs ruff into .bench-venv/ to compare against.
BENCH_VENV := .bench-venv

# (Remade when the Makefile changes, so a new pin gets installed.)
$(BENCH_VENV)/.installed: Makefile
	$(PYTHON3) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check $(RUFF_PIN) ast-grep-cli==0.51.1
	touch $@

bench: $(BENCH_VENV)/.installed
	cargo build --release -p anyio-migrate -p bench
	$(PYTHON3) bench/run_bench.py --tool $(BIN) --baseline $(CURDIR)/target/release/parse-baseline \
		--ruff $(CURDIR)/$(BENCH_VENV)/bin/ruff --ast-grep $(CURDIR)/$(BENCH_VENV)/bin/ast-grep \
		--json target/bench.json

# Soak (not part of `make test`): --write --unsafe over a copy of the
# benchmark corpus; every output must parse, keep its comments, and be stable.
soak: venv build
	$(PY) bench/soak.py --tool $(BIN)

# Longer property-test run (`make test` runs a bounded one).
fuzz:
	PROPTEST_CASES=5000 cargo test --release -p engine --test properties

docs:
	UPDATE_DOCS=1 cargo test -p anyio-migrate --bin anyio-migrate docs_reference_is_fresh

clean:
	cargo clean
	rm -rf $(VENV) $(LINT_VENV)

# Ecosystem check (not part of `make test`): real libraries' own suites before
# and after a safe and an unsafe migration; sdists and virtualenvs are cached
# in .ecosystem-cache/. ECOSYSTEM_ARGS="--only aioftp --keep /tmp/eco" narrows it.
ECOSYSTEM ?= $(CURDIR)/../shared/ecosystem
ECOSYSTEM_ARGS ?=

ecosystem: build
	$(PYTHON3) testdata/e2e/run_ecosystem.py --tool $(BIN) --ecosystem $(ECOSYSTEM) \
		--cache $(CURDIR)/.ecosystem-cache --markdown docs/ecosystem.md $(ECOSYSTEM_ARGS)

# Every ecosystem library through `--write --unsafe --verify "<its suite>"`:
# each must end green, and the fixes left out are listed.
ecosystem-verify: build
	$(PYTHON3) testdata/e2e/run_ecosystem.py --tool $(BIN) --ecosystem $(ECOSYSTEM) \
		--cache $(CURDIR)/.ecosystem-cache --modes verify --markdown docs/ecosystem-verify.md $(ECOSYSTEM_ARGS)

# The two fastest ecosystem libraries, in both modes, as part of `make test`:
# one moves its suite to anyio's plugin, one is unittest-based.
ecosystem-quick: build
	$(PYTHON3) testdata/e2e/run_ecosystem.py --tool $(BIN) --ecosystem $(ECOSYSTEM) \
		--cache $(CURDIR)/.ecosystem-cache --only asyncio-taskpool,aioftp
