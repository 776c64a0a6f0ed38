# The front door. `make` builds Release into build/boxagnts; `make run` starts
# the server; `make test` runs every test through ctest; `make san` runs them
# again under ASan+UBSan. Each target installs missing Debian packages first.
JOBS      ?= $(shell nproc)
BUILD     ?= build
SANBUILD  ?= build-san
WORKSPACE ?= ./workspace
PORT      ?= 30001
CTEST_ARGS ?=

.PHONY: all deps build run test san fuzz bench soak clean format install

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The single binary into $(DESTDIR)$(PREFIX)/bin (staged installs: DESTDIR=...).
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

run: build
	$(BUILD)/boxagnts --workspace-dir $(WORKSPACE) --port $(PORT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

$(SANBUILD)/CMakeCache.txt: | deps
	CC=clang-14 cmake -S . -B $(SANBUILD) -DCMAKE_BUILD_TYPE=Debug -DBX_SANITIZE=ON

san: deps $(SANBUILD)/CMakeCache.txt
	cmake --build $(SANBUILD) -j$(JOBS)
	cd $(SANBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

# Long runs, outside `make test`: FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBX_FUZZ=ON
	cmake --build build-fuzz -j$(JOBS)
	scripts/run-fuzz build-fuzz $(FUZZ_SECONDS)

# Benchmarks run one at a time (-j1): two at once would measure each other.
bench: build
	cmake --build $(BUILD) --target bench -j1

# One module's benchmark: make bench-wasm, bench-sandbox, bench-tools,
# bench-llm, bench-shell, bench-agent, bench-gateway.
bench-%: build
	cmake --build $(BUILD) --target bench-$* -j1

# Long stress runs (store crash test with SOAK_KILLS kills), not in make test.
SOAK_KILLS ?= 2000
soak: build
	cmake -S . -B $(BUILD) -DBX_SOAK_KILLS=$(SOAK_KILLS) >/dev/null
	cmake --build $(BUILD) --target soak -j1

clean:
	rm -rf $(BUILD) $(SANBUILD) build-fuzz

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'guest-tools/*.[ch]')
