# One command to run the app, one to run the tests (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOME_DIR ?= $(CURDIR)/site

# Libraries Qt needs on a fresh Debian/Ubuntu (DESIGN §11) plus Xvfb for screenshots.
QT_SYSTEM_LIBS := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libxcb-cursor0 \
	libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 \
	libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0 libglib2.0-0

.PHONY: run test test-postgresql lint dist smoke system-deps venv clean screenshots demo-screenshots bench

run: venv
	$(VENV)/bin/stella --home "$(HOME_DIR)" demo

test: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The tests that reach the database, again on a private throw-away PostgreSQL cluster
# (scripts/pg-cluster.sh installs PostgreSQL from the distribution when missing).
# Every directory whose tests reach the database; the SSH and Prometheus driver tests
# (servers, not the database) and the bundle-format tests (no site) run once, on SQLite.
PG_TESTS ?= tests/models tests/app tests/scheduler tests/agent tests/deploy tests/gate tests/exports \
	tests/cli tests/bundles/test_one_feed_parser.py tests/demo/test_demo_migrate.py \
	tests/views/test_notified_refresh.py \
	--ignore=tests/deploy/test_ssh_hosts.py --ignore=tests/deploy/test_ssh_stalls.py \
	--ignore=tests/deploy/test_prometheus_canary.py
test-postgresql: venv
	QT_QPA_PLATFORM=offscreen ./scripts/pg-cluster.sh run -- $(PY) -m pytest -q $(PG_TESTS)

# ruff on the whole tree, mypy on the product (pyproject.toml [tool.mypy]: strict on engine/).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

dist: venv
	$(PY) -m pip install -q -e '.[dist]'
	$(PY) -m PyInstaller --noconfirm --clean build.spec

smoke: dist
	./scripts/smoke-dist.sh

screenshots: venv
	./scripts/screenshots.sh

# The real demo site of `make run`, under Xvfb: docs/screenshots/demo-*.png
demo-screenshots: venv
	./scripts/demo-screenshots.sh

# Quick versions of every bench (bench/README.md has the full commands and the figures).
# A bench that misses its target exits 1: make reports it and carries on (the '-').
BENCH := QT_QPA_PLATFORM=offscreen $(PY)
bench: venv
	-$(BENCH) bench/bench_startup.py --runs 3
	-$(BENCH) bench/bench_lists.py --promotions 300 --runs 3
	-$(BENCH) bench/bench_bundle_verify.py --size-mib 64 --runs 3
	-$(BENCH) bench/bench_import.py --size-mib 64 --runs 3
	-$(BENCH) bench/bench_export.py --megabytes 10 --runs 1
	-$(BENCH) bench/bench_feed_import.py --advisories 5000 --components 500
	-$(BENCH) bench/bench_gui_start.py --runs 1
	-$(BENCH) bench/bench_gui_scroll.py --promotions 300 --repeat 1
	-$(BENCH) bench/bench_gate.py --advisories 5000 --components 500 --runs 1
	-$(BENCH) bench/bench_gui_import.py --size-mib 32
	-$(BENCH) bench/bench_key_kdf.py --runs 1
	-$(BENCH) bench/bench_scheduler_tick.py --jobs 10 --runs 1
	-$(BENCH) bench/bench_tlog.py --sizes 10000 --stores memory,sqlite --samples 50
	-$(BENCH) bench/canary_fleet.py --targets 2
	-$(BENCH) bench/deploy_stage.py --measurements 10
	-$(BENCH) bench/bench_manifest_rss.py --unsigned-mb 10 --subjects 20000
	-$(BENCH) bench/bench_agent_latency.py --actions 3 --schedules 1

system-deps:
	@./scripts/system-deps.sh $(QT_SYSTEM_LIBS)

venv: $(STAMP)

$(STAMP): pyproject.toml | system-deps
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist site
