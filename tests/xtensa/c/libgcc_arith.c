/*
 * Arithmetic the LX106 has no instructions for, so GCC calls libgcc (and, on the ESP8266, the
 * mask ROM): 32-bit and 64-bit divide/modulo, 64-bit multiply, IEEE-754 single and double
 * add/sub/mul/div/compare, int<->float conversions, float<->double.
 *
 * The same source is built for the host (x86-64, SSE: exact IEEE-754 binary32/binary64, round
 * to nearest even) and for lx106; the ctest compares the two outputs line by line, so a wrong
 * routine in firmware/lx106-libgcc or a wrong instruction in the emulator shows up as a
 * differing line. Only operations with defined C results are used (no division by zero, no
 * INT_MIN / -1, no out-of-range float-to-int conversions); NaN results are printed as "nan"
 * because their sign/payload is not specified by C.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N_RANDOM 400

static uint32_t rng_state = 0x12345678u;

/* xorshift32 (Marsaglia 2003): deterministic operands on both builds. */
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint64_t rnd64(void)
{
    uint64_t hi = rnd();
    return (hi << 32) | rnd();
}

/* FNV-1a over 32-bit words: one line per operation keeps the output short. */
struct digest {
    const char *name;
    uint32_t hash;
    unsigned count;
};

static void digest_add(struct digest *d, uint32_t v)
{
    for (int i = 0; i < 4; ++i) {
        d->hash ^= (v >> (8 * i)) & 0xFF;
        d->hash *= 16777619u;
    }
    d->count++;
}

static void digest_print(const struct digest *d)
{
    printf("%-10s n=%u hash=%08lx\n", d->name, d->count, (unsigned long)d->hash);
}

static uint32_t fbits(float f)
{
    uint32_t u;
    if (f != f)
        return 0x7FC00000u;  /* any NaN */
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    if (d != d)
        return 0x7FF8000000000000ull;
    memcpy(&u, &d, 8);
    return u;
}

static float bits_f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double bits_d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Random float/double with a moderate exponent range, so that products and sums stay finite
 * most of the time but still round; special values are covered separately. */
static float rnd_float(void)
{
    uint32_t u = rnd();
    uint32_t exp = 127 - 30 + (rnd() % 60);
    return bits_f((u & 0x807FFFFFu) | (exp << 23));
}

static double rnd_double(void)
{
    uint64_t u = rnd64();
    uint64_t exp = 1023 - 60 + (rnd() % 120);
    return bits_d((u & 0x800FFFFFFFFFFFFFull) | (exp << 52));
}

static const uint32_t special_f[] = {
    0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x7FC00000,
    0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x3EAAAAAB, 0x4B000000, 0x4F000000,
};
static const uint64_t special_d[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3FF0000000000000ull, 0xBFF0000000000000ull,
    0x7FF0000000000000ull, 0xFFF0000000000000ull, 0x7FF8000000000000ull, 0x0000000000000001ull,
    0x000FFFFFFFFFFFFFull, 0x0010000000000000ull, 0x7FEFFFFFFFFFFFFFull, 0x3FD5555555555555ull,
    0x4330000000000000ull, 0x41E0000000000000ull,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* volatile operands stop GCC from folding the operations at compile time. */
static volatile uint32_t vu32[2];
static volatile int32_t vs32[2];
static volatile uint64_t vu64[2];
static volatile int64_t vs64[2];
static volatile float vf[2];
static volatile double vd[2];

static void int32_ops(void)
{
    struct digest udiv = {"udivsi3", 2166136261u, 0}, umod = {"umodsi3", 2166136261u, 0};
    struct digest sdiv = {"divsi3", 2166136261u, 0}, smod = {"modsi3", 2166136261u, 0};
    for (int i = 0; i < N_RANDOM; ++i) {
        /* One call per statement: the order of two calls in one expression is unspecified. */
        uint32_t a = rnd();
        uint32_t b = rnd();
        b >>= rnd() % 32;
        if (b == 0)
            b = 7;
        vu32[0] = a;
        vu32[1] = b;
        digest_add(&udiv, vu32[0] / vu32[1]);
        digest_add(&umod, vu32[0] % vu32[1]);
        int32_t sa = (int32_t)a, sb = (int32_t)b * ((rnd() & 1) ? -1 : 1);
        if (sa == INT32_MIN && sb == -1)
            sb = 3;
        vs32[0] = sa;
        vs32[1] = sb;
        digest_add(&sdiv, (uint32_t)(vs32[0] / vs32[1]));
        digest_add(&smod, (uint32_t)(vs32[0] % vs32[1]));
    }
    /* A few exact lines for the edge cases a person reads first. */
    vu32[0] = 0xFFFFFFFFu; vu32[1] = 1;
    printf("0xffffffff/1 = %08lx\n", (unsigned long)(vu32[0] / vu32[1]));
    vs32[0] = INT32_MIN; vs32[1] = 1;
    printf("INT_MIN/1 = %ld, INT_MIN%%7 = %ld\n", (long)(vs32[0] / vs32[1]), (long)(vs32[0] % 7));
    vs32[0] = -7; vs32[1] = 2;
    printf("-7/2 = %ld, -7%%2 = %ld, 7/-2 = %ld\n", (long)(vs32[0] / vs32[1]),
           (long)(vs32[0] % vs32[1]), (long)(7 / vs32[1] * -1));
    digest_print(&udiv);
    digest_print(&umod);
    digest_print(&sdiv);
    digest_print(&smod);
}

static void int64_ops(void)
{
    struct digest mul = {"muldi3", 2166136261u, 0}, udiv = {"udivdi3", 2166136261u, 0};
    struct digest umod = {"umoddi3", 2166136261u, 0}, sdiv = {"divdi3", 2166136261u, 0};
    struct digest smod = {"moddi3", 2166136261u, 0};
    for (int i = 0; i < N_RANDOM; ++i) {
        uint64_t a = rnd64();
        uint64_t b = rnd64();
        b >>= rnd() % 64;
        if (b == 0)
            b = 11;
        vu64[0] = a;
        vu64[1] = b;
        uint64_t p = vu64[0] * vu64[1], q = vu64[0] / vu64[1], r = vu64[0] % vu64[1];
        digest_add(&mul, (uint32_t)p);
        digest_add(&mul, (uint32_t)(p >> 32));
        digest_add(&udiv, (uint32_t)q);
        digest_add(&udiv, (uint32_t)(q >> 32));
        digest_add(&umod, (uint32_t)r);
        digest_add(&umod, (uint32_t)(r >> 32));
        int64_t sa = (int64_t)a, sb = (int64_t)b * ((rnd() & 1) ? -1 : 1);
        if (sa == INT64_MIN && sb == -1)
            sb = 5;
        vs64[0] = sa;
        vs64[1] = sb;
        int64_t sq = vs64[0] / vs64[1], sr = vs64[0] % vs64[1];
        digest_add(&sdiv, (uint32_t)sq);
        digest_add(&sdiv, (uint32_t)((uint64_t)sq >> 32));
        digest_add(&smod, (uint32_t)sr);
        digest_add(&smod, (uint32_t)((uint64_t)sr >> 32));
    }
    vu64[0] = 0xFFFFFFFFFFFFFFFFull; vu64[1] = 0xFFFFFFFFull;
    uint64_t q = vu64[0] / vu64[1];
    printf("2^64-1 / 2^32-1 = %08lx%08lx\n", (unsigned long)(uint32_t)(q >> 32),
           (unsigned long)(uint32_t)q);
    vu64[0] = 0x123456789ull; vu64[1] = 0x987654321ull;
    uint64_t p = vu64[0] * vu64[1];
    printf("0x123456789 * 0x987654321 = %08lx%08lx\n", (unsigned long)(uint32_t)(p >> 32),
           (unsigned long)(uint32_t)p);
    digest_print(&mul);
    digest_print(&udiv);
    digest_print(&umod);
    digest_print(&sdiv);
    digest_print(&smod);
}

static void float_ops(void)
{
    struct digest add = {"addsf3", 2166136261u, 0}, sub = {"subsf3", 2166136261u, 0};
    struct digest mul = {"mulsf3", 2166136261u, 0}, div = {"divsf3", 2166136261u, 0};
    struct digest cmp = {"cmpsf2", 2166136261u, 0}, cvt = {"cvt_sf", 2166136261u, 0};
    unsigned n_special = COUNT(special_f);
    for (unsigned i = 0; i < N_RANDOM + n_special * n_special; ++i) {
        float a, b;
        if (i < n_special * n_special) {
            a = bits_f(special_f[i / n_special]);
            b = bits_f(special_f[i % n_special]);
        } else {
            a = rnd_float();
            b = rnd_float();
        }
        vf[0] = a;
        vf[1] = b;
        digest_add(&add, fbits(vf[0] + vf[1]));
        digest_add(&sub, fbits(vf[0] - vf[1]));
        digest_add(&mul, fbits(vf[0] * vf[1]));
        digest_add(&div, fbits(vf[0] / vf[1]));
        digest_add(&cmp, (uint32_t)((vf[0] < vf[1]) | (vf[0] <= vf[1]) << 1 | (vf[0] == vf[1]) << 2 |
                                    (vf[0] != vf[1]) << 3 | (vf[0] > vf[1]) << 4 |
                                    (vf[0] >= vf[1]) << 5));
        /* conversions with defined results only */
        if (vf[0] > -2147483648.0f && vf[0] < 2147483648.0f)
            digest_add(&cvt, (uint32_t)(int32_t)vf[0]);
        if (vf[0] > -1.0f && vf[0] < 4294967296.0f)
            digest_add(&cvt, (uint32_t)vf[0]);
        digest_add(&cvt, (uint32_t)(dbits((double)vf[0]) >> 32));
        digest_add(&cvt, (uint32_t)dbits((double)vf[0]));
        vs32[0] = (int32_t)rnd();
        vu32[0] = rnd();
        digest_add(&cvt, fbits((float)vs32[0]));
        digest_add(&cvt, fbits((float)vu32[0]));
    }
    vf[0] = 1.0f; vf[1] = 3.0f;
    printf("1f/3f = %08lx, 0.1f+0.2f = %08lx\n", (unsigned long)fbits(vf[0] / vf[1]),
           (unsigned long)fbits(0.1f + vf[0] * 0.2f));
    digest_print(&add);
    digest_print(&sub);
    digest_print(&mul);
    digest_print(&div);
    digest_print(&cmp);
    digest_print(&cvt);
}

static void double_ops(void)
{
    struct digest add = {"adddf3", 2166136261u, 0}, sub = {"subdf3", 2166136261u, 0};
    struct digest mul = {"muldf3", 2166136261u, 0}, div = {"divdf3", 2166136261u, 0};
    struct digest cmp = {"cmpdf2", 2166136261u, 0}, cvt = {"cvt_df", 2166136261u, 0};
    unsigned n_special = COUNT(special_d);
    for (unsigned i = 0; i < N_RANDOM + n_special * n_special; ++i) {
        double a, b;
        if (i < n_special * n_special) {
            a = bits_d(special_d[i / n_special]);
            b = bits_d(special_d[i % n_special]);
        } else {
            a = rnd_double();
            b = rnd_double();
        }
        vd[0] = a;
        vd[1] = b;
        uint64_t r;
        r = dbits(vd[0] + vd[1]);
        digest_add(&add, (uint32_t)r);
        digest_add(&add, (uint32_t)(r >> 32));
        r = dbits(vd[0] - vd[1]);
        digest_add(&sub, (uint32_t)r);
        digest_add(&sub, (uint32_t)(r >> 32));
        r = dbits(vd[0] * vd[1]);
        digest_add(&mul, (uint32_t)r);
        digest_add(&mul, (uint32_t)(r >> 32));
        r = dbits(vd[0] / vd[1]);
        digest_add(&div, (uint32_t)r);
        digest_add(&div, (uint32_t)(r >> 32));
        digest_add(&cmp, (uint32_t)((vd[0] < vd[1]) | (vd[0] <= vd[1]) << 1 | (vd[0] == vd[1]) << 2 |
                                    (vd[0] != vd[1]) << 3 | (vd[0] > vd[1]) << 4 |
                                    (vd[0] >= vd[1]) << 5));
        if (vd[0] > -2147483649.0 && vd[0] < 2147483648.0)
            digest_add(&cvt, (uint32_t)(int32_t)vd[0]);
        if (vd[0] > -1.0 && vd[0] < 4294967296.0)
            digest_add(&cvt, (uint32_t)vd[0]);
        digest_add(&cvt, fbits((float)vd[0]));
        vs32[0] = (int32_t)rnd();
        vu32[0] = rnd();
        digest_add(&cvt, (uint32_t)(dbits((double)vs32[0]) >> 32));
        digest_add(&cvt, (uint32_t)(dbits((double)vu32[0]) >> 32));
        digest_add(&cvt, (uint32_t)dbits((double)vu32[0]));
    }
    vd[0] = 1.0; vd[1] = 3.0;
    uint64_t third = dbits(vd[0] / vd[1]);
    printf("1/3 = %08lx%08lx\n", (unsigned long)(uint32_t)(third >> 32),
           (unsigned long)(uint32_t)third);
    digest_print(&add);
    digest_print(&sub);
    digest_print(&mul);
    digest_print(&div);
    digest_print(&cmp);
    digest_print(&cvt);
}

int main(void)
{
    int32_ops();
    int64_ops();
    float_ops();
    double_ops();
    printf("libgcc_arith done\n");
    return 0;
}
