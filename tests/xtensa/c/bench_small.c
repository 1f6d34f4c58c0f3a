/* The benchmark program (bench/lx106_bench.c) with 3 rounds: its kernels (CRC-32, quicksort,
 * sieve, matrix multiply, hashing with division) as a differential test against QEMU and the
 * host build. */
#define ROUNDS 3
#include "../bench/lx106_bench.c"
