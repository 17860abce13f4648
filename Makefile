# castfeed: `make run` starts everything on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
FFMPEG_PC := libavdevice libavfilter libavformat libavcodec libswresample libswscale libavutil
FFMPEG_DEV := $(addsuffix -dev,$(FFMPEG_PC))

.PHONY: install run test test-fast check seed clean

# Local runs use development settings unless the environment says otherwise.
run seed: export DJANGO_DEBUG ?= 1

$(BIN)/.installed: pyproject.toml
	# vpdq (video fingerprints) ships as source only and builds against Debian's FFmpeg libraries.
	@pkg-config --exists $(FFMPEG_PC) 2>/dev/null || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	  --no-install-recommends pkg-config cmake g++ $(FFMPEG_DEV) >/dev/null; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# Tests only: a small real DCGAN that draws faces of nobody (its weights ship in the package). Its
	# declared dependencies (torchvision, wandb) serve its training and plotting scripts, which we never
	# run, and the torchvision they pull does not match the CPU torch build: install it alone.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps gan-face-generate==1.1.1
	@touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@VENV=$(VENV) HOST=$(HOST) PORT=$(PORT) bin/run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop while working: leaves out the `slow` tests and those that start a worker or a browser,
# and runs the rest on two processes (pytest-xdist; each has its own var/ and test database).
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not worker and not browser" -n 2 $(PYTEST_ARGS)

check: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python bin/check-boundaries

seed: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed

clean:
	rm -rf $(VENV) var
