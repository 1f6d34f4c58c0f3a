// machine.PWM of the ESP8266 port: software PWM driven by the FRC1 timer, with the behaviour
// upstream's esp8266 port documents (docs/esp8266/quickref.rst "PWM", docs/library/
// machine.PWM.rst): up to 8 pins, one frequency shared by all of them (1..1000 Hz), 10-bit duty
// (duty() 0..1023, and 1024 = always on; duty_u16() and duty_ns() are converted to it).
// Included by extmod/machine_pwm.c (MICROPY_PY_MACHINE_PWM_INCLUDEFILE; not named machine_pwm.c,
// which that #include would resolve to extmod/machine_pwm.c itself); our own code.
//
// How the waveform is made: one period is a short list of edges, each an offset from the
// period's start with the GPIO_OUT bits to set and to clear there: offset 0 sets every pin with
// a non-zero duty (and clears those at duty 0), then one edge per distinct duty clears the pins
// that have it; pins at duty 1024 are never cleared. The edges are absolute times on the CCOUNT
// time base (the 80 MHz CPU clock, which is also the FRC1 clock), so timer latency never
// accumulates: frequency and duty are exact on average whatever the interrupt latency.
//
// FRC1 (ESP8266 Technical Reference, "Timer"; SDK timer_register.h) at 0x60000600: LOAD +0x00
// (23 bits; writing it reloads the down-counter), COUNT +0x04, CTRL +0x08 (ENABLE bit 7,
// prescaler [3:2] = 0: /1, INT_TYPE bit 0 = 0: edge), INT +0x0C (write 1: clear). Its edge
// interrupt is CPU interrupt 9 (ETS_FRC_TIMER1_INUM), passed by DPORT EDGE_INT_ENABLE
// (0x3FF00004) bit 1; the CPU latches it until INTCLEAR. Each interrupt runs the edges that are
// due (waiting on CCOUNT for the exact cycle when the next one is close), then loads FRC1 to
// expire PWM_EARLY cycles before the next edge, or at most PWM_MAX_LOAD cycles ahead (long
// periods at low frequencies take several loads). The ISR changes only its pins' GPIO_OUT bits.
//
// Changes (duty, freq, a new or removed channel) build the new edge list into the spare plan;
// the ISR switches to it at the next period start (so no period is ever cut short or doubled),
// or, with the timer stopped, it starts at once. A plan with no pin strictly between 0 and 1024
// needs no timer: its levels are written and FRC1 stops.

#include "py/mphal.h"
#include "machine_pin.h"

#define PWM_CHANNELS        (8)
#define PWM_DUTY_MAX        (1024)          // duty() units: 10 bits, 1024 = always on
#define PWM_FREQ_MIN        (1)
#define PWM_FREQ_MAX        (1000)
#define PWM_FREQ_DEFAULT    (1000)

#define FRC1_BASE           (0x60000600u)
#define FRC1_LOAD           (*(volatile uint32_t *)(FRC1_BASE + 0x00))
#define FRC1_CTRL           (*(volatile uint32_t *)(FRC1_BASE + 0x08))
#define FRC1_INT            (*(volatile uint32_t *)(FRC1_BASE + 0x0c))
#define FRC1_CTRL_ENABLE    (1u << 7)
#define DPORT_EDGE_INT_ENABLE (*(volatile uint32_t *)0x3ff00004u)
#define DPORT_EDGE_FRC1     (1u << 1)

// The interrupt is asked for this many cycles before an edge; the ISR then waits for the exact
// cycle. It covers the interrupt entry (vectors.S saves the frame, the dispatcher reads
// INTERRUPT) with margin; a later interrupt (one that waited for a masked section) only makes
// that one edge late.
#define PWM_EARLY           (400)
// FRC1 counts 23 bits; longer waits take several loads.
#define PWM_MAX_LOAD        (1u << 22)

typedef struct _pwm_edge_t {
    uint32_t offset;    // cycles from the period's start
    uint32_t set;       // GPIO_OUT bits set here
    uint32_t clear;     // GPIO_OUT bits cleared here
} pwm_edge_t;

typedef struct _pwm_plan_t {
    uint32_t period;    // cycles
    uint32_t n;         // edges in use (edge[0] is the period start)
    pwm_edge_t edge[PWM_CHANNELS + 1];
} pwm_plan_t;

// ISR state (changed by thread code only with level-1 interrupts masked).
static pwm_plan_t pwm_plan[2];
static uint32_t pwm_cur;            // index of the plan the ISR runs
static bool pwm_pending;            // pwm_plan[pwm_cur ^ 1] replaces it at the next period start
static bool pwm_running;            // FRC1 is running the plan
static uint32_t pwm_index;          // next edge of the current period
static uint32_t pwm_start;          // CCOUNT of the current period's start

// Channels (thread side).
static int8_t pwm_chan_pin[PWM_CHANNELS];   // -1: free
static uint16_t pwm_chan_duty[PWM_CHANNELS];
static uint32_t pwm_freq = PWM_FREQ_DEFAULT;

typedef struct _machine_pwm_obj_t {
    mp_obj_base_t base;
    uint32_t pin;
} machine_pwm_obj_t;

// ---- the interrupt side ----------------------------------------------------------------------

static inline void lx106_set_intclear(uint32_t v) {
    __asm__ volatile ("wsr.intclear %0; rsync" :: "a" (v));
}

__attribute__((section(".iram0.text.pwm_stop_timer")))
static void pwm_stop_timer(void) {
    FRC1_CTRL = 0;
    FRC1_INT = 1;
    lx106_set_intclear(1u << ESP8266_INUM_FRC1);
    pwm_running = false;
}

// Runs the edges that are due, then arms FRC1 for the next one. Level-1 interrupts masked.
__attribute__((section(".iram0.text.pwm_run")))
static void pwm_run(void) {
    for (;;) {
        if (pwm_index == 0 && pwm_pending) {
            // Next is a period start: a new plan takes over here (checked on every pass, so a
            // change made after the last edge of a period still applies at the next start).
            pwm_cur ^= 1;
            pwm_pending = false;
        }
        const pwm_plan_t *p = &pwm_plan[pwm_cur];
        const pwm_edge_t *e = &p->edge[pwm_index];
        uint32_t due = pwm_start + e->offset;
        int32_t left = (int32_t)(due - lx106_ccount());
        if (left > PWM_EARLY) {
            uint32_t load = (uint32_t)left - PWM_EARLY;
            FRC1_LOAD = load > PWM_MAX_LOAD ? PWM_MAX_LOAD : load;
            return;
        }
        if (left < -(int32_t)p->period) {
            // More than a period late (interrupts were masked that long): restart the period
            // schedule from now instead of catching up edge by edge.
            pwm_start = lx106_ccount() - e->offset;
            due = pwm_start + e->offset;
        }
        while ((int32_t)(due - lx106_ccount()) > 0) {
        }
        // One GPIO_OUT write per edge, so that a period-start edge (which sets) and a duty edge
        // (which clears) come out the same number of cycles after their due time. Thread code
        // changes GPIO_OUT only through W1TS/W1TC single writes, which cannot fall between this
        // read and write (level-1 interrupts are masked here).
        ESP8266_GPIO_REG(ESP8266_GPIO_OUT) = (ESP8266_GPIO_REG(ESP8266_GPIO_OUT) & ~e->clear) | e->set;
        if (++pwm_index < p->n) {
            continue;
        }
        // Period end: the next one starts one period after this one did. A plan without edges
        // inside the period needs no timer once its levels are written.
        pwm_index = 0;
        pwm_start += p->period;
        if (p->n == 1 && !pwm_pending) {
            pwm_stop_timer();
            return;
        }
    }
}

// FRC1 edge interrupt (CPU interrupt 9), from lx106_irq_dispatch with level-1 interrupts masked.
__attribute__((section(".iram0.text.esp8266_frc1_isr")))
void esp8266_frc1_isr(void) {
    lx106_set_intclear(1u << ESP8266_INUM_FRC1);
    FRC1_INT = 1;
    if (pwm_running) {
        pwm_run();
    }
}

// ---- plans -----------------------------------------------------------------------------------

// Builds the plan of the current channels and frequency into `p`.
static void pwm_build(pwm_plan_t *p) {
    uint32_t period = ESP8266_CPU_HZ / pwm_freq;
    p->period = period;
    p->n = 1;
    p->edge[0].offset = 0;
    p->edge[0].set = 0;
    p->edge[0].clear = 0;
    for (size_t c = 0; c < PWM_CHANNELS; ++c) {
        if (pwm_chan_pin[c] < 0) {
            continue;
        }
        uint32_t bit = 1u << pwm_chan_pin[c];
        uint32_t duty = pwm_chan_duty[c];
        if (duty == 0) {
            p->edge[0].clear |= bit;
            continue;
        }
        p->edge[0].set |= bit;
        if (duty >= PWM_DUTY_MAX) {
            continue;
        }
        // period * duty / 1024 without a 64-bit product.
        uint32_t offset = (period >> 10) * duty + (((period & 1023) * duty) >> 10);
        if (offset == 0) {
            offset = 1;
        }
        // Insert sorted; pins with the same offset share one edge.
        size_t i = 1;
        while (i < p->n && p->edge[i].offset < offset) {
            ++i;
        }
        if (i < p->n && p->edge[i].offset == offset) {
            p->edge[i].clear |= bit;
            continue;
        }
        for (size_t j = p->n; j > i; --j) {
            p->edge[j] = p->edge[j - 1];
        }
        p->edge[i].offset = offset;
        p->edge[i].set = 0;
        p->edge[i].clear = bit;
        p->n += 1;
    }
}

// Makes the current channels and frequency take effect: at the next period start while the
// timer runs, else now.
static void pwm_update(void) {
    #if defined(LX106_SIM)
    // QEMU's sim machine has no FRC1 or GPIO block: the settings are only kept.
    pwm_build(&pwm_plan[0]);
    #else
    uint32_t ps = lx106_raise_intlevel();
    pwm_plan_t *next = &pwm_plan[pwm_cur ^ 1];
    pwm_build(next);
    if (pwm_running) {
        pwm_pending = true;
    } else {
        pwm_cur ^= 1;
        pwm_pending = false;
        pwm_index = 0;
        if (next->n == 1) {
            ESP8266_GPIO_REG(ESP8266_GPIO_OUT_W1TS) = next->edge[0].set;
            ESP8266_GPIO_REG(ESP8266_GPIO_OUT_W1TC) = next->edge[0].clear;
        } else {
            pwm_running = true;
            pwm_start = lx106_ccount() + PWM_EARLY + 100;
            FRC1_CTRL = FRC1_CTRL_ENABLE;   // prescaler /1, edge interrupt, no auto-reload
            pwm_run();
        }
    }
    lx106_restore_ps(ps);
    #endif
}

// At start-up and each soft reset: no channels (their pins driven low), timer stopped, FRC1's
// interrupt enabled.
void esp8266_pwm_init(void) {
    for (size_t c = 0; c < PWM_CHANNELS; ++c) {
        pwm_chan_pin[c] = -1;
        pwm_chan_duty[c] = 0;
    }
    pwm_freq = PWM_FREQ_DEFAULT;
    #if !defined(LX106_SIM)
    uint32_t ps = lx106_raise_intlevel();
    // Every channel's pin is in the period start edge of the plan in use (zero at power-on).
    uint32_t pins = pwm_plan[pwm_cur].edge[0].set | pwm_plan[pwm_cur].edge[0].clear;
    pwm_stop_timer();
    pwm_pending = false;
    pwm_index = 0;
    pwm_plan[pwm_cur].n = 1;
    pwm_plan[pwm_cur].edge[0].set = pwm_plan[pwm_cur].edge[0].clear = 0;
    ESP8266_GPIO_REG(ESP8266_GPIO_OUT_W1TC) = pins;
    DPORT_EDGE_INT_ENABLE |= DPORT_EDGE_FRC1;
    lx106_set_intenable(lx106_intenable() | (1u << ESP8266_INUM_FRC1));
    lx106_restore_ps(ps);
    #endif
}

// ---- machine.PWM -----------------------------------------------------------------------------

static int pwm_channel_of(uint32_t pin) {
    for (int c = 0; c < PWM_CHANNELS; ++c) {
        if (pwm_chan_pin[c] == (int)pin) {
            return c;
        }
    }
    return -1;
}

// The pin's channel, added (duty 0, pin a push-pull output) if it has none.
static int pwm_channel_add(uint32_t pin) {
    int c = pwm_channel_of(pin);
    if (c >= 0) {
        return c;
    }
    for (c = 0; c < PWM_CHANNELS; ++c) {
        if (pwm_chan_pin[c] < 0) {
            pwm_chan_pin[c] = (int8_t)pin;
            pwm_chan_duty[c] = 0;
            mp_hal_pin_write(pin, 0);
            esp8266_pin_set_mode(pin, 1);
            return c;
        }
    }
    mp_raise_ValueError(MP_ERROR_TEXT("too many PWM channels (8)"));
}

static void pwm_set_duty10(machine_pwm_obj_t *self, mp_int_t duty) {
    if (duty < 0 || duty > PWM_DUTY_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("duty must be from 0 to 1024"));
    }
    int c = pwm_channel_add(self->pin);
    pwm_chan_duty[c] = (uint16_t)duty;
    pwm_update();
}

static uint32_t pwm_get_duty10(machine_pwm_obj_t *self) {
    int c = pwm_channel_of(self->pin);
    return c < 0 ? 0 : pwm_chan_duty[c];
}

static void mp_machine_pwm_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    machine_pwm_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "PWM(%u", (unsigned)self->pin);
    if (pwm_channel_of(self->pin) >= 0) {
        mp_printf(print, ", freq=%u, duty=%u", (unsigned)pwm_freq, (unsigned)pwm_get_duty10(self));
    }
    mp_printf(print, ")");
}

static void mp_machine_pwm_init_helper(machine_pwm_obj_t *self, size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_freq, ARG_duty, ARG_duty_u16, ARG_duty_ns };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_freq, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_duty, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_duty_u16, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_duty_ns, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    pwm_channel_add(self->pin);
    if (args[ARG_freq].u_int != -1) {
        mp_machine_pwm_freq_set(self, args[ARG_freq].u_int);
    }
    if (args[ARG_duty].u_int != -1) {
        pwm_set_duty10(self, args[ARG_duty].u_int);
    }
    if (args[ARG_duty_u16].u_int != -1) {
        mp_machine_pwm_duty_set_u16(self, args[ARG_duty_u16].u_int);
    }
    if (args[ARG_duty_ns].u_int != -1) {
        mp_machine_pwm_duty_set_ns(self, args[ARG_duty_ns].u_int);
    }
    pwm_update();
}

// PWM(pin, freq=, duty=, *, duty_u16=, duty_ns=): pin is a machine.Pin or a GPIO number.
static mp_obj_t mp_machine_pwm_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, MP_OBJ_FUN_ARGS_MAX, true);
    uint32_t pin = esp8266_pin_id(args[0]);
    machine_pwm_obj_t *self = mp_obj_malloc(machine_pwm_obj_t, &machine_pwm_type);
    self->pin = pin;
    mp_map_t kw_args;
    mp_map_init_fixed_table(&kw_args, n_kw, args + n_args);
    mp_machine_pwm_init_helper(self, n_args - 1, args + 1, &kw_args);
    return MP_OBJ_FROM_PTR(self);
}

// Stops PWM on the pin, which stays an output at 0.
static void mp_machine_pwm_deinit(machine_pwm_obj_t *self) {
    int c = pwm_channel_of(self->pin);
    if (c < 0) {
        return;
    }
    pwm_chan_pin[c] = -1;
    pwm_update();
    mp_hal_pin_write(self->pin, 0);
}

static mp_obj_t mp_machine_pwm_freq_get(machine_pwm_obj_t *self) {
    return MP_OBJ_NEW_SMALL_INT(pwm_freq);
}

static void mp_machine_pwm_freq_set(machine_pwm_obj_t *self, mp_int_t freq) {
    if (freq < PWM_FREQ_MIN || freq > PWM_FREQ_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("freq must be from 1 to 1000 Hz"));
    }
    pwm_freq = (uint32_t)freq;
    pwm_update();
}

static mp_obj_t mp_machine_pwm_duty_get(machine_pwm_obj_t *self) {
    return MP_OBJ_NEW_SMALL_INT(pwm_get_duty10(self));
}

static void mp_machine_pwm_duty_set(machine_pwm_obj_t *self, mp_int_t duty) {
    pwm_set_duty10(self, duty);
}

// duty_u16: 0..65535 maps onto 0..1024, rounded (65535 is always on).
static mp_obj_t mp_machine_pwm_duty_get_u16(machine_pwm_obj_t *self) {
    return MP_OBJ_NEW_SMALL_INT((pwm_get_duty10(self) * 65535u + PWM_DUTY_MAX / 2) / PWM_DUTY_MAX);
}

static void mp_machine_pwm_duty_set_u16(machine_pwm_obj_t *self, mp_int_t duty_u16) {
    if (duty_u16 < 0 || duty_u16 > 65535) {
        mp_raise_ValueError(MP_ERROR_TEXT("duty_u16 must be from 0 to 65535"));
    }
    pwm_set_duty10(self, ((uint32_t)duty_u16 * PWM_DUTY_MAX + 65535u / 2) / 65535u);
}

// duty_ns: the high time of one period, rounded to the 10-bit duty; longer than the period is
// always on.
static mp_obj_t mp_machine_pwm_duty_get_ns(machine_pwm_obj_t *self) {
    uint64_t ns = ((uint64_t)pwm_get_duty10(self) * 1000000000u + pwm_freq * PWM_DUTY_MAX / 2)
        / ((uint64_t)pwm_freq * PWM_DUTY_MAX);
    return mp_obj_new_int_from_uint((mp_uint_t)ns);
}

static void mp_machine_pwm_duty_set_ns(machine_pwm_obj_t *self, mp_int_t duty_ns) {
    if (duty_ns < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("duty_ns must not be negative"));
    }
    uint64_t duty = ((uint64_t)duty_ns * pwm_freq * PWM_DUTY_MAX + 500000000u) / 1000000000u;
    pwm_set_duty10(self, duty > PWM_DUTY_MAX ? PWM_DUTY_MAX : (mp_int_t)duty);
}
