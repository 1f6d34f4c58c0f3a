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

static inline void mp_hal_delay_us_fast(mp_uint_t us) {
    // Busy-wait on CCOUNT: exact to a few cycles, for the bit-banged buses (SoftI2C, SoftSPI).
    uint32_t start = lx106_ccount();
    uint32_t cycles = us * (ESP8266_CPU_HZ / 1000000);
    while (lx106_ccount() - start < cycles) {
    }
}

// ---- pins (machine_pin.c), for extmod's SoftI2C, SoftSPI and Signal --------------------------
// GPIO registers (ESP8266 Technical Reference, "GPIO"): see machine_pin.c.

#define ESP8266_GPIO_BASE           (0x60000300u)
#define ESP8266_GPIO_OUT            (0x00)
#define ESP8266_GPIO_OUT_W1TS       (0x04)
#define ESP8266_GPIO_OUT_W1TC       (0x08)
#define ESP8266_GPIO_ENABLE_W1TS    (0x10)
#define ESP8266_GPIO_ENABLE_W1TC    (0x14)
#define ESP8266_GPIO_IN             (0x18)
#define ESP8266_GPIO_PIN_PAD_DRIVER (1u << 2)
#define ESP8266_GPIO_REG(off)       (*(volatile uint32_t *)(ESP8266_GPIO_BASE + (off)))

// A pin is its GPIO number (0..15).
#define mp_hal_pin_obj_t            uint32_t   // a macro: py/mphal.h tests for it
#define MP_HAL_PIN_FMT              "%u"
#define mp_hal_pin_name(p)          ((unsigned)(p))
mp_hal_pin_obj_t mp_hal_get_pin_obj(void *pin_in);   // mp_obj_t; raises unless a machine.Pin

// mode: 0 input, 1 push-pull output, 2 open-drain output (Pin.IN/OUT/OPEN_DRAIN).
void esp8266_pin_set_mode(uint32_t pin, int mode);

#define mp_hal_pin_input(p)         esp8266_pin_set_mode((p), 0)
#define mp_hal_pin_output(p)        esp8266_pin_set_mode((p), 1)
#define mp_hal_pin_open_drain(p)    esp8266_pin_set_mode((p), 2)

static inline int mp_hal_pin_read(mp_hal_pin_obj_t pin) {
    return (ESP8266_GPIO_REG(ESP8266_GPIO_IN) >> pin) & 1;
}

static inline void mp_hal_pin_write(mp_hal_pin_obj_t pin, int v) {
    ESP8266_GPIO_REG(v ? ESP8266_GPIO_OUT_W1TS : ESP8266_GPIO_OUT_W1TC) = 1u << pin;
}

// Open drain (PAD_DRIVER set by mp_hal_pin_open_drain): 0 pulls low, 1 lets the line go.
#define mp_hal_pin_od_low(p)        mp_hal_pin_write((p), 0)
#define mp_hal_pin_od_high(p)       mp_hal_pin_write((p), 1)

#endif
