// Executable memory for MicroPython's native code emitter (@micropython.native / @viper and
// native .mpy files).
//
// On the ESP8266 only IRAM is both writable and executable (DRAM is data-only; ESP8266
// Technical Reference, memory map), and IRAM takes only aligned 32-bit stores. So, as the real
// chip requires: the emitter builds code in the GC heap (DRAM), MP_PLAT_COMMIT_EXEC relocates it
// for its final address and copies it word by word into the part of IRAM the firmware does not
// use (from _iram_end to the end of IRAM). The area is a bump allocator, emptied at each soft
// reset (no function object survives one). Bytes the runtime reads from committed code (the
// function prelude) are narrow loads from IRAM, served by the LoadStoreError emulation.

#include <stdint.h>
#include "py/runtime.h"
#include "py/persistentcode.h"

#if MICROPY_EMIT_MACHINE_CODE

#define IRAM_END    (0x40108000u)

extern uint32_t _iram_end[];
static uint32_t *native_next;

void esp8266_native_code_init(void) {
    native_next = (uint32_t *)(((uintptr_t)_iram_end + 3u) & ~3u);
}

void *esp8266_native_code_commit(void *buf, size_t len, void *reloc) {
    size_t words = (len + 3u) / 4u;
    if (native_next == NULL || (uintptr_t)(native_next + words) > IRAM_END) {
        mp_raise_msg(&mp_type_MemoryError, MP_ERROR_TEXT("native code: IRAM full"));
    }
    uint32_t *dest = native_next;
    native_next += words;
    #if MICROPY_PERSISTENT_CODE_LOAD
    if (reloc != NULL) {
        mp_native_relocate(reloc, buf, (uintptr_t)dest);
    }
    #endif
    // Source in DRAM (any alignment from the heap is 4-aligned); destination IRAM: 32-bit stores.
    const uint8_t *src = buf;
    for (size_t i = 0; i < words; i++) {
        uint32_t w = (uint32_t)src[4 * i] | ((uint32_t)src[4 * i + 1] << 8)
                     | ((uint32_t)src[4 * i + 2] << 16) | ((uint32_t)src[4 * i + 3] << 24);
        dest[i] = w;
    }
    // The buffer holds len bytes only: the padding bytes above were read past its end but
    // within the GC block (blocks are 16 bytes), so this is safe.
    __asm__ volatile ("isync" ::: "memory");
    return dest;
}

#endif
