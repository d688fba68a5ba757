# The IPC lab kit.  `make help` lists the targets.
#
# Everything is built from here or from a lab's own folder; the flags live
# in mk/common.mk, the rules every lab shares in mk/lab.mk.

SHELL := /bin/bash
# Two editions share this Makefile: the instructor's copy (this repository)
# and the student tarball (make dist-student), which has no reference
# solutions, hidden tests, variants or kit self-test.  package.sh writes
# mk/edition.mk into the tarball; a marker rather than a look for the
# solutions' folder, so that a folder a student names so changes nothing.
EDITION := instructor
-include mk/edition.mk
include mk/common.mk

LABS      := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))
TESTSRC   := $(sort $(wildcard tests/[0-9][0-9]-*.c))
TESTBINS  := $(patsubst tests/%.c,build/tests/%,$(TESTSRC))
HARNESS   := $(patsubst tests/harness/%.c,build/tests/harness/%.o,\
               $(wildcard tests/harness/*.c))
LIBSRC    := synclib/synclib.c synclib/err.c synclib/ipcname.c synclib/util.c
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

# The program folders `make` builds: the student's and, in the
# instructor's copy, the reference.
TREES := labs $(if $(filter instructor,$(EDITION)),solutions)
# What only the instructor's copy can do (they need solutions, hidden
# tests or the self-test); the student edition answers them in one line.
INSTRUCTOR_ONLY := batch bench gradescope prairielearn autolab github-classroom \
                   dist-student screenshot solutions skeletons

.PHONY: all help deps grade test tests labs clean handouts \
        compile_commands.json $(INSTRUCTOR_ONLY)
all: deps tests $(TREES)

help:
	@echo "make grade            grade labs/ (your work); prints scores and writes $(RESULTS),"
	@echo "                      then builds the graded labs in their folders, to run by hand"
	@echo "    LAB=NN            ... only lab NN        TEST=name  ... only that test"
	@echo "    SUBMISSION=DIR    ... grade another copy of the labs/ tree"
	@echo "    RESULTS=FILE      ... write Gradescope-style results.json there"
	@echo "    TIMEOUT_SCALE=N   ... multiply every time limit by N (slow machine, valgrind)"
	@echo "    JOBS=N            ... N labs at a time (default: two per CPU)"
	@echo "    TEST_JOBS=N       ... at most N tests of a lab at a time, while CPUs"
	@echo "                          are idle (default 8; 1: one after the other)"
ifeq ($(EDITION),student)
	@echo "make test             check this machine: compiler, make, Check, bubblewrap, the box"
	@echo "make                  build the test programs and every lab in labs/"
	@echo "make -C labs/NN-topic build one lab in its folder, then run its programs there"
else
	@echo "make test             the kit's own tests (solutions full marks, skeletons and"
	@echo "                      buggy variants lose points, synclib, drift, leftovers)"
	@echo "make                  build labs/, the reference solutions and the test programs"
endif
	@echo "make deps             install what the grader needs (Check, bubblewrap...) if missing"
ifeq ($(EDITION),instructor)
	@echo "make batch SUBMISSIONS=DIR [JOBS=N]   grade a class: one folder or tarball"
	@echo "                      per student; writes build/batch/gradebook.csv and reports"
	@echo "make skeletons        remake labs/ from the reference solutions (a solution is"
	@echo "                      its lab's one source: mk/skeleton.awk keeps the TODOs' placeholders)"
	@echo "make gradescope       build/gradescope.zip, a Gradescope autograder (LAB=NN[,NN]: those labs only)"
	@echo "make prairielearn     build/prairielearn/: a PrairieLearn course's grader image and questions"
	@echo "make autolab          build/autolab/: per lab, Autolab's autograde.tar and autograde-Makefile"
	@echo "make github-classroom build/github-classroom/: the workflow and tests GitHub Classroom runs"
	@echo "make dist-student     build/ipckit-student.tar.gz: the student edition, without"
	@echo "                      solutions, hidden tests, variants or the self-test"
	@echo "make bench            benchmarks: one submission's grading time (grade), a class's"
	@echo "                      (batch), mycp3 against cp, IPC costs (ipcbench), record locks"
	@echo "                      (locks), RPC calls (rpc); BENCH=ipcbench runs one"
endif
	@echo "make handouts         build/handouts/: every handout as an HTML page, with pictures (PAGE=NN-topic: that one)"
ifeq ($(EDITION),instructor)
	@echo "make screenshot       build/handouts/01-pipe.png (PAGE=NN-topic for another; needs Chromium)"
endif
	@echo "make compile_commands.json   for clangd (VS Code, vim, Emacs): each C file's flags"
	@echo "make clean            remove everything built (build/, programs in the lab folders)"

deps:
	@tests/deps.sh

CPUS := $(shell nproc 2>/dev/null || echo 1)
# make grade: most of a lab's grading is waiting on its programs (bounded
# waits, timeouts), so two labs a CPU keep the machine busy.
GRADE_JOBS = $(shell echo $$((2 * $(CPUS))))

# After grading labs/ itself (not another tree), each graded lab is built
# in its own folder too: the grader builds in a copy of its own, and the
# programs a student runs by hand must be the code just graded.  A lab
# that does not build is named in one line; the report has the compiler's
# messages, and the grading is not stopped.
grade: deps
	@$(MAKE) --no-print-directory -s tests
	@tests/grade.sh --tree "$(SUBMISSION)" --lab "$(LAB)" --test "$(TEST)" \
	    --results "$(RESULTS)" --jobs "$(or $(JOBS),$(GRADE_JOBS))"; rc=$$?; \
	$(if $(filter $(abspath labs),$(abspath $(SUBMISSION))),$(BUILD_GRADED)) exit $$rc
BUILD_GRADED = for l in $(LABS); do \
	    case ",$(LAB)," in ,,|*",$$l,"*|*",$${l%%-*},"*) ;; *) continue ;; esac; \
	    $(MAKE) --no-print-directory -s -C labs/$$l >/dev/null 2>&1 || \
	    echo "labs/$$l: not built here (see the grade report for the compiler's messages);" \
	        "$$(sed -n 's/^PROGS *= *//p' labs/$$l/Makefile | sed 's|[^ ][^ ]*|./&|g') there may be stale"; \
	done;

ifeq ($(EDITION),student)
# A student's `make test` checks the setup: what is missing, and the fix.
test:
	@tests/setup-check.sh

$(INSTRUCTOR_ONLY):
	$(error make $@ is part of the instructor's copy of the kit, not of this student edition)
else
test: deps
	@tests/deps.sh test
	@$(MAKE) --no-print-directory -s tests
	@if [ -x tests/kit/selftest.sh ]; then tests/kit/selftest.sh; else \
	    echo "The kit's self-test is not part of this copy of the kit: use make grade."; fi

# labs/ is made from the reference solutions: a solution is its lab's one
# source, and mk/skeleton.awk cuts each TODO region down to the skeleton's
# placeholder (its "//>" lines).  make skeletons remakes every skeleton
# file (one that comes out the same is left as it was); plain make never
# does (a skeleton being tried out by hand is not overwritten), and make
# test fails while labs/ is not what the solutions give.
SOL := solutions
skeletons:
	@for f in $(wildcard $(SOL)/[0-9][0-9]-*/*.[ch] $(SOL)/[0-9][0-9]-*/Makefile); do \
	    o=labs/$${f#$(SOL)/}; mkdir -p "$${o%/*}"; \
	    awk -f mk/skeleton.awk "$$f" >"$$o.new" || { rm -f "$$o.new"; exit 1; }; \
	    if cmp -s "$$o.new" "$$o"; then rm "$$o.new"; \
	    else mv "$$o.new" "$$o"; echo "made $$o from $$f"; fi; \
	done

batch: deps
	@test -n "$(SUBMISSIONS)" || { echo "usage: make batch SUBMISSIONS=DIR [JOBS=N]"; exit 2; }
	@$(MAKE) --no-print-directory -s tests
	@tests/batch.sh -j $(or $(JOBS),$(CPUS)) "$(SUBMISSIONS)"

# Optional: a PNG of a whole rendered page (needs Chromium), to look at.
# PAGE=04-fifo renders and shoots that page only (several: PAGE="04-fifo
# 05-msgq"); PAGE=all, every page; TOP=1, only the top, as a page opens.
SHOT_PAGES = $(if $(filter all,$(PAGE)),,$(or $(PAGE),01-pipe))
screenshot:
	@tests/deps.sh docs
	@handouts/render.sh build/handouts $(SHOT_PAGES)
	@handouts/screenshot.sh $(if $(TOP),--top) $(if $(SHOT_PAGES),$(SHOT_PAGES:%=build/handouts/%.html),build/handouts/[0-9][0-9]-*.html)

gradescope:
	@KIT_LABS="$(LAB)" tests/export/package.sh gradescope build/gradescope.zip

# The other grading platforms (README, "Grading a class"): each export
# drives the same grader and box, and make test checks it against the
# platform's documented contract (tests/kit/export-PLATFORM.sh).
prairielearn autolab github-classroom:
	@tests/export/package.sh $@ build/$@

dist-student:
	@tests/export/package.sh student build/ipckit-student.tar.gz

bench: deps
	@$(MAKE) --no-print-directory -s tests
	@tests/deps.sh bench
	@for b in $(if $(BENCH),$(addprefix tests/bench/,$(addsuffix .sh,$(BENCH))),tests/bench/*.sh); do \
	    echo "== $$b"; $$b || exit 1; done
endif


handouts:
	@tests/deps.sh docs
	@handouts/render.sh build/handouts $(PAGE)

$(TREES):
	@for l in $(LABS); do $(MAKE) --no-print-directory -C $@/$$l || exit 1; done

# For clangd and editors: how each C file is compiled, with the kit's own
# flags and synclib's headers (-MMD -MP left out: an editor writes no
# dependency files).  Written with the shell and awk, so it needs nothing a
# fresh machine lacks (no bear, no python); the include paths are relative
# to each entry's folder, so the kit may live in a path with spaces.
CCDB_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS))
compile_commands.json:
	@{ for f in $(foreach t,$(TREES),$(wildcard $(t)/[0-9][0-9]-*/*.c)); do \
	    printf '%s\t%s\t%s\n' "$(CURDIR)/$${f%/*}" "$${f##*/}" \
	        "$(CC) $(CPPFLAGS) -I../../synclib $(CCDB_CFLAGS) -c $${f##*/}"; done; \
	   for f in synclib/*.c $(wildcard tests/[0-9][0-9]-*.c tests/harness/*.c tests/hidden/*.c); do \
	    printf '%s\t%s\t%s\n' "$(CURDIR)" "$$f" \
	        "$(CC) $(TEST_CPPFLAGS) $(filter-out -MMD -MP,$(TEST_CFLAGS)) -c $$f"; done; \
	 } | awk -F'\t' '$(CCDB_AWK)' >$@.new && mv $@.new $@
	@echo "wrote compile_commands.json ($$(grep -c '"file"' $@) C files)"
CCDB_AWK = function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" } \
	BEGIN { print "[" } \
	{ n = split($$3, a, " "); args = ""; \
	  for (i = 1; i <= n; i++) args = args (i > 1 ? ", " : "") q(a[i]); \
	  printf "%s  {\"directory\": %s, \"file\": %s, \"arguments\": [%s]}", \
	      (NR > 1 ? ",\n" : ""), q($$1), q($$2), args } \
	END { print "\n]" }

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
	@for t in $(TREES); do for l in $(LABS); do $(MAKE) -s -C $$t/$$l clean; done; done

-include $(wildcard build/tests/*.d build/tests/*/*.d)
