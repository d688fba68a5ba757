# Shared build settings for every program of the kit.  Each lab's Makefile
# and the test Makefile include this file; nothing else sets these flags.

CC       ?= cc
# C11 plus POSIX 2008 with the XSI option (System V IPC lives there).
CSTD      = -std=c11
# The contract every build keeps, the grader's and yours: `override` adds
# it even to flags given on the command line, so `make CFLAGS=-O0` (to
# debug) changes the optimisation and keeps the standard, the warnings as
# errors and the dependency files.
override CPPFLAGS += -D_XOPEN_SOURCE=700
CFLAGS   ?= -O2 -g
override CFLAGS += $(CSTD) -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -MMD -MP
# Extra flags from the command line, e.g. SAN="-fsanitize=address,undefined".
override CFLAGS  += $(SAN)
override LDFLAGS += $(SAN)
