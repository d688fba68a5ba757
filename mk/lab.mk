# lab.mk - the rules every lab shares.  A lab's Makefile sets PROGS (the
# programs, each built from PROG.c) and includes this file.
#
#   make          build the lab's programs here
#   make grade    grade this folder's programs (runs the kit's grader),
#                 then build them here, so that ./prog is what was graded
#   make clean    remove what make built

KIT_TOP  := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
SYNCLIB   = $(KIT_TOP)/synclib
include $(KIT_TOP)/mk/common.mk
override CPPFLAGS += -I$(SYNCLIB)

LAB      := $(notdir $(CURDIR))
# A lab that brings its own synchronisation (lab 15) sets LIBOBJS first.
LIBOBJS  ?= synclib.o err.o ipcname.o util.o
vpath %.c $(SYNCLIB)

.PHONY: all grade clean
all: $(PROGS)

# Link with $^ (every prerequisite), never $?: a partial rebuild would
# otherwise drop the objects that did not change.
$(PROGS): %: %.o $(LIBOBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The kit's `make grade` builds the lab here after grading it, as it does
# for every lab of the kit's own labs/ tree, which this folder is part of.
grade:
	@$(MAKE) --no-print-directory -C $(KIT_TOP) grade \
	    LAB=$(firstword $(subst -, ,$(LAB))) SUBMISSION=$(abspath ..)

clean:
	rm -f $(PROGS) *.o *.d

-include $(wildcard *.d)
