# Thin wrapper over CMake. The two commands a new user needs: `make demo` and `make test`.
JOBS ?= 2
REL := build/release
ASAN := build/asan
FUZZ := build/fuzz
FUZZ_SECONDS ?= 30

.PHONY: all deps release asan test demo fuzz bench format install clean

all: release

deps:
	@scripts/install-deps

release: deps
	@cmake -S . -B $(REL) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(REL) -j$(JOBS)

asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DREGENT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)

# Release and ASan+UBSan builds, each fuzz target briefly (libFuzzer, clang), then every CTest
# test on both builds (CTest's summary is the last thing printed).
test: release asan
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	cd $(REL) && ctest --output-on-failure -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

demo: release
	@scripts/demo $(REL)

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DREGENT_FUZZ=ON -DREGENT_SUBDIRS=fuzz >/dev/null
	@cmake --build $(FUZZ) -j$(JOBS)
	@scripts/run-fuzz $(FUZZ) $(FUZZ_SECONDS)

bench: release
	@bench/run $(REL)
	@bench/client/run $(REL)
	@bench/load/run $(REL)

format:
	@find include src tools tests fuzz bench examples -name '*.[ch]' | xargs clang-format -i

install: release
	cmake --install $(REL)

clean:
	rm -rf build
