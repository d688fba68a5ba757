# Shared build settings for every program of the kit.  Each lab's Makefile
# and the test Makefile include this file; nothing else sets these flags.

CC       ?= cc
# C11 plus POSIX 2008 with the XSI option (System V IPC lives there).
CSTD      = -std=c11
CPPFLAGS += -D_XOPEN_SOURCE=700
CFLAGS   ?= -O2 -g
CFLAGS   += $(CSTD) -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -MMD -MP
# Extra flags from the command line, e.g. SAN="-fsanitize=address,undefined".
CFLAGS   += $(SAN)
LDFLAGS  += $(SAN)
