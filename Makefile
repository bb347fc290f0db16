# SPDX-License-Identifier: Apache-2.0
# The two commands: `make demo` and `make test`. Both run scripts/setup first (idempotent).
# `make test` also runs part of the suite as aarch64 code under qemu (scripts/test-arm64 quick);
# `make test-arm64` runs all of it there.
BUILD ?= build
ROBOMLX := $(BUILD)/apps/robomlx/robomlx
OUT ?= out
FUZZ_SECONDS ?= 60

.PHONY: setup demo test test-arm64 bench fuzz asan gpu-check clean

setup:
	@scripts/setup

demo: setup
	@scripts/demo $(ROBOMLX) $(OUT)

test: setup
	@cd $(BUILD) && ctest --output-on-failure --parallel 2
	@scripts/test-arm64 quick

test-arm64:
	@scripts/test-arm64 all

bench: setup
	@$(ROBOMLX) bench core --json $(OUT)/bench-core.json

fuzz:
	@scripts/fuzz $(FUZZ_SECONDS)

asan:
	@ROBOMLX_BUILD_DIR=build-asan ROBOMLX_CMAKE_ARGS="-DROBOMLX_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo" scripts/setup
	@cd build-asan && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure --parallel 2

gpu-check:
	@scripts/gpu-check

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-arm64 $(OUT)
