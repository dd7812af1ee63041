# The two commands of the README are `make run` and `make test`; everything else here serves them.
# Each step leaves a stamp so that a second run only redoes what changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
JOBS ?= 2
APT_PACKAGES := libeigen3-dev libboost-dev libhdf5-dev catch2 libfmt-dev libtomlplusplus-dev pkg-config g++ make ccache
# The engine is compiled twice in a new checkout: build/cpp for the C++ tests, build/py for the
# Python package (pip, scikit-build-core), with the same flags; ccache (which CMake takes from
# this variable) makes the second a cache hit. Both see the same compiler (make's CXX, g++ unless
# set), so that the cache's key is the same.
export CMAKE_CXX_COMPILER_LAUNCHER := ccache
export CXX
ENGINE_SOURCES := $(shell find engine bindings tests/cpp benchmarks -name '*.cpp' -o -name '*.hpp' -o -name CMakeLists.txt) CMakeLists.txt
PY_SOURCES := $(shell find bindings/tvaer scenarios -name '*.py' -o -name '*.toml') pyproject.toml

.PHONY: run test test-cpp test-python sanitize fuzz bench clean system stubs fingerprints readme docs

run: $(VENV)/.installed
	$(VPY) -m tvaer run --out results

test: test-cpp test-python

system: build/.system
build/.system: tools/install-system-packages
	bash tools/install-system-packages $(APT_PACKAGES)
	@mkdir -p build && touch $@

$(VENV)/.deps: pyproject.toml build/.system
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q cmake ninja $$($(VPY) -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml','rb'))['build-system']['requires']))")
	@touch $@

# The test extra, and the bench extra for test_bench.py's comparison with SimPy and neworder
# (neworder builds from its sdist: about 30 s on this machine's two cores, once per pip cache).
$(VENV)/.installed: $(VENV)/.deps $(ENGINE_SOURCES) $(PY_SOURCES)
	$(VPY) -m pip install -q --no-build-isolation ".[test,bench]"
	@touch $@

build/cpp/.built: $(VENV)/.deps $(ENGINE_SOURCES)
	$(VENV)/bin/cmake -S . -B build/cpp -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
	$(VENV)/bin/cmake --build build/cpp -j $(JOBS)
	@touch $@

test-cpp: build/cpp/.built
	cd build/cpp && ../../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)

test-python: $(VENV)/.installed
	$(VPY) -m pytest

# AddressSanitizer + UndefinedBehaviorSanitizer build of the C++ tests, in its own build folder.
sanitize: $(VENV)/.deps
	$(VENV)/bin/cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTVAER_SANITIZE=ON -DTVAER_BUILD_BENCHMARKS=OFF > /dev/null
	$(VENV)/bin/cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ../../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)

# libFuzzer on the engine's scenario reader (clang, ASan+UBSan), FUZZ_SECONDS long, starting from
# tests/fuzz/corpus (the shipped scenarios and every input that once failed, kept as regressions).
FUZZ_SECONDS ?= 60
fuzz: $(VENV)/.deps
	bash tools/install-system-packages clang
	CC=clang CXX=clang++ $(VENV)/bin/cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTVAER_FUZZ=ON \
	  -DTVAER_BUILD_TESTS=OFF -DTVAER_BUILD_BENCHMARKS=OFF -DTVAER_BUILD_APPS=OFF > /dev/null
	$(VENV)/bin/cmake --build build/fuzz -j $(JOBS) --target tvaer_fuzz_scenario
	mkdir -p build/fuzz/corpus
	build/fuzz/tests/fuzz/tvaer_fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -dict=tests/fuzz/toml.dict build/fuzz/corpus tests/fuzz/corpus

# Records the shipped scenarios' result fingerprints (tests/data/fingerprints.json) after an
# intended change of behaviour.
fingerprints: $(VENV)/.installed
	$(VPY) tools/fingerprints.py

# Rewrites README.md's `make run` output block after an intended change of results.
readme: $(VENV)/.installed
	$(VPY) tools/update_readme.py

# Rewrites the measured tables of docs/calibration.md (tests/python/test_docs.py checks them).
docs: $(VENV)/.installed
	$(VPY) tools/update_docs.py

# Regenerates bindings/tvaer/_core.pyi from the built module (the tests check it is current).
stubs: $(VENV)/.installed
	PYTHON=$(VPY) bash tools/generate-stubs

bench: build/cpp/.built
	build/cpp/benchmarks/tvaer_bench_ladder

clean:
	rm -rf build $(VENV)
