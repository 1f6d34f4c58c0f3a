// `machine` module: port part, included by extmod/modmachine.c (MICROPY_PY_MACHINE_INCLUDEFILE).
//
// freq() is the fixed 80 MHz CPU clock of the emulated ESP8266; mem8/16/32 come from
// extmod/machine_mem.c (note: on this chip IRAM and the flash window accept only aligned 32-bit
// reads, so mem8/mem16 there end in the LoadStoreError emulation, as on real hardware).
// Pin: machine_pin.c; PWM: esp8266_pwm.c (through extmod/machine_pwm.c); time_pulse_us: below;
// SPI(1): machine_hw_spi.c; RTC: esp8266_rtc.c; Timer: extmod/machine_timer.c on esp8266_timer.c;
// WDT: esp8266_machine_wdt.c. reset() restarts the firmware from its entry point (interrupts
// off, stack and .bss re-initialised): the emulated board offers no software reset register,
// so this is a software restart, noted in RTC memory first so that reset_cause() then says
// SOFT_RESET (esp8266_rtc.c). deepsleep() waits (for its time or the RTC alarm) and restarts
// the same way with DEEPSLEEP_RESET: the RTC keeps counting and RTC memory is kept, as in the
// chip's deep sleep. On BOARD=LX106_SIM, reset() ends QEMU through the simcall exit call.

#include "py/mphal.h"
#include "extmod/virtpin.h"
#include "shared/runtime/pyexec.h"
#include "lx106.h"
#include "esp8266_rtc.h"

extern void _start(void);

#include "machine_pin.h"

static const mp_obj_fun_builtin_var_t esp8266_time_pulse_us_obj;

// machine.I2C is SoftI2C, as on the upstream esp8266 port (docs/esp8266/quickref.rst, "I2C
// bus": "an alias of machine.SoftI2C").
#define MICROPY_PY_MACHINE_EXTRA_GLOBALS \
    { MP_ROM_QSTR(MP_QSTR_Pin), MP_ROM_PTR(&machine_pin_type) }, \
    { MP_ROM_QSTR(MP_QSTR_I2C), MP_ROM_PTR(&mp_machine_soft_i2c_type) }, \
    { MP_ROM_QSTR(MP_QSTR_time_pulse_us), MP_ROM_PTR(&esp8266_time_pulse_us_obj) }, \
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

// machine.time_pulse_us(pin, pulse_level, timeout_us=1000000): waits (at most timeout_us) for
// the pin to read pulse_level, then times how long it keeps it: the pulse length in
// microseconds, -2 if the level never came, -1 if it lasted longer than timeout_us. The
// documented interface of machine.time_pulse_us (docs/library/machine.rst). Its own loop rather
// than extmod/machine_pulse.c because the pin may also be any object with the pin protocol
// (machine.PinBase subclasses, as MicroPython's extmod/machine_pulse.py test uses), which
// extmod's version (through mp_hal_get_pin_obj) refuses here. A machine.Pin is sampled straight
// from GPIO_IN and timed on CCOUNT: the result is exact to a few cycles.
static int pulse_read(mp_obj_t pin, uint32_t mask) {
    if (mask) {
        return (ESP8266_GPIO_REG(ESP8266_GPIO_IN) & mask) != 0;
    }
    return mp_virtual_pin_read(pin) != 0;
}

static mp_obj_t esp8266_time_pulse_us(size_t n_args, const mp_obj_t *args) {
    mp_obj_t pin = args[0];
    uint32_t mask = 0;
    if (mp_obj_is_type(pin, &machine_pin_type)) {
        mask = 1u << mp_hal_get_pin_obj(pin);
    } else if (!mp_obj_is_obj(pin)
               || MP_OBJ_TYPE_GET_SLOT_OR_NULL(((mp_obj_base_t *)MP_OBJ_TO_PTR(pin))->type, protocol) == NULL) {
        mp_raise_TypeError(MP_ERROR_TEXT("expecting a pin"));
    }
    int level = mp_obj_is_true(args[1]);
    mp_int_t timeout_us = n_args > 2 ? mp_obj_get_int(args[2]) : 1000000;
    uint64_t timeout = timeout_us > 0 ? (uint64_t)timeout_us * (ESP8266_CPU_HZ / 1000000) : 0;
    // Elapsed cycles, accumulated from CCOUNT differences (no 53 s wrap, no division per sample).
    uint64_t elapsed = 0;
    uint32_t last = lx106_ccount();
    while (pulse_read(pin, mask) != level) {
        uint32_t now = lx106_ccount();
        elapsed += now - last;
        last = now;
        if (elapsed >= timeout) {
            return MP_OBJ_NEW_SMALL_INT(-2);
        }
    }
    uint32_t start = lx106_ccount();
    elapsed = 0;
    last = start;
    while (pulse_read(pin, mask) == level) {
        uint32_t now = lx106_ccount();
        elapsed += now - last;
        last = now;
        if (elapsed >= timeout) {
            return MP_OBJ_NEW_SMALL_INT(-1);
        }
    }
    elapsed += lx106_ccount() - last;
    return mp_obj_new_int_from_ull(elapsed / (ESP8266_CPU_HZ / 1000000));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(esp8266_time_pulse_us_obj, 2, 3, esp8266_time_pulse_us);
