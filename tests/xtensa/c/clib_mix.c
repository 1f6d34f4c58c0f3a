/*
 * Compiler- and C-library-generated code on lx106: switch jump tables, structs by value,
 * recursion, function pointers, setjmp/longjmp, 64-bit shifts and compares (libgcc), picolibc's
 * printf (integer and floating formats, which run the double routines of libgcc-extra),
 * string functions and qsort. Built for the host too; the outputs must be equal.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vec3 {
    int32_t x, y, z;
};

static struct vec3 cross(struct vec3 a, struct vec3 b)
{
    struct vec3 r = {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
    return r;
}

static const char *classify(int v)
{
    switch (v) {
    case 0: return "zero";
    case 1: return "one";
    case 2: return "two";
    case 3: return "three";
    case 5: return "five";
    case 8: return "eight";
    case 13: return "thirteen";
    case 21: return "twenty-one";
    default: return "other";
    }
}

static int ackermann(int m, int n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static jmp_buf env;
static volatile int depth_reached;

static void dive(int depth)
{
    depth_reached = depth;
    if (depth == 7)
        longjmp(env, depth * 6);
    if (depth < 100)
        dive(depth + 1);
}

static volatile uint64_t v64 = 0x0123456789ABCDEFull;
static volatile unsigned shift_by = 37;
static volatile double dv[] = {3.141592653589793, -2.5e-7, 1e21, 123456.789, 0.1};

int main(void)
{
    struct vec3 a = {3, -4, 5}, b = {-7, 2, 9};
    struct vec3 c = cross(a, b);
    printf("cross = (%ld, %ld, %ld)\n", (long)c.x, (long)c.y, (long)c.z);

    for (int i = 0; i < 23; i += 1)
        if (i % 3 == 0 || i == 13 || i == 21)
            printf("%d:%s ", i, classify(i));
    printf("\n");

    printf("ackermann(2, 3) = %d\n", ackermann(2, 3));

    int r = setjmp(env);
    if (r == 0)
        dive(0);
    printf("longjmp returned %d at depth %d\n", r, depth_reached);

    uint64_t x = v64;
    printf("shl %08lx%08lx shr %08lx%08lx\n", (unsigned long)(uint32_t)((x << shift_by) >> 32),
           (unsigned long)(uint32_t)(x << shift_by), (unsigned long)(uint32_t)((x >> shift_by) >> 32),
           (unsigned long)(uint32_t)(x >> shift_by));
    int64_t sx = -(int64_t)x;
    printf("sar %08lx%08lx cmp %d %d\n", (unsigned long)(uint32_t)((uint64_t)(sx >> shift_by) >> 32),
           (unsigned long)(uint32_t)(sx >> shift_by), sx < (int64_t)x, x > (uint64_t)sx);

    for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; ++i)
        printf("%.6f %.3e %g\n", dv[i], dv[i], dv[i]);
    printf("%5d|%-5d|%05d|%x|%X|%o|%c|%s|%%\n", 42, -42, 42, 0xBEEFu, 0xBEEFu, 8u, 'q', "str");

    char buf[64];
    strcpy(buf, "hello, ");
    strcat(buf, "lx106");
    printf("%s len=%u cmp=%d chr=%s\n", buf, (unsigned)strlen(buf), strcmp(buf, "hello") > 0,
           strchr(buf, 'l'));
    memmove(buf + 2, buf, 5);
    buf[12] = 0;
    printf("memmove: %s\n", buf);

    int values[16];
    uint32_t seed = 12345;
    for (int i = 0; i < 16; ++i) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (int)(seed >> 16) % 1000 - 500;
    }
    qsort(values, 16, sizeof values[0], cmp_int);
    for (int i = 0; i < 16; ++i)
        printf("%d%c", values[i], i == 15 ? '\n' : ' ');

    int (*fp[3])(const void *, const void *) = {cmp_int, cmp_int, cmp_int};
    printf("fp: %d\n", fp[1](&values[0], &values[15]));
    printf("clib_mix done\n");
    return 0;
}
