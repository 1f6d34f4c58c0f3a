// `machine` module: port part, included by extmod/modmachine.c (MICROPY_PY_MACHINE_INCLUDEFILE).
//
// freq() is the fixed 80 MHz CPU clock of the emulated ESP8266; mem8/16/32 come from
// extmod/machine_mem.c (note: on this chip IRAM and the flash window accept only aligned 32-bit
// reads, so mem8/mem16 there end in the LoadStoreError emulation, as on real hardware).
// Pin: machine_pin.c. reset() restarts the firmware from its entry point (interrupts off, stack and .bss
// re-initialised): the emulated board offers no reset register, so this is a software restart.
// On BOARD=LX106_SIM, reset() ends QEMU through the simcall exit call.

#include "py/mphal.h"
#include "shared/runtime/pyexec.h"
#include "lx106.h"

extern void _start(void);

#include "machine_pin.h"

// machine.I2C is SoftI2C, as on the upstream esp8266 port (docs/esp8266/quickref.rst, "I2C
// bus": "an alias of machine.SoftI2C").
#define MICROPY_PY_MACHINE_EXTRA_GLOBALS \
    { MP_ROM_QSTR(MP_QSTR_Pin), MP_ROM_PTR(&machine_pin_type) }, \
    { MP_ROM_QSTR(MP_QSTR_I2C), MP_ROM_PTR(&mp_machine_soft_i2c_type) },

static void mp_machine_idle(void) {
    mp_hal_wait_for_interrupt_ms(-1);
}

void esp8266_exit(int status);

NORETURN static void mp_machine_reset(void) {
    #if defined(LX106_SIM)
    // Under QEMU's sim machine, end the emulation (like ports/qemu's machine.reset()).
    esp8266_exit(0);
    #endif
    mp_hal_delay_ms(2);   // let the UART drain what is already in its TX FIFO
    (void)lx106_raise_intlevel();
    lx106_set_intenable(0);
    __asm__ volatile ("movi a2, _start; jx a2" ::: "a2");
    for (;;) {
    }
}

static mp_int_t mp_machine_reset_cause(void) {
    // Power-on is the only cause this firmware can tell apart (no RTC reset-reason register).
    return 0;
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

NORETURN static void mp_machine_deepsleep(size_t n_args, const mp_obj_t *args) {
    mp_machine_lightsleep(n_args, args);
    mp_machine_reset();
}
