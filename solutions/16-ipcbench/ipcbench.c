/*
 * ipcbench.c - what inter-process communication costs on this machine:
 * round-trip latency and one-way throughput of ten mechanisms, next to
 * memcpy, the ceiling no copy between processes can pass.
 *
 * Usage: ipcbench [-m LIST] [-s LIST] [-o FILE.csv] [-c CPU,CPU]
 *                 [--quick] [--verify]
 *
 *   -m LIST     mechanisms, comma-separated (default: all of them):
 *               pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy
 *   -s LIST     throughput message sizes in bytes, K or M allowed
 *               (default 64,4K,64K,1M); each a multiple of 8, 32 to 64M
 *   -o FILE     also write the results as CSV (see bench.h)
 *   -c A,B      pin the sender to CPU A and the receiver to CPU B for every
 *               mechanism (default: not pinned, except shm-spin, which
 *               always runs on two different CPUs or not at all)
 *   --quick     small counts: the whole run takes about a second (tests)
 *   --verify    compare every byte of every message (--quick does too)
 *
 * For each mechanism the parent forks a child and measures.  The parts:
 * ring.c (the shared-memory ring) and chan.c (every mechanism's channel)
 * are this lab's; the measuring, the statistics, the command line and the
 * report are the kit's bench.c (bench.h says what it does: the message
 * format, the CSV format, the clean-up policy).  One line per result:
 *
 *     $ ./ipcbench -m pipe,memcpy -s 4K
 *     ipcbench: 2 CPUs online, 2 allowed (0-1); sender and receiver not pinned
 *     ...
 *     mechanism  test          size       median          min          max unit
 * cpu/wall pipe       latency         64         9213         7001       120433
 * ns        0.97 pipe       throughput      4K       1210.3       1185.0 1250.2
 * MB/s      1.35 memcpy     throughput      4K      21345.9      20001.3
 * 22010.8  MB/s      1.00
 *
 * Exit status 0 when every measurement ran and every message arrived
 * intact; 1 when a call failed or a message arrived wrong (the CSV is then
 * not written); 2 on a bad command line.
 */
#define _GNU_SOURCE /* ipcbench.h: futex */

#include "ipcbench.h"

#include <stdlib.h>

#define USAGE                                                                  \
    "[-m LIST] [-s LIST] [-o FILE.csv] [-c CPU,CPU] [--quick] [--verify]"

/* Your parts, as the measuring code calls them. */
static const struct bench_chan parts = {chan_cannot, chan_setup,  chan_attach,
                                        chan_unlink, chan_remove, ring_write,
                                        ring_read};

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (bench_options(argc, argv) == -1)
        die_usage(USAGE);
    /* Clean-up first, so that nothing made later can escape it. */
    bench_at_exit();
    bench_catch_signals();
    if (bench_csv_open() == -1)
        die("open %s", bench_csv_name());
    bench_start();
    bench_run(&parts);
    bench_finish();
    return EXIT_SUCCESS;
}
