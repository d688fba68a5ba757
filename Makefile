# The IPC lab kit.  `make help` lists the targets.
#
# Everything is built from here or from a lab's own folder; the flags live
# in mk/common.mk, the rules every lab shares in mk/lab.mk.

SHELL := /bin/bash
include mk/common.mk

LABS      := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))
TESTSRC   := $(sort $(wildcard tests/[0-9][0-9]-*.c))
TESTBINS  := $(patsubst tests/%.c,build/tests/%,$(TESTSRC))
HARNESS   := $(patsubst tests/harness/%.c,build/tests/harness/%.o,\
               $(wildcard tests/harness/*.c))
LIBSRC    := synclib/synclib.c synclib/err.c synclib/ipcname.c
LIBOBJS   := $(patsubst synclib/%.c,build/tests/lib/%.o,$(LIBSRC))
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
TEST_CPPFLAGS = $(CPPFLAGS) -Itests/harness -Isynclib $(CHECK_CFLAGS)
# Test tables leave the optional timeout out.
TEST_CFLAGS   = $(CFLAGS) -Wno-missing-field-initializers -Wno-format-truncation \
                -Wno-unknown-warning-option

# What `make grade` grades; see `make help`.
SUBMISSION ?= labs
LAB        ?=
TEST       ?=
RESULTS    ?= build/results.json
TIMEOUT_SCALE ?= $(or $(CK_TIMEOUT_MULTIPLIER),1)
export CK_TIMEOUT_MULTIPLIER := $(TIMEOUT_SCALE)
ifdef TEST_JOBS
export KIT_TEST_JOBS := $(TEST_JOBS)
endif

.PHONY: all help deps grade test tests labs solutions clean batch bench \
        gradescope dist-student handouts screenshot
all: deps tests labs solutions

help:
	@echo "make grade            grade labs/ (your work); prints scores and writes $(RESULTS)"
	@echo "    LAB=NN            ... only lab NN        TEST=name  ... only that test"
	@echo "    SUBMISSION=DIR    ... grade another copy of the labs/ tree"
	@echo "    RESULTS=FILE      ... write Gradescope-style results.json there"
	@echo "    TIMEOUT_SCALE=N   ... multiply every time limit by N (slow machine, valgrind)"
	@echo "    JOBS=N            ... N labs at a time (default: two per CPU)"
	@echo "    TEST_JOBS=N       ... at most N tests of a lab at a time, while CPUs"
	@echo "                          are idle (default 8; 1: one after the other)"
	@echo "make test             the kit's own tests (solutions full marks, skeletons and"
	@echo "                      buggy variants lose points, synclib, drift, leftovers)"
	@echo "make                  build labs/, solutions/ and the test programs"
	@echo "make deps             install Check and pkg-config if they are missing"
	@echo "make batch SUBMISSIONS=DIR [JOBS=N]   grade a class: one folder or tarball"
	@echo "                      per student; writes build/batch/gradebook.csv and reports"
	@echo "make gradescope       build/gradescope.zip, a Gradescope autograder"
	@echo "make dist-student     build/ipckit-student.tar.gz: the kit without solutions"
	@echo "                      or hidden tests"
	@echo "make bench            benchmarks: mycp3 against cp, IPC costs (ipcbench),"
	@echo "                      batch grading speed; BENCH=ipcbench runs one"
	@echo "make handouts         build/handouts/: every handout as an HTML page, with pictures"
	@echo "make screenshot       build/handouts/01-pipe.png (PAGE=NN-topic for another; needs Chromium)"
	@echo "make clean            remove everything built"

deps:
	@tests/deps.sh

grade: deps
	@$(MAKE) --no-print-directory -s tests
	@tests/grade.sh --tree "$(SUBMISSION)" --lab "$(LAB)" --test "$(TEST)" \
	    --results "$(RESULTS)" --jobs "$(or $(JOBS),$(GRADE_JOBS))"

test: deps
	@tests/deps.sh test
	@$(MAKE) --no-print-directory -s tests
	@if [ -x tests/kit/selftest.sh ]; then tests/kit/selftest.sh; else \
	    echo "The kit's self-test is not part of the student kit: use make grade."; fi

CPUS := $(shell nproc 2>/dev/null || echo 1)
# make grade: most of a lab's grading is waiting on its programs (bounded
# waits, timeouts), so two labs a CPU keep the machine busy.
GRADE_JOBS = $(shell echo $$((2 * $(CPUS))))
batch: deps
	@test -n "$(SUBMISSIONS)" || { echo "usage: make batch SUBMISSIONS=DIR [JOBS=N]"; exit 2; }
	@$(MAKE) --no-print-directory -s tests
	@tests/batch.sh -j $(or $(JOBS),$(CPUS)) "$(SUBMISSIONS)"

handouts:
	@tests/deps.sh docs
	@handouts/render.sh build/handouts

# Optional: a PNG of one rendered page (needs Chromium), to look at.
screenshot: handouts
	@handouts/screenshot.sh build/handouts/$(or $(PAGE),01-pipe).html

gradescope:
	@tests/export/package.sh gradescope build/gradescope.zip

dist-student:
	@tests/export/package.sh student build/ipckit-student.tar.gz

bench: deps
	@$(MAKE) --no-print-directory -s tests
	@tests/deps.sh bench
	@for b in $(if $(BENCH),$(addprefix tests/bench/,$(addsuffix .sh,$(BENCH))),tests/bench/*.sh); do \
	    echo "== $$b"; $$b || exit 1; done

labs solutions:
	@for l in $(LABS); do $(MAKE) --no-print-directory -C $@/$$l || exit 1; done

# The test programs need Check: on a fresh machine deps installs it first.
tests: deps
tests: $(TESTBINS) build/tests/synclib

build/tests/harness/%.o: tests/harness/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

build/tests/lib/%.o: synclib/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

build/tests/hidden/%.o: tests/hidden/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

build/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

# A lab's test program: its public tests, the harness, and the
# instructor's hidden tests for it when tests/hidden/NN-topic.c exists.
.SECONDEXPANSION:
build/tests/%: build/tests/%.o $(HARNESS) \
        $$(if $$(wildcard tests/hidden/$$*.c),build/tests/hidden/$$*.o)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# synclib's own unit tests link the library itself (they are not graded).
build/tests/synclib: build/tests/synclib-test.o $(LIBOBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

build/tests/synclib-test.o: synclib/test_synclib.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

clean:
	rm -rf build
	@for l in $(LABS); do $(MAKE) -s -C labs/$$l clean; \
	    $(MAKE) -s -C solutions/$$l clean; done

-include $(wildcard build/tests/*.d build/tests/*/*.d)
