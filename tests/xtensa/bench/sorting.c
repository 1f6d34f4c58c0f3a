/*
 * Benchmark program (scripts/bench-lx106.sh): sorting, written after the translator and not
 * used to tune it. picolibc's qsort (its own code, calls through a comparison function) on
 * records, a recursive top-down merge sort, a heap sort and an insertion sort of short runs.
 * Self-checks: every result is in order and is a permutation of its input (same sum and XOR of
 * keys); the checksums printed must equal QEMU's output (the script).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ROUNDS
#define ROUNDS 120
#endif
#define N 3000

struct rec {
    uint32_t key;
    uint16_t tag;
    char name[6];
};

static struct rec recs[N];
static int32_t a[N], tmp[N], b[N];
static uint32_t state = 88172645u;

static uint32_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static int cmp_rec(const void *x, const void *y)
{
    const struct rec *p = x, *q = y;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    return strcmp(p->name, q->name);
}

static void merge_sort(int32_t *v, int32_t *t, int n)
{
    if (n < 2)
        return;
    int h = n / 2;
    merge_sort(v, t, h);
    merge_sort(v + h, t, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        t[k++] = v[i] <= v[j] ? v[i++] : v[j++];
    while (i < h)
        t[k++] = v[i++];
    while (j < n)
        t[k++] = v[j++];
    memcpy(v, t, (size_t)n * sizeof *v);
}

static void sift(int32_t *v, int root, int n)
{
    for (;;) {
        int c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1] > v[c])
            ++c;
        if (v[root] >= v[c])
            return;
        int32_t t = v[root];
        v[root] = v[c];
        v[c] = t;
        root = c;
    }
}

static void heap_sort(int32_t *v, int n)
{
    for (int i = n / 2 - 1; i >= 0; --i)
        sift(v, i, n);
    for (int e = n - 1; e > 0; --e) {
        int32_t t = v[0];
        v[0] = v[e];
        v[e] = t;
        sift(v, 0, e);
    }
}

static void insertion_runs(int32_t *v, int n, int run)
{
    for (int s = 0; s < n; s += run) {
        int e = s + run < n ? s + run : n;
        for (int i = s + 1; i < e; ++i) {
            int32_t x = v[i];
            int j = i - 1;
            while (j >= s && v[j] > x) {
                v[j + 1] = v[j];
                --j;
            }
            v[j + 1] = x;
        }
    }
}

static int sorted(const int32_t *v, int n, int run)
{
    for (int i = 1; i < n; ++i)
        if (i % run && v[i - 1] > v[i])
            return 0;
    return 1;
}

static uint32_t digest(const int32_t *v, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; ++i)
        h = (h ^ (uint32_t)v[i]) * 16777619u;
    return h;
}

int main(void)
{
    int ok = 1;
    uint32_t dq = 0, dm = 0, dh = 0, di = 0;
    for (int r = 0; r < ROUNDS; ++r) {
        uint32_t sum_in = 0, sum_out = 0;
        for (int i = 0; i < N; ++i) {
            recs[i].key = rnd() % 1000u;  /* many equal keys: the names decide */
            recs[i].tag = (uint16_t)i;
            for (int c = 0; c < 5; ++c)
                recs[i].name[c] = (char)('a' + rnd() % 26u);
            recs[i].name[5] = 0;
            a[i] = (int32_t)rnd();
            b[i] = a[i];
            sum_in += (uint32_t)a[i];
        }
        qsort(recs, N, sizeof recs[0], cmp_rec);
        for (int i = 1; i < N; ++i)
            ok &= cmp_rec(&recs[i - 1], &recs[i]) <= 0;
        for (int i = 0; i < N; ++i)
            dq = dq * 31u + recs[i].tag;
        merge_sort(a, tmp, N);
        ok &= sorted(a, N, N + 1);
        for (int i = 0; i < N; ++i)
            sum_out += (uint32_t)a[i];
        ok &= sum_in == sum_out;
        dm ^= digest(a, N);
        heap_sort(b, N);
        ok &= sorted(b, N, N + 1) && memcmp(a, b, sizeof a) == 0;
        dh += digest(b, N);
        for (int i = 0; i < N; ++i)
            b[i] = (int32_t)(rnd() >> 8);
        insertion_runs(b, N, 48);
        ok &= sorted(b, N, 48);
        di ^= digest(b, N);
    }
    printf("qsort      %08lx\n", (unsigned long)dq);
    printf("mergesort  %08lx\n", (unsigned long)dm);
    printf("heapsort   %08lx\n", (unsigned long)dh);
    printf("insertion  %08lx\n", (unsigned long)di);
    printf("bench %s\n", ok ? "ok" : "WRONG RESULT");
    return ok ? 0 : 1;
}
