// MicroPython HAL for the ESP8266 port: console, time (CCOUNT at 80 MHz), interrupts.
#ifndef BOARDEMU_ESP8266_MPHALPORT_H
#define BOARDEMU_ESP8266_MPHALPORT_H

#include <stddef.h>
#include <stdint.h>
#include "shared/runtime/interrupt_char.h"
#include "lx106.h"

// 64-bit processor cycle count since reset: CCOUNT extended across its 53.7 s wrap (the
// CCOMPARE0 housekeeping interrupt keeps the extension current, see mphalport.c).
uint64_t esp8266_cycles64(void);

static inline mp_uint_t mp_hal_ticks_cpu(void) {
    return lx106_ccount();
}

void esp8266_time_init(void);
void esp8266_timer_isr(void);
mp_uint_t esp8266_seconds_since_epoch(void);

#endif
