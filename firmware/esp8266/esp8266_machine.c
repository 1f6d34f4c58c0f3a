// `machine` module: port part, included by extmod/modmachine.c (MICROPY_PY_MACHINE_INCLUDEFILE).
//
// freq() is the fixed 80 MHz CPU clock of the emulated ESP8266; mem8/16/32 come from
// extmod/machine_mem.c (note: on this chip IRAM and the flash window accept only aligned 32-bit
// reads, so mem8/mem16 there end in the LoadStoreError emulation, as on real hardware).
// Pin: machine_pin.c; RTC: esp8266_rtc.c; Timer: extmod/machine_timer.c on esp8266_timer.c;
// WDT: esp8266_machine_wdt.c. reset() restarts the firmware from its entry point (interrupts
// off, stack and .bss re-initialised): the emulated board offers no software reset register,
// so this is a software restart, noted in RTC memory first so that reset_cause() then says
// SOFT_RESET (esp8266_rtc.c). deepsleep() waits (for its time or the RTC alarm) and restarts
// the same way with DEEPSLEEP_RESET: the RTC keeps counting and RTC memory is kept, as in the
// chip's deep sleep. On BOARD=LX106_SIM, reset() ends QEMU through the simcall exit call.

#include "py/mphal.h"
#include "shared/runtime/pyexec.h"
#include "lx106.h"
#include "esp8266_rtc.h"

extern void _start(void);

#include "machine_pin.h"

// machine.I2C is SoftI2C, as on the upstream esp8266 port (docs/esp8266/quickref.rst, "I2C
// bus": "an alias of machine.SoftI2C").
#define MICROPY_PY_MACHINE_EXTRA_GLOBALS \
    { MP_ROM_QSTR(MP_QSTR_Pin), MP_ROM_PTR(&machine_pin_type) }, \
    { MP_ROM_QSTR(MP_QSTR_I2C), MP_ROM_PTR(&mp_machine_soft_i2c_type) }, \
    { MP_ROM_QSTR(MP_QSTR_RTC), MP_ROM_PTR(&machine_rtc_type) }, \
    MACHINE_TIMER_GLOBAL \
    { MP_ROM_QSTR(MP_QSTR_PWRON_RESET), MP_ROM_INT(ESP8266_REASON_DEFAULT_RST) }, \
    { MP_ROM_QSTR(MP_QSTR_HARD_RESET), MP_ROM_INT(ESP8266_REASON_EXT_SYS_RST) }, \
    { MP_ROM_QSTR(MP_QSTR_DEEPSLEEP_RESET), MP_ROM_INT(ESP8266_REASON_DEEP_SLEEP_AWAKE) }, \
    { MP_ROM_QSTR(MP_QSTR_WDT_RESET), MP_ROM_INT(ESP8266_REASON_WDT_RST) }, \
    { MP_ROM_QSTR(MP_QSTR_SOFT_RESET), MP_ROM_INT(ESP8266_REASON_SOFT_RESTART) }, \
    { MP_ROM_QSTR(MP_QSTR_IDLE), MP_ROM_INT(1) }, \
    { MP_ROM_QSTR(MP_QSTR_SLEEP), MP_ROM_INT(2) }, \
    { MP_ROM_QSTR(MP_QSTR_DEEPSLEEP), MP_ROM_INT(4) },

#if MICROPY_PY_MACHINE_TIMER
#define MACHINE_TIMER_GLOBAL { MP_ROM_QSTR(MP_QSTR_Timer), MP_ROM_PTR(&machine_timer_type) },
#else
#define MACHINE_TIMER_GLOBAL
#endif

static void mp_machine_idle(void) {
    mp_hal_wait_for_interrupt_ms(-1);
}

void esp8266_exit(int status);

NORETURN static void restart(void);

NORETURN static void mp_machine_reset(void) {
    #if defined(LX106_SIM)
    // Under QEMU's sim machine, end the emulation (like ports/qemu's machine.reset()).
    esp8266_exit(0);
    #endif
    esp8266_note_restart(ESP8266_REASON_SOFT_RESTART);
    restart();
}

NORETURN static void restart(void) {
    mp_hal_delay_ms(2);   // let the UART drain what is already in its TX FIFO
    (void)lx106_raise_intlevel();
    lx106_set_intenable(0);
    __asm__ volatile ("movi a2, _start; jx a2" ::: "a2");
    for (;;) {
    }
}

static mp_int_t mp_machine_reset_cause(void) {
    return esp8266_reset_cause();
}

static mp_obj_t mp_machine_unique_id(void) {
    // The real port reads the chip ID from eFuse; the emulated board has none: a fixed ID.
    static const uint8_t id[4] = { 0xbe, 0xe8, 0x26, 0x60 };
    return mp_obj_new_bytes(id, sizeof(id));
}

static mp_obj_t mp_machine_get_freq(void) {
    return mp_obj_new_int(ESP8266_CPU_HZ);
}

static void mp_machine_set_freq(size_t n_args, const mp_obj_t *args) {
    if (mp_obj_get_int(args[0]) != (mp_int_t)ESP8266_CPU_HZ) {
        mp_raise_ValueError(MP_ERROR_TEXT("frequency can only be 80000000"));
    }
}

static void mp_machine_lightsleep(size_t n_args, const mp_obj_t *args) {
    if (n_args == 0) {
        mp_machine_idle();
    } else {
        mp_hal_delay_ms(mp_obj_get_int(args[0]));
    }
}

// deepsleep([time_ms]): with no time, until the RTC alarm if one is set (RTC.alarm), else
// until reset.
NORETURN static void mp_machine_deepsleep(size_t n_args, const mp_obj_t *args) {
    if (n_args > 0) {
        mp_hal_delay_ms(mp_obj_get_int(args[0]));
    } else if (esp8266_rtc_alarm_left_ms() > 0) {
        mp_hal_delay_ms(esp8266_rtc_alarm_left_ms());
    } else {
        for (;;) {
            mp_hal_wait_for_interrupt_ms(-1);
        }
    }
    #if defined(LX106_SIM)
    esp8266_exit(0);
    #endif
    esp8266_note_restart(ESP8266_REASON_DEEP_SLEEP_AWAKE);
    restart();
}
