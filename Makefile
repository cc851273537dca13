# Thin wrapper over CMake. The two commands a new user needs: `make demo` and `make test`.
# Each target installs only the packages it needs (scripts/install-deps SET):
# release/demo/install the library's and the CLI's, test/bench/fuzz their own on top.
# Without root: `make release` works when the build set is present (see README,
# "Building"); `make install PREFIX=$HOME/.local` installs there; DESTDIR=
# stages a package; `make uninstall` removes what the last install put in place.
JOBS ?= 2
REL := build/release
ASAN := build/asan
FUZZ := build/fuzz
FUZZ_SECONDS ?= 30
PREFIX ?= /usr/local
# ON for `make test`: a build without cmocka would skip the unit and sim tests
REQUIRE_TESTS ?= OFF
DEPS ?= build

.PHONY: all deps release asan test demo fuzz bench format install uninstall clean

all: release

deps:
	@scripts/install-deps $(DEPS)

release: deps
	@cmake -S . -B $(REL) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
		-DREGENT_REQUIRE_TESTS=$(REQUIRE_TESTS) >/dev/null
	@cmake --build $(REL) -j$(JOBS)

asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DREGENT_SANITIZE=ON \
		-DREGENT_REQUIRE_TESTS=$(REQUIRE_TESTS) >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)

# Release and ASan+UBSan builds, each fuzz target briefly (libFuzzer, clang), then every CTest
# test on both builds (CTest's summary is the last thing printed).
test:
	@$(MAKE) --no-print-directory release asan DEPS=test REQUIRE_TESTS=ON
	@$(MAKE) --no-print-directory fuzz DEPS=test FUZZ_SECONDS=$(FUZZ_SECONDS)
	cd $(REL) && ctest --output-on-failure -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

demo: release
	@scripts/demo $(REL)

fuzz:
	@scripts/install-deps $(if $(filter test,$(DEPS)),test,fuzz)
	@CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DREGENT_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j$(JOBS)
	@scripts/run-fuzz $(FUZZ) $(FUZZ_SECONDS)

bench:
	@$(MAKE) --no-print-directory release DEPS=bench
	@bench/run $(REL)
	@bench/client/run $(REL)
	@bench/load/run $(REL)
	@bench/keepalive/run $(REL)

format:
	@find include src registrar tools tests fuzz bench examples -name '*.[ch]' | xargs clang-format -i

# PREFIX=DIR installs there (no root needed for a directory of your own);
# DESTDIR=DIR (from the environment or the command line) stages the files.
install: release
	DESTDIR=$(DESTDIR) cmake --install $(REL) --prefix $(PREFIX)

# Removes every file the last `make install` wrote (CMake's install manifest).
uninstall:
	@test -f $(REL)/install_manifest.txt || { echo "uninstall: nothing installed from $(REL)"; exit 1; }
	@xargs -d '\n' rm -fv <$(REL)/install_manifest.txt

clean:
	rm -rf build
