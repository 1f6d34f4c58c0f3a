// Byte reads that work on any ESP8266 memory, including IRAM and the flash cache window, which
// accept only aligned 32-bit loads: load the aligned word and extract the byte. A few
// instructions instead of a LoadStoreError exception (~40 instructions) per byte.
#ifndef BOARDEMU_ESP8266_FLASHSTR_H
#define BOARDEMU_ESP8266_FLASHSTR_H

#include <stdint.h>

static inline uint8_t esp8266_read_u8(const void *p) {
    uintptr_t a = (uintptr_t)p;
    // volatile: keep the compiler from turning this back into a byte load.
    uint32_t w = *(const volatile uint32_t *)(a & ~(uintptr_t)3);
    return (uint8_t)(w >> ((a & 3u) * 8u));
}

#endif
