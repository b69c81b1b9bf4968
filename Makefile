# Set-up and build glue. The README's two commands are `make book` and `make test`;
# both create .venv/, install convbook with its extras, and fetch the datasets first.
# Running either again only redoes what changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A machine with an NVIDIA driver gets TensorFlow's CUDA libraries too.
EXTRAS := docs,test$(shell command -v nvidia-smi >/dev/null 2>&1 && echo ,gpu)
# full (default: every image, real results), smoke (the test suite) or long; see README.rst
export CONVBOOK_BUDGET ?= full
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: help install apt-lists browser data book book-retrain test lint benchmark benchmark-full clean

help:
	@echo "make book   install everything, fetch the data, build the book into docs/_build/html"
	@echo "make test   install everything, fetch the data, run the test suite"
	@echo "make book-retrain  rebuild the book training every run again (ignores the run and page caches)"
	@echo "make lint   ruff check and format check"
	@echo "make benchmark  the MNIST speed race, book build and test-suite timings (minutes)"
	@echo "make benchmark-full  time the full-budget book, fresh and from the caches (20-35 min)"
	@echo "make clean  remove build outputs (keeps .venv and the data cache)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $@

install: $(STAMP)

# On Debian as root: package lists, so the Fashion-MNIST mirror (apt-get download) works.
apt-lists:
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
	    && ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then apt-get update -qq; fi

# The browser test drives Debian's chromium; elsewhere it is skipped with a note.
browser: apt-lists
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: no chromium/chromedriver; the browser test will be skipped"; fi

data: $(STAMP) apt-lists
	$(BIN)/convbook data fetch mnist fashion_mnist

book: data
	$(BIN)/sphinx-build -b html -W --keep-going docs docs/_build/html
	@echo
	@echo "The book is in docs/_build/html/. Open docs/_build/html/index.html in a browser,"
	@echo "or serve it: $(BIN)/python -m http.server -d docs/_build/html 8000"

# Every chapter and trained run again, ignoring (and not updating) the run and page caches.
book-retrain:
	CONVBOOK_RUN_CACHE=0 $(MAKE) clean book

# Two pytest workers: one builds the book and runs the tests that use that build (see
# tests/conftest.py), the other everything else, side by side.
TEST_WORKERS ?= 2

test: data browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check convbook tests gallery docs benchmarks
	$(BIN)/ruff format --check convbook tests gallery docs benchmarks

# Results go to benchmarks/results/*.json, which the book's Performance page renders.
benchmark: data
	$(BIN)/python benchmarks/mnist_race.py
	$(BIN)/python benchmarks/build_times.py --parts tests

benchmark-full: data
	$(BIN)/python benchmarks/build_times.py --parts full

clean:
	rm -rf docs/_build docs/auto_gallery docs/gen_modules docs/sg_execution_times.rst
