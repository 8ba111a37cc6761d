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

.PHONY: run test lint dist smoke system-deps venv clean screenshots demo-screenshots

run: venv
	$(VENV)/bin/stella --home "$(HOME_DIR)" demo

test: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check .

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
