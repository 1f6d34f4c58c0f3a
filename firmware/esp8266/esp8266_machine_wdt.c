// `machine.WDT`: port part, included by extmod/machine_wdt.c (MICROPY_PY_MACHINE_WDT_INCLUDEFILE).
//
// machine.WDT(timeout=ms): the hardware watchdog at 0x60000900 (SDK eagle_soc.h: WDT_CTL
// +0x00 EN bit 0, WDT_OP +0x04, WDT_OP_ND +0x08, WDT_RST +0x14 fed with 0x73; its two stages
// last 2^n ticks of 0.8 ms each, the first ending in an interrupt this port leaves masked, the
// second in a chip reset, see peripherals/timer/esp8266_wdt.hpp). Upstream esp8266 ignores the
// timeout (the SDK owns the watchdog); here the chip is ours, so the timeout is honoured: the
// stages are chosen so that together they last as close to `timeout` as 2^a + 2^b ticks allow
// without exceeding it (at least 3/4 of it). Once started it cannot be stopped (machine.WDT.rst);
// a reset of the chip turns it off.

#include "lx106.h"

// ---- machine.WDT -----------------------------------------------------------------------------

#define WDT_BASE            (0x60000900u)
#define WDT_CTL             (0x00)
#define WDT_OP              (0x04)
#define WDT_OP_ND           (0x08)
#define WDT_RST             (0x14)
#define WDT_CTL_EN          (1u << 0)
#define WDT_RESET_VALUE     (0x73)
#define WDT_REG(off)        (*(volatile uint32_t *)(WDT_BASE + (off)))
#define WDT_TICK_US         (800)       // 1250 Hz
#define WDT_MAX_EXP         (15)

struct _machine_wdt_obj_t {
    mp_obj_base_t base;
};

static machine_wdt_obj_t wdt_default = {{&machine_wdt_type}};

static unsigned floor_log2(uint32_t v) {
    unsigned n = 0;
    while (v >>= 1) {
        ++n;
    }
    return n;
}

static machine_wdt_obj_t *mp_machine_wdt_make_new_instance(mp_int_t id, mp_int_t timeout_ms) {
    if (id != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("WDT doesn't exist"));
    }
    // Two stages of 2^a and 2^b ticks: 2 ticks (1.6 ms) .. 2 * 2^15 ticks (52.4 s).
    if (timeout_ms < 2 || timeout_ms > (2 << WDT_MAX_EXP) * WDT_TICK_US / 1000) {
        mp_raise_ValueError(MP_ERROR_TEXT("timeout must be 2..52428 ms"));
    }
    uint32_t ticks = (uint32_t)timeout_ms * 1000 / WDT_TICK_US;
    unsigned a = floor_log2(ticks);
    unsigned b;
    if (ticks == (1u << a) || a > WDT_MAX_EXP) {
        // A power of two (or the maximum): two equal halves.
        a = a > WDT_MAX_EXP ? WDT_MAX_EXP : a - 1;
        b = a;
    } else {
        b = floor_log2(ticks - (1u << a));
    }
    if (WDT_REG(WDT_CTL) & WDT_CTL_EN) {
        // Already running: the timeout cannot change (machine.WDT.rst); feed it.
        WDT_REG(WDT_RST) = WDT_RESET_VALUE;
        return &wdt_default;
    }
    WDT_REG(WDT_OP) = a;
    WDT_REG(WDT_OP_ND) = b;
    WDT_REG(WDT_RST) = WDT_RESET_VALUE;
    WDT_REG(WDT_CTL) = WDT_CTL_EN;
    return &wdt_default;
}

static void mp_machine_wdt_feed(machine_wdt_obj_t *self) {
    (void)self;
    WDT_REG(WDT_RST) = WDT_RESET_VALUE;
}

