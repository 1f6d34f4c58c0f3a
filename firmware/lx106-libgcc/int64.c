/*
 * 64-bit integer multiply and divide for the Xtensa LX106 (call0 ABI).
 *
 * The ESP8266 mask ROM provides these libgcc entry points, so Debian's libgcc.a for
 * xtensa-lx106-elf is built without them (see ../../../shared REFERENCE.md section 2).
 * They follow the libgcc ABI ("Integer library routines" in the GCC internals manual):
 *   __muldi3   a * b modulo 2^64
 *   __udivdi3  unsigned a / b        __umoddi3  unsigned a % b
 *   __divdi3   signed a / b, truncated toward zero
 * Division by zero is undefined in C; these return an all-ones quotient and the dividend as
 * remainder (what the restoring division below naturally produces), never trap.
 *
 * Own code. Written with 32-bit operations only so that the compiler never turns the body
 * back into a call to the routine being defined (LX106 has MULL, 32x32 -> low 32 bits, and
 * NSAU, but no MULUH and no divide instructions).
 */
#include <stdint.h>

uint64_t __muldi3(uint64_t a, uint64_t b);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);

static inline uint64_t make64(uint32_t hi, uint32_t lo) { return ((uint64_t)hi << 32) | lo; }

uint64_t __muldi3(uint64_t a, uint64_t b)
{
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32);
    uint32_t bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    /* Cross terms only contribute to the high word (MULL gives their low 32 bits). */
    uint32_t hi = al * bh + ah * bl;
    /* al * bl as a full 64-bit product from four 16x16 partial products. */
    uint32_t a0 = al & 0xFFFFu, a1 = al >> 16, b0 = bl & 0xFFFFu, b1 = bl >> 16;
    uint32_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint32_t mid = (p00 >> 16) + (p01 & 0xFFFFu) + (p10 & 0xFFFFu);
    uint32_t lo = (p00 & 0xFFFFu) | (mid << 16);
    hi += p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16);
    return make64(hi, lo);
}

/* Leading zeros of a 64-bit value held as two words (NSAU for each word). */
static unsigned clz64(uint32_t hi, uint32_t lo)
{
    if (hi != 0)
        return (unsigned)__builtin_clz(hi);
    return lo != 0 ? 32u + (unsigned)__builtin_clz(lo) : 64u;
}

/* Restoring binary long division on word pairs: quotient returned, remainder in *rem. */
static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint32_t nh = (uint32_t)(n >> 32), nl = (uint32_t)n;
    uint32_t dh = (uint32_t)(d >> 32), dl = (uint32_t)d;

    if (dh == 0 && dl == 0) {
        *rem = n;
        return ~(uint64_t)0;
    }
    if (nh == 0 && dh == 0) {
        /* Both fit one word: the 32-bit routines (__udivsi3/__umodsi3) do it faster. */
        *rem = nl % dl;
        return nl / dl;
    }
    unsigned dz = clz64(dh, dl), nz = clz64(nh, nl);
    if (dz < nz) {  /* d > n */
        *rem = n;
        return 0;
    }
    unsigned shift = dz - nz;
    /* Align the divisor's top bit with the dividend's, one bit at a time (no __ashldi3). */
    for (unsigned i = 0; i < shift; ++i) {
        dh = (dh << 1) | (dl >> 31);
        dl <<= 1;
    }
    uint32_t qh = 0, ql = 0;
    for (unsigned i = 0; i <= shift; ++i) {
        qh = (qh << 1) | (ql >> 31);
        ql <<= 1;
        if (nh > dh || (nh == dh && nl >= dl)) {  /* n >= d: subtract with borrow */
            uint32_t borrow = nl < dl;
            nl -= dl;
            nh -= dh + borrow;
            ql |= 1;
        }
        dl = (dl >> 1) | (dh << 31);
        dh >>= 1;
    }
    *rem = make64(nh, nl);
    return make64(qh, ql);
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    udivmod64(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
    int negative = (n < 0) != (d < 0);
    uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t r;
    uint64_t q = udivmod64(un, ud, &r);
    return (int64_t)(negative ? 0 - q : q);
}
