# symc developer entry points. `make check` and `make test` are the README's Quick start; .ci/run calls `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# Pinned so pip takes the local CPU wheel instead of resolving a fresh (CUDA) torch.
TORCH := torch==2.13.0

.PHONY: install check test bench lint

install:
	$(PIP) install "$(TORCH)" -e .

# Compile every example spec and property-test its equivariance (exit 1 if any model is not equivariant).
check: install
	$(PYTHON) -m symc.cli check specs/

# escnn's py3nj dependency builds Fortran code, hence gfortran.
test:
	command -v gfortran >/dev/null || (apt-get update && apt-get install -y --no-install-recommends gfortran)
	$(PIP) install "$(TORCH)" -e ".[test,escnn]"
	$(PYTHON) -m ruff check .
	lint-imports --no-cache
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/bench_solver.py
	$(PYTHON) benchmarks/bench_cache.py

lint:
	$(PYTHON) -m ruff check .
	lint-imports --no-cache
