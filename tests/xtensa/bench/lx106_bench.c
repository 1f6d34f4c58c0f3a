/*
 * CPU-bound benchmark for lx106 (scripts/bench-lx106.sh): integer work only, no libgcc calls in
 * the hot loops except where noted, a fixed amount of work, deterministic. Kernels:
 *   crc32     bitwise CRC-32 (IEEE 802.3 polynomial, reflected) over a 16 KiB buffer
 *   qsort     recursive quicksort of 4096 pseudo-random words
 *   sieve     sieve of Eratosthenes up to 65536 (byte array)
 *   matmul    24x24 integer matrix multiply (MULL)
 *   strhash   FNV-1a over generated strings, with 32-bit division (libgcc __udivsi3)
 * Each kernel's checksum is printed and compared with the value a host build of this file
 * prints (EXPECTED_*); the program exits 0 only if all match, 1 otherwise.
 * ROUNDS scales the total work (default chosen for ~1-5 s under QEMU 7.2 on the build machine).
 */
#include <stdint.h>
#include <stdio.h>

#ifndef ROUNDS
#define ROUNDS 200
/* What a host (x86-64) build of this file prints with ROUNDS 200. */
#define EXPECTED_CRC 0xa5aa3e63u
#define EXPECTED_SORT 0x58cc9612u
#define EXPECTED_SIEVE 0x67500508u
#define EXPECTED_MAT 0x0c021c83u
#define EXPECTED_HASH 0x66257028u
#endif

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint8_t buf[16384];
static uint32_t crc32_bitwise(const uint8_t *p, unsigned n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t arr[4096];
static void quicksort(uint32_t *a, int lo, int hi)
{
    while (lo < hi) {
        uint32_t pivot = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                ++i;
            while (a[j] > pivot)
                --j;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                ++i;
                --j;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static uint8_t composite[65536];
static uint32_t sieve(void)
{
    uint32_t count = 0, sum = 0;
    for (unsigned i = 0; i < sizeof composite; ++i)
        composite[i] = 0;
    for (unsigned i = 2; i < sizeof composite; ++i) {
        if (composite[i])
            continue;
        ++count;
        sum += i;
        for (unsigned j = i * i; j < sizeof composite; j += i)
            composite[j] = 1;
    }
    return count * 65599u + sum;
}

#define M 24
static int32_t ma[M][M], mb[M][M], mc[M][M];
static uint32_t matmul(void)
{
    uint32_t check = 0;
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < M; ++j) {
            int32_t s = 0;
            for (int k = 0; k < M; ++k)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
            check = check * 31u + (uint32_t)s;
        }
    return check;
}

static uint32_t strhash(void)
{
    char s[24];
    uint32_t total = 0;
    for (uint32_t n = 1; n < 3000; ++n) {
        /* decimal digits of n*7919 via division (libgcc __udivsi3/__umodsi3 on lx106) */
        uint32_t v = n * 7919u;
        int len = 0;
        do {
            s[len++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v);
        uint32_t h = 2166136261u;
        for (int i = 0; i < len; ++i) {
            h ^= (uint8_t)s[i];
            h *= 16777619u;
        }
        total += h % 1000003u;
    }
    return total;
}

int main(void)
{
    uint32_t c_crc = 0, c_sort = 0, c_sieve = 0, c_mat = 0, c_hash = 0;
    for (int round = 0; round < ROUNDS; ++round) {
        for (unsigned i = 0; i < sizeof buf; ++i)
            buf[i] = (uint8_t)next_rand();
        c_crc ^= crc32_bitwise(buf, sizeof buf);

        for (unsigned i = 0; i < 4096; ++i)
            arr[i] = next_rand();
        quicksort(arr, 0, 4095);
        for (unsigned i = 0; i < 4096; i += 64)
            c_sort = c_sort * 33u + arr[i];
        for (unsigned i = 1; i < 4096; ++i)
            if (arr[i - 1] > arr[i])
                c_sort ^= 0xDEADu;   /* not sorted */

        c_sieve += sieve();

        for (int i = 0; i < M; ++i)
            for (int j = 0; j < M; ++j) {
                ma[i][j] = (int32_t)(next_rand() % 2001u) - 1000;
                mb[i][j] = (int32_t)(next_rand() % 2001u) - 1000;
            }
        c_mat ^= matmul();

        c_hash += strhash();
    }
    printf("crc32   %08lx\n", (unsigned long)c_crc);
    printf("qsort   %08lx\n", (unsigned long)c_sort);
    printf("sieve   %08lx\n", (unsigned long)c_sieve);
    printf("matmul  %08lx\n", (unsigned long)c_mat);
    printf("strhash %08lx\n", (unsigned long)c_hash);
#ifdef EXPECTED_CRC
    int ok = c_crc == EXPECTED_CRC && c_sort == EXPECTED_SORT && c_sieve == EXPECTED_SIEVE &&
             c_mat == EXPECTED_MAT && c_hash == EXPECTED_HASH;
    printf("bench %s\n", ok ? "ok" : "WRONG RESULT");
    return ok ? 0 : 1;
#else
    printf("bench unchecked (ROUNDS %d)\n", ROUNDS);
    return 0;
#endif
}
