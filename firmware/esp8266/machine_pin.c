// machine.Pin for GPIO0..15 of the ESP8266, and the mp_hal_pin_* layer extmod's SoftI2C,
// SoftSPI and Signal use (mphalport.h).
//
// Registers (ESP8266 Technical Reference, chapter "GPIO" and its register list; SDK
// gpio_register.h), GPIO block at 0x60000300:
//   GPIO_OUT_W1TS/W1TC 0x04/0x08, GPIO_ENABLE_W1TS/W1TC 0x10/0x14, GPIO_IN 0x18,
//   GPIO_STATUS 0x1C, GPIO_STATUS_W1TC 0x24,
//   GPIO_PINn 0x28 + 4n: SOURCE [0] (0: GPIO data, 1: sigma-delta), PAD_DRIVER [2]
//   (1: open drain), INT_TYPE [9:7] (0 off, 1 rising, 2 falling, 3 both edges, 4 low, 5 high).
// The GPIO block raises CPU interrupt 4 (ETS_GPIO_INUM) while a GPIO_STATUS bit of a pin with
// interrupts enabled is set; writing the bit to GPIO_STATUS_W1TC acknowledges it.
//
// IO_MUX at 0x60000800 (Technical Reference, appendix "IO_MUX" / pin list; SDK eagle_soc.h
// PERIPHS_IO_MUX_*_U): one register per pad, in pad order, not GPIO order. Fields: function
// select in bits [5:4] plus bit 8 as its high bit, pull-up enable bit 7. The GPIO function is
// number 0 on GPIO0/2/4/5 and number 3 on the others.
//
// As the upstream esp8266 port: GPIO6..8 and GPIO11 are the SPI flash pins (SD_CLK, SD_DATA0/1,
// SD_CMD) and are refused; GPIO16 (RTC block) is not offered yet. Modes Pin.IN, Pin.OUT,
// Pin.OPEN_DRAIN (PAD_DRIVER: driving 1 lets the line go); pull Pin.PULL_UP or None.
// Pin.irq(handler, trigger, hard): edges through INT_TYPE; the handler is scheduled with
// mp_sched_schedule (hard=False) or called from the interrupt with the heap locked (hard=True).

#include "py/runtime.h"
#include "py/mphal.h"
#include "py/gc.h"
#include "extmod/modmachine.h"
#include "extmod/virtpin.h"
#include "machine_pin.h"

#define GPIO_REG(off)           (*(volatile uint32_t *)(ESP8266_GPIO_BASE + (off)))
#define GPIO_STATUS             0x1c
#define GPIO_STATUS_W1TC        0x24
#define GPIO_PIN(n)             (0x28 + 4 * (n))
#define GPIO_PIN_SOURCE         (1u << 0)
#define GPIO_PIN_INT_TYPE_SHIFT (7)
#define GPIO_PIN_INT_TYPE_MASK  (7u << GPIO_PIN_INT_TYPE_SHIFT)

#define IO_MUX_BASE             0x60000800u
#define IO_MUX_FUNC_MASK        ((3u << 4) | (1u << 8))
#define IO_MUX_PULLUP           (1u << 7)

#define PIN_MODE_IN             (0)
#define PIN_MODE_OUT            (1)
#define PIN_MODE_OPEN_DRAIN     (2)
#define PIN_PULL_UP             (1)
#define PIN_IRQ_RISING          (1)   // the INT_TYPE values themselves
#define PIN_IRQ_FALLING         (2)

// GPIO0..15 that are not flash pins.
#define PIN_VALID_MASK          (0xffffu & ~((1u << 6) | (1u << 7) | (1u << 8) | (1u << 11)))

// IO_MUX register offset of each GPIO's pad (eagle_soc.h): MTDI 0x04 (GPIO12), MTCK 0x08
// (GPIO13), MTMS 0x0C (GPIO14), MTDO 0x10 (GPIO15), U0RXD 0x14 (GPIO3), U0TXD 0x18 (GPIO1),
// SD_CLK..SD_DATA3 0x1C..0x30 (GPIO6..11), GPIO0 0x34, GPIO2 0x38, GPIO4 0x3C, GPIO5 0x40.
// 32-bit entries: rodata is in flash, which takes only aligned word loads.
static const uint32_t io_mux_offset[16] = {
    0x34, 0x18, 0x38, 0x14, 0x3c, 0x40, 0x1c, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x04, 0x08, 0x0c, 0x10,
};

typedef struct _machine_pin_obj_t {
    mp_obj_base_t base;
    uint32_t id;
} machine_pin_obj_t;

typedef struct _machine_pin_irq_obj_t {
    mp_obj_base_t base;
    uint32_t id;
} machine_pin_irq_obj_t;

extern const mp_obj_type_t machine_pin_type;
static const mp_obj_type_t machine_pin_irq_type;

#define PIN(n) {{&machine_pin_type}, n}
static const machine_pin_obj_t machine_pin_obj[16] = {
    PIN(0), PIN(1), PIN(2), PIN(3), PIN(4), PIN(5), PIN(6), PIN(7),
    PIN(8), PIN(9), PIN(10), PIN(11), PIN(12), PIN(13), PIN(14), PIN(15),
};
#define PIN_IRQ(n) {{&machine_pin_irq_type}, n}
static const machine_pin_irq_obj_t machine_pin_irq_objs[16] = {
    PIN_IRQ(0), PIN_IRQ(1), PIN_IRQ(2), PIN_IRQ(3), PIN_IRQ(4), PIN_IRQ(5), PIN_IRQ(6), PIN_IRQ(7),
    PIN_IRQ(8), PIN_IRQ(9), PIN_IRQ(10), PIN_IRQ(11), PIN_IRQ(12), PIN_IRQ(13), PIN_IRQ(14), PIN_IRQ(15),
};

// Handlers (GC roots) and which of them are hard.
MP_REGISTER_ROOT_POINTER(mp_obj_t machine_pin_irq_handler[16]);
static uint16_t pin_irq_hard;

// ---- the pin layer ---------------------------------------------------------------------------

// Selects the GPIO function of the pin's pad and sets its pull-up as `pull_up` says (< 0: keep).
static void pin_mux_gpio(uint32_t pin, int pull_up) {
    volatile uint32_t *reg = (volatile uint32_t *)(IO_MUX_BASE + io_mux_offset[pin]);
    uint32_t func = (pin == 0 || pin == 2 || pin == 4 || pin == 5) ? 0 : 3;
    uint32_t v = (*reg & ~IO_MUX_FUNC_MASK) | ((func & 3) << 4) | ((func >> 2) << 8);
    if (pull_up >= 0) {
        v = pull_up ? (v | IO_MUX_PULLUP) : (v & ~IO_MUX_PULLUP);
    }
    *reg = v;
}

void esp8266_pin_set_mode(uint32_t pin, int mode) {
    pin_mux_gpio(pin, -1);
    uint32_t cfg = GPIO_REG(GPIO_PIN(pin)) & ~(GPIO_PIN_SOURCE | ESP8266_GPIO_PIN_PAD_DRIVER);
    if (mode == PIN_MODE_OPEN_DRAIN) {
        cfg |= ESP8266_GPIO_PIN_PAD_DRIVER;
    }
    GPIO_REG(GPIO_PIN(pin)) = cfg;
    GPIO_REG(mode == PIN_MODE_IN ? ESP8266_GPIO_ENABLE_W1TC : ESP8266_GPIO_ENABLE_W1TS) = 1u << pin;
}

uint32_t esp8266_pin_id(mp_obj_t obj) {
    if (mp_obj_is_type(obj, &machine_pin_type)) {
        return ((machine_pin_obj_t *)MP_OBJ_TO_PTR(obj))->id;
    }
    mp_int_t id = mp_obj_get_int(obj);
    if (id < 0 || id >= 16 || !(PIN_VALID_MASK & (1u << id))) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid pin"));
    }
    return (uint32_t)id;
}

mp_hal_pin_obj_t mp_hal_get_pin_obj(mp_obj_t obj) {
    if (!mp_obj_is_type(obj, &machine_pin_type)) {
        mp_raise_ValueError(MP_ERROR_TEXT("expecting a pin"));
    }
    return ((machine_pin_obj_t *)MP_OBJ_TO_PTR(obj))->id;
}

// ---- interrupts ------------------------------------------------------------------------------

// Called by lx106_irq_dispatch (mphalport.c) with level-1 interrupts masked.
__attribute__((section(".iram0.text.esp8266_gpio_isr")))
void esp8266_gpio_isr(void) {
    uint32_t status = GPIO_REG(GPIO_STATUS) & 0xffff;
    GPIO_REG(GPIO_STATUS_W1TC) = status;
    for (uint32_t pin = 0; status != 0; ++pin, status >>= 1) {
        if (!(status & 1)) {
            continue;
        }
        mp_obj_t handler = MP_STATE_PORT(machine_pin_irq_handler[pin]);
        if (handler == MP_OBJ_NULL) {
            continue;
        }
        mp_obj_t arg = MP_OBJ_FROM_PTR(&machine_pin_obj[pin]);
        if (!(pin_irq_hard & (1u << pin))) {
            mp_sched_schedule(handler, arg);
            continue;
        }
        // Hard handler: runs now, in the interrupt, and must not allocate.
        mp_sched_lock();
        gc_lock();
        nlr_buf_t nlr;
        if (nlr_push(&nlr) == 0) {
            mp_call_function_1(handler, arg);
            nlr_pop();
        } else {
            // Uncaught exception: disable this pin's interrupt so that it does not repeat.
            GPIO_REG(GPIO_PIN(pin)) &= ~GPIO_PIN_INT_TYPE_MASK;
            MP_STATE_PORT(machine_pin_irq_handler[pin]) = MP_OBJ_NULL;
            mp_printf(MICROPY_ERROR_PRINTER, "Uncaught exception in IRQ callback handler\n");
            mp_obj_print_exception(MICROPY_ERROR_PRINTER, MP_OBJ_FROM_PTR(nlr.ret_val));
        }
        gc_unlock();
        mp_sched_unlock();
    }
}

void esp8266_pin_init(void) {
    #if defined(LX106_SIM)
    // QEMU's sim machine has no GPIO block: nothing to set up (Pin there is not usable).
    return;
    #endif
    for (uint32_t pin = 0; pin < 16; ++pin) {
        GPIO_REG(GPIO_PIN(pin)) &= ~GPIO_PIN_INT_TYPE_MASK;
        MP_STATE_PORT(machine_pin_irq_handler[pin]) = MP_OBJ_NULL;
    }
    pin_irq_hard = 0;
    GPIO_REG(GPIO_STATUS_W1TC) = 0xffff;
    uint32_t ps = lx106_raise_intlevel();
    lx106_set_intenable(lx106_intenable() | (1u << ESP8266_INUM_GPIO));
    lx106_restore_ps(ps);
}

// ---- machine.Pin -----------------------------------------------------------------------------

static void machine_pin_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "Pin(%u)", (unsigned)self->id);
}

// Pin.init(mode=-1, pull=-1, *, value=None): only what is given changes.
static mp_obj_t machine_pin_obj_init_helper(const machine_pin_obj_t *self, size_t n_args,
    const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_mode, ARG_pull, ARG_value };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_mode, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_pull, MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(-1)} },
        { MP_QSTR_value, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    mp_int_t mode = args[ARG_mode].u_int;
    if (mode != -1 && mode != PIN_MODE_IN && mode != PIN_MODE_OUT && mode != PIN_MODE_OPEN_DRAIN) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid pin mode"));
    }
    mp_obj_t pull_obj = args[ARG_pull].u_obj;
    if (pull_obj == mp_const_none) {
        pin_mux_gpio(self->id, 0);
    } else {
        mp_int_t pull = mp_obj_get_int(pull_obj);
        if (pull == PIN_PULL_UP) {
            pin_mux_gpio(self->id, 1);
        } else if (pull != -1) {
            mp_raise_ValueError(MP_ERROR_TEXT("invalid pull"));
        }
    }
    // The level first, so that an output starts at it without a glitch.
    if (args[ARG_value].u_obj != mp_const_none) {
        mp_hal_pin_write(self->id, mp_obj_is_true(args[ARG_value].u_obj));
    }
    if (mode != -1) {
        esp8266_pin_set_mode(self->id, mode);
    }
    return mp_const_none;
}

// Pin(id, mode=-1, pull=-1, *, value=None)
static mp_obj_t machine_pin_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
    const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, MP_OBJ_FUN_ARGS_MAX, true);
    const machine_pin_obj_t *self = &machine_pin_obj[esp8266_pin_id(args[0])];
    if (n_args > 1 || n_kw > 0) {
        mp_map_t kw_args;
        mp_map_init_fixed_table(&kw_args, n_kw, args + n_args);
        machine_pin_obj_init_helper(self, n_args - 1, args + 1, &kw_args);
    }
    return MP_OBJ_FROM_PTR(self);
}

// Signal(id, ...) builds its pin through this (MICROPY_PY_MACHINE_PIN_MAKE_NEW).
mp_obj_t mp_pin_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    return machine_pin_make_new(&machine_pin_type, n_args, n_kw, args);
}

// pin() reads the level; pin(x) sets the output.
static mp_obj_t machine_pin_call(mp_obj_t self_in, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 1, false);
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (n_args == 0) {
        return MP_OBJ_NEW_SMALL_INT(mp_hal_pin_read(self->id));
    }
    mp_hal_pin_write(self->id, mp_obj_is_true(args[0]));
    return mp_const_none;
}

static mp_obj_t machine_pin_obj_init(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    return machine_pin_obj_init_helper(MP_OBJ_TO_PTR(args[0]), n_args - 1, args + 1, kw_args);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(machine_pin_init_obj, 1, machine_pin_obj_init);

static mp_obj_t machine_pin_value(size_t n_args, const mp_obj_t *args) {
    return machine_pin_call(args[0], n_args - 1, 0, args + 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_pin_value_obj, 1, 2, machine_pin_value);

static mp_obj_t machine_pin_off(mp_obj_t self_in) {
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_hal_pin_write(self->id, 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_pin_off_obj, machine_pin_off);

static mp_obj_t machine_pin_on(mp_obj_t self_in) {
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_hal_pin_write(self->id, 1);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_pin_on_obj, machine_pin_on);

// toggle() inverts the output register bit (not the pin level).
static mp_obj_t machine_pin_toggle(mp_obj_t self_in) {
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_hal_pin_write(self->id, !((GPIO_REG(ESP8266_GPIO_OUT) >> self->id) & 1));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_pin_toggle_obj, machine_pin_toggle);

// Pin.irq(handler=None, trigger=IRQ_FALLING|IRQ_RISING, *, hard=False)
static mp_obj_t machine_pin_irq(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_handler, ARG_trigger, ARG_hard };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_handler, MP_ARG_OBJ, {.u_obj = mp_const_none} },
        { MP_QSTR_trigger, MP_ARG_INT, {.u_int = PIN_IRQ_RISING | PIN_IRQ_FALLING} },
        { MP_QSTR_hard, MP_ARG_BOOL, {.u_bool = false} },
    };
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    uint32_t pin = self->id;
    if (n_args > 1 || kw_args->used != 0) {
        mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
        mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
        mp_int_t trigger = args[ARG_trigger].u_int;
        if (trigger & ~(mp_int_t)(PIN_IRQ_RISING | PIN_IRQ_FALLING)) {
            mp_raise_ValueError(MP_ERROR_TEXT("invalid trigger"));
        }
        mp_obj_t handler = args[ARG_handler].u_obj;
        if (handler == mp_const_none) {
            trigger = 0;
        }
        uint32_t ps = lx106_raise_intlevel();
        GPIO_REG(GPIO_PIN(pin)) &= ~GPIO_PIN_INT_TYPE_MASK;
        GPIO_REG(GPIO_STATUS_W1TC) = 1u << pin;   // forget edges latched under the old setting
        MP_STATE_PORT(machine_pin_irq_handler[pin]) = trigger ? handler : MP_OBJ_NULL;
        if (args[ARG_hard].u_bool) {
            pin_irq_hard |= 1u << pin;
        } else {
            pin_irq_hard &= ~(1u << pin);
        }
        GPIO_REG(GPIO_PIN(pin)) |= (uint32_t)trigger << GPIO_PIN_INT_TYPE_SHIFT;
        lx106_restore_ps(ps);
    }
    return MP_OBJ_FROM_PTR(&machine_pin_irq_objs[pin]);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(machine_pin_irq_obj, 1, machine_pin_irq);

static const mp_rom_map_elem_t machine_pin_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_init), MP_ROM_PTR(&machine_pin_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_value), MP_ROM_PTR(&machine_pin_value_obj) },
    { MP_ROM_QSTR(MP_QSTR_off), MP_ROM_PTR(&machine_pin_off_obj) },
    { MP_ROM_QSTR(MP_QSTR_on), MP_ROM_PTR(&machine_pin_on_obj) },
    { MP_ROM_QSTR(MP_QSTR_toggle), MP_ROM_PTR(&machine_pin_toggle_obj) },
    { MP_ROM_QSTR(MP_QSTR_irq), MP_ROM_PTR(&machine_pin_irq_obj) },

    { MP_ROM_QSTR(MP_QSTR_IN), MP_ROM_INT(PIN_MODE_IN) },
    { MP_ROM_QSTR(MP_QSTR_OUT), MP_ROM_INT(PIN_MODE_OUT) },
    { MP_ROM_QSTR(MP_QSTR_OPEN_DRAIN), MP_ROM_INT(PIN_MODE_OPEN_DRAIN) },
    { MP_ROM_QSTR(MP_QSTR_PULL_UP), MP_ROM_INT(PIN_PULL_UP) },
    { MP_ROM_QSTR(MP_QSTR_IRQ_RISING), MP_ROM_INT(PIN_IRQ_RISING) },
    { MP_ROM_QSTR(MP_QSTR_IRQ_FALLING), MP_ROM_INT(PIN_IRQ_FALLING) },
};
static MP_DEFINE_CONST_DICT(machine_pin_locals_dict, machine_pin_locals_dict_table);

// Pin protocol (extmod/virtpin.h), for machine.Signal.
static mp_uint_t machine_pin_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    machine_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (request) {
        case MP_PIN_READ:
            return mp_hal_pin_read(self->id);
        case MP_PIN_WRITE:
            mp_hal_pin_write(self->id, arg);
            return 0;
    }
    return -1;
}

static const mp_pin_p_t machine_pin_pin_p = {
    .ioctl = machine_pin_ioctl,
};

MP_DEFINE_CONST_OBJ_TYPE(
    machine_pin_type,
    MP_QSTR_Pin,
    MP_TYPE_FLAG_NONE,
    make_new, machine_pin_make_new,
    print, machine_pin_print,
    call, machine_pin_call,
    protocol, &machine_pin_pin_p,
    locals_dict, &machine_pin_locals_dict
    );

// ---- the object Pin.irq() returns ------------------------------------------------------------

// irq.trigger(): the trigger now in effect (0 when disabled).
static mp_obj_t machine_pin_irq_trigger(mp_obj_t self_in) {
    machine_pin_irq_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint32_t t = (GPIO_REG(GPIO_PIN(self->id)) & GPIO_PIN_INT_TYPE_MASK) >> GPIO_PIN_INT_TYPE_SHIFT;
    return MP_OBJ_NEW_SMALL_INT(t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_pin_irq_trigger_obj, machine_pin_irq_trigger);

// irq(): calls the handler now, as if the edge had come.
static mp_obj_t machine_pin_irq_call(mp_obj_t self_in, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    machine_pin_irq_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t handler = MP_STATE_PORT(machine_pin_irq_handler[self->id]);
    if (handler != MP_OBJ_NULL) {
        mp_call_function_1(handler, MP_OBJ_FROM_PTR(&machine_pin_obj[self->id]));
    }
    return mp_const_none;
}

static const mp_rom_map_elem_t machine_pin_irq_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_trigger), MP_ROM_PTR(&machine_pin_irq_trigger_obj) },
};
static MP_DEFINE_CONST_DICT(machine_pin_irq_locals_dict, machine_pin_irq_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    machine_pin_irq_type,
    MP_QSTR_IRQ,
    MP_TYPE_FLAG_NONE,
    call, machine_pin_irq_call,
    locals_dict, &machine_pin_irq_locals_dict
    );
