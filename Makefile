# Two commands for a new user: `make demo` and `make test`. Both create and use
# the virtual environment in .venv/ themselves; nothing else to install by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The venv's scripts on PATH (nbgrader's gradebook runs `alembic` from PATH);
# one BLAS thread per process: tests run two workers on two cores already.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install demo test test-e2e test-all lint bench release clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV) || { $(PYTHON) -m pip install --quiet --user virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	@# (PYTHONWARNINGS: setuptools' notes on editable installs are for package authors, not for a course's users)
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# bytecode of our own packages now: with PYTHONDONTWRITEBYTECODE set (as on CI images) every
	@# grader process, zygote and test would otherwise compile them again at each start
	PYTHONDONTWRITEBYTECODE= $(PY) -m compileall -q autograder solutions testkit tests > /dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m autograder demo

# (--no-loadscope-reorder: workers take the tests in the order tests/conftest.py sets, longest first;
# PYTHONDONTWRITEBYTECODE unset: pytest then keeps the test modules it rewrote for its assertion messages in
# __pycache__, and the next run collects in about two thirds of the time: `make test -k <nothing>` 15.7 against
# 23.5 s here, with and without them)
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

# The end-to-end tests (stock nbgrader, Chromium, the platforms, the attack batches: tests/conftest.py END_TO_END),
# which `make test` leaves out to stay a few minutes; `make test-all` runs the whole suite in one run.
test-e2e: $(STAMP)
	$(MAKE) test PYTEST_ARGS="--end-to-end -m end_to_end $(PYTEST_ARGS)"

test-all: $(STAMP)
	$(MAKE) test PYTEST_ARGS="--end-to-end $(PYTEST_ARGS)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/reference_vs_scipy.py

# Everything made from the declarations and the notebooks, in order (testkit/regenerate.py says what each step
# writes): the graded cells and tables, the check lists, release/, docs/grading.md, the demo's class.
release: $(STAMP)
	$(PY) -m testkit.regenerate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
