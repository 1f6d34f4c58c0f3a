// Flash-aware versions of the string routines MicroPython calls most on read-only data (qstr
// text during the interned-string binary search, lexer tables, format strings). They stand in
// for shared/libc/string0.c's versions through the linker's --wrap (every reference to
// `strcmp` resolves to `__wrap_strcmp`, see Makefile), and read bytes with esp8266_read_u8, so
// operands in flash cost no LoadStoreError exception. Semantics are the C standard's.

#include <stddef.h>
#include <stdint.h>
#include "flashstr.h"

#define RD(p) esp8266_read_u8(p)

size_t __wrap_strlen(const char *s) {
    const char *p = s;
    while (RD(p) != 0) {
        p++;
    }
    return (size_t)(p - s);
}

int __wrap_strcmp(const char *s1, const char *s2) {
    for (;;) {
        uint8_t c1 = RD(s1++), c2 = RD(s2++);
        if (c1 != c2 || c1 == 0) {
            return (int)c1 - (int)c2;
        }
    }
}

int __wrap_strncmp(const char *s1, const char *s2, size_t n) {
    for (; n > 0; n--) {
        uint8_t c1 = RD(s1++), c2 = RD(s2++);
        if (c1 != c2 || c1 == 0) {
            return (int)c1 - (int)c2;
        }
    }
    return 0;
}

char *__wrap_strchr(const char *s, int c) {
    uint8_t ch = (uint8_t)c;
    for (;; s++) {
        uint8_t x = RD(s);
        if (x == ch) {
            return (char *)s;
        }
        if (x == 0) {
            return NULL;
        }
    }
}

int __wrap_memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *p = a, *q = b;
    for (; n > 0; n--, p++, q++) {
        uint8_t x = RD(p), y = RD(q);
        if (x != y) {
            return (int)x - (int)y;
        }
    }
    return 0;
}

void *__wrap_memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        // Both word-aligned: word copy (valid for every memory of the chip).
        uint32_t *dw = (uint32_t *)d;
        const uint32_t *sw = (const uint32_t *)s;
        for (; n >= 4; n -= 4) {
            *dw++ = *sw++;
        }
        d = (uint8_t *)dw;
        s = (const uint8_t *)sw;
    }
    for (; n > 0; n--) {
        *d++ = RD(s++);
    }
    return dst;
}
