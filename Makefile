# Thin wrapper over CMake. `make run` and `make test` are all a newcomer needs.
BUILD ?= build
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build run test install fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/synfire-server --data ./data --listen 127.0.0.1:8080

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD)

fuzz: deps
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DSYNFIRE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS)
	@bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@bash bench/inspect.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-fuzz
