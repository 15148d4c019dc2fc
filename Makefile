# The two commands of the README:
#   make run   install what is missing, build release, start `sextant standalone`
#   make test  install what is missing, build the test and fuzz trees, run every test
# Other targets: build, ui, format, format-check, bench, fuzz, clean.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
RUN_ARGS ?=
SEXTANT_HOME ?= $(CURDIR)/build/run-home
# ccache hits across clones: hash paths relative to the checkout.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: deps build ui run test test-build format format-check bench fuzz clean

deps:
	@scripts/install-deps.sh

build: deps ui
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)

# The web UI (ui/: type check, then Vite) into build/ui, which the server serves with --ui-dir.
ui: deps
	cd ui && npm run --silent build

run: build
	@scripts/run.sh $(RUN_ARGS)

test-build: deps ui
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	cmake --preset test >/dev/null
	cmake --build build/test -j $(JOBS)

test: test-build
	@$(MAKE) --no-print-directory format-check
	ctest --test-dir build/test --output-on-failure -j $(JOBS) --timeout 900

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@out=$$(git ls-files '*.cc' '*.h' | xargs clang-format --dry-run 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" | head -40; echo "format-check: run 'make format'"; exit 1; fi; \
	echo "format-check: ok"

bench: build
	@bench/run.sh

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	@echo "fuzz targets are in build/fuzz/fuzz/ (run one: build/fuzz/fuzz/<name> fuzz/corpus/<name>)"

clean:
	rm -rf build
