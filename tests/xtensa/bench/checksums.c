/*
 * Benchmark program (scripts/bench-lx106.sh): checksum loops over a generated buffer, written
 * after the translator and not used to tune it. Table-driven CRC-16/CCITT-FALSE and CRC-32C
 * (tables built at run time), Adler-32 and Fletcher-16 with their modulo reductions, and an
 * unaligned-byte XOR/rotate mix. Self-checks: each CRC of the ASCII string "123456789" must
 * be its published check value (CRC-16/CCITT-FALSE 0x29B1, CRC-32C 0xE3069283, Adler-32
 * 0x091E01DE, Fletcher-16 0x1EDE); the totals printed must equal QEMU's output (the script).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef ROUNDS
#define ROUNDS 400
#endif
#define LEN 12288

static uint8_t data[LEN];
static uint16_t crc16_table[256];
static uint32_t crc32c_table[256];

static void make_tables(void)
{
    for (unsigned i = 0; i < 256; ++i) {
        uint16_t c = (uint16_t)(i << 8);
        for (int b = 0; b < 8; ++b)
            c = (c & 0x8000) ? (uint16_t)((c << 1) ^ 0x1021) : (uint16_t)(c << 1);
        crc16_table[i] = c;
        uint32_t d = i;
        for (int b = 0; b < 8; ++b)
            d = (d & 1) ? (d >> 1) ^ 0x82F63B78u : d >> 1;
        crc32c_table[i] = d;
    }
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    while (n--)
        c = (uint16_t)((c << 8) ^ crc16_table[((c >> 8) ^ *p++) & 0xFF]);
    return c;
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--)
        c = (c >> 8) ^ crc32c_table[(c ^ *p++) & 0xFF];
    return ~c;
}

static uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    while (n--) {
        a = (a + *p++) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

static uint16_t fletcher16(const uint8_t *p, size_t n)
{
    uint16_t s1 = 0, s2 = 0;
    while (n--) {
        s1 = (uint16_t)((s1 + *p++) % 255);
        s2 = (uint16_t)((s2 + s1) % 255);
    }
    return (uint16_t)(s2 << 8 | s1);
}

static uint32_t mix(const uint8_t *p, size_t n)
{
    uint32_t h = 0x12345678u;
    for (size_t i = 0; i + 4 <= n; i += 3) {  /* overlapping, unaligned words assembled by bytes */
        uint32_t w = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                     (uint32_t)p[i + 3] << 24;
        h = ((h << 5) | (h >> 27)) ^ w;
    }
    return h;
}

int main(void)
{
    make_tables();
    const uint8_t *check = (const uint8_t *)"123456789";
    int ok = crc16(check, 9) == 0x29B1 && crc32c(check, 9) == 0xE3069283u &&
             adler32(check, 9) == 0x091E01DEu && fletcher16(check, 9) == 0x1EDE;
    uint32_t seed = 1;
    uint32_t t16 = 0, t32 = 0, tad = 0, tfl = 0, tmix = 0;
    for (int r = 0; r < ROUNDS; ++r) {
        for (size_t i = 0; i < LEN; ++i) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (uint8_t)(seed >> 16);
        }
        t16 += crc16(data, LEN);
        t32 ^= crc32c(data, LEN);
        tad += adler32(data + r, LEN - (size_t)r);
        tfl += fletcher16(data, LEN);
        tmix ^= mix(data, LEN);
    }
    printf("crc16     %08lx\n", (unsigned long)t16);
    printf("crc32c    %08lx\n", (unsigned long)t32);
    printf("adler32   %08lx\n", (unsigned long)tad);
    printf("fletcher  %08lx\n", (unsigned long)tfl);
    printf("mix       %08lx\n", (unsigned long)tmix);
    printf("bench %s\n", ok ? "ok" : "WRONG RESULT");
    return ok ? 0 : 1;
}
