// The RTC of the ESP8266 port: wall-clock time from the RTC timer, machine.RTC, reset cause.
//
// Hardware (ESP8266 Technical Reference; NONOS SDK eagle_soc.h; ESP8266_RTOS_SDK
// rtc_register.h): the RTC block at 0x60000700 keeps counting in deep sleep and across resets
// of the digital core; RTC_SLP_CNT_VAL (+0x1C) is its 32-bit timer on the ~150 kHz RTC clock
// (what system_get_rtc_time() returns), RTC_STATE1 (+0x14) [3:0] the cause of the last reset
// (1 power-on, 2 external, 3 software, 4 watchdog, 5 deep-sleep wake). RTC memory at
// 0x60001000 (word accesses only) keeps its contents too: its first 256 bytes are the
// system's (here: this file's bookkeeping), the rest the user's.
//
// As the upstream esp8266 port (docs/library/machine.RTC.rst, docs/esp8266/quickref.rst):
//  - time = an offset kept in RTC memory + the RTC timer, so RTC.datetime() (and time.time(),
//    localtime(), gmtime(), which follow it) survive machine.reset(), a watchdog reset and
//    deep sleep; after power-on the clock starts at 2000-01-01 00:00:00;
//  - RTC.memory([data]): up to 492 bytes of user data in RTC memory, kept the same way;
//  - RTC.alarm(0, ms), alarm_left(0), irq(trigger=RTC.ALARM0, wake=machine.DEEPSLEEP):
//    machine.deepsleep() sleeps until the alarm and then restarts with DEEPSLEEP_RESET;
//  - machine.reset_cause(): the SDK's REASON_* numbers (PWRON_RESET 0, WDT_RESET 1,
//    SOFT_RESET 4, DEEPSLEEP_RESET 5, HARD_RESET 6). A software restart is not visible in
//    the hardware here (machine.reset() jumps to the entry point), so, as the SDK does, the
//    firmware notes it in RTC memory before restarting.
//
// The RTC timer wraps every 2^32 / 150 kHz = 7.95 h: its 64-bit extension (also in RTC
// memory) is refreshed on every read and by the 13 s CCOMPARE0 housekeeping interrupt. The
// clock rate is taken as exactly ESP8266_RTC_HZ (the SDK calibrates the real, drifting rate
// against the crystal; the emulated RTC clock is exact). On BOARD=LX106_SIM (QEMU, no RTC
// block) the same code runs on the CPU cycle counter and state in .bss.

#include <string.h>

#include "py/runtime.h"
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"
#include "extmod/modmachine.h"
#include "esp8266_rtc.h"
#include "lx106.h"

#define ESP8266_RTC_HZ              (150000u)      // the board's RTC clock (boards/esp8266.yaml)
#define ESP8266_RTC_BASE            (0x60000700u)
#define ESP8266_RTC_STATE1          (0x14)
#define ESP8266_RTC_SLP_CNT_VAL     (0x1C)
#define ESP8266_RTC_REG(off)        (*(volatile uint32_t *)(ESP8266_RTC_BASE + (off)))

#define RTC_STATE_MAGIC             (0x52544331u)  // "RTC1"
#define RTC_USER_MAXLEN             (492)

typedef struct {
    uint32_t magic;           // RTC_STATE_MAGIC once initialised after power-on
    uint32_t restart_reason;  // REASON_* noted by the firmware before it restarts itself
    uint32_t cnt_last;        // RTC timer at the last extension
    uint32_t cnt_high;        // its wraps seen
    uint32_t offset_lo;       // int64: microseconds since 2000-01-01 at RTC timer 0
    uint32_t offset_hi;
    uint32_t alarm_lo;        // uint64: RTC.alarm(0) expiry, us since 2000-01-01 (0: none)
    uint32_t alarm_hi;
    uint32_t alarm_wake;      // RTC.irq(wake=...)
    uint32_t user_len;        // bytes of RTC.memory()
} rtc_state_t;

#if defined(LX106_SIM)
static rtc_state_t sim_state;
static uint32_t sim_user[RTC_USER_MAXLEN / 4];
#define RTC_STATE   ((volatile rtc_state_t *)&sim_state)
#define RTC_USER    ((volatile uint32_t *)sim_user)
#else
#define RTC_STATE   ((volatile rtc_state_t *)0x60001000u)   // system part of RTC memory
#define RTC_USER    ((volatile uint32_t *)0x60001100u)      // user part of RTC memory
#endif

static uint32_t reset_cause;

static uint32_t rtc_counter(void) {
    #if defined(LX106_SIM)
    return (uint32_t)(esp8266_cycles64() / (ESP8266_CPU_HZ / ESP8266_RTC_HZ));
    #else
    return ESP8266_RTC_REG(ESP8266_RTC_SLP_CNT_VAL);
    #endif
}

// The RTC timer extended to 64 bits. Called from the housekeeping interrupt too: in IRAM.
__attribute__((section(".iram0.text.esp8266_rtc_ticks64")))
uint64_t esp8266_rtc_ticks64(void) {
    uint32_t ps = lx106_raise_intlevel();
    volatile rtc_state_t *st = RTC_STATE;
    uint32_t c = rtc_counter();
    if (c < st->cnt_last) {
        st->cnt_high += 1;
    }
    st->cnt_last = c;
    uint64_t r = ((uint64_t)st->cnt_high << 32) | c;
    lx106_restore_ps(ps);
    return r;
}

static int64_t get_offset(void) {
    return (int64_t)(((uint64_t)RTC_STATE->offset_hi << 32) | RTC_STATE->offset_lo);
}

static void set_offset(int64_t v) {
    RTC_STATE->offset_lo = (uint32_t)v;
    RTC_STATE->offset_hi = (uint32_t)((uint64_t)v >> 32);
}

// Microseconds since 2000-01-01 00:00:00 by the RTC.
uint64_t esp8266_rtc_time_us(void) {
    // 1 tick = 1e6 / 150000 us = 20/3 us.
    uint64_t t = esp8266_rtc_ticks64();
    return (uint64_t)(get_offset() + (int64_t)(t * 20 / 3));
}

static void rtc_set_time_us(uint64_t us) {
    uint64_t t = esp8266_rtc_ticks64();
    set_offset((int64_t)us - (int64_t)(t * 20 / 3));
}

void esp8266_rtc_init(void) {
    volatile rtc_state_t *st = RTC_STATE;
    uint32_t hw = 1;   // RTC_STATE1 reason; LX106_SIM: always a power-on
    #if !defined(LX106_SIM)
    hw = ESP8266_RTC_REG(ESP8266_RTC_STATE1) & 0xf;
    #endif
    if (st->magic != RTC_STATE_MAGIC) {
        // First start after power-on (RTC memory holds no state of ours): the clock starts at
        // the epoch, now.
        st->magic = RTC_STATE_MAGIC;
        st->restart_reason = 0;
        st->cnt_last = rtc_counter();
        st->cnt_high = 0;
        st->alarm_lo = st->alarm_hi = st->alarm_wake = 0;
        st->user_len = 0;
        set_offset(0);
        rtc_set_time_us(0);
    }
    if (st->restart_reason) {
        // The firmware restarted itself (machine.reset(), deepsleep()).
        reset_cause = st->restart_reason;
        st->restart_reason = 0;
    } else {
        switch (hw) {
            case 4: reset_cause = ESP8266_REASON_WDT_RST; break;
            case 5: reset_cause = ESP8266_REASON_DEEP_SLEEP_AWAKE; break;
            case 2: reset_cause = ESP8266_REASON_EXT_SYS_RST; break;
            case 3: reset_cause = ESP8266_REASON_SOFT_RESTART; break;
            default: reset_cause = ESP8266_REASON_DEFAULT_RST; break;
        }
    }
}

uint32_t esp8266_reset_cause(void) {
    return reset_cause;
}

void esp8266_note_restart(uint32_t reason) {
    RTC_STATE->restart_reason = reason;
}

// ---- machine.RTC ---------------------------------------------------------------------------

typedef struct _machine_rtc_obj_t {
    mp_obj_base_t base;
} machine_rtc_obj_t;

static const machine_rtc_obj_t machine_rtc_obj = {{&machine_rtc_type}};

static mp_obj_t machine_rtc_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    return MP_OBJ_FROM_PTR(&machine_rtc_obj);
}

// RTC.datetime([(year, month, day, weekday, hours, minutes, seconds, subseconds)]):
// subseconds in milliseconds, as upstream esp8266; the weekday given is ignored.
static mp_obj_t machine_rtc_datetime(size_t n_args, const mp_obj_t *args) {
    if (n_args == 1) {
        uint64_t us = esp8266_rtc_time_us();
        uint64_t ms = us / 1000;
        timeutils_struct_time_t tm;
        timeutils_seconds_since_epoch_to_struct_time((mp_uint_t)(ms / 1000), &tm);
        mp_obj_t tuple[8] = {
            mp_obj_new_int(tm.tm_year),
            mp_obj_new_int(tm.tm_mon),
            mp_obj_new_int(tm.tm_mday),
            mp_obj_new_int(tm.tm_wday),
            mp_obj_new_int(tm.tm_hour),
            mp_obj_new_int(tm.tm_min),
            mp_obj_new_int(tm.tm_sec),
            mp_obj_new_int(ms % 1000),
        };
        return mp_obj_new_tuple(8, tuple);
    }
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(args[1], 8, &items);
    uint64_t secs = timeutils_seconds_since_epoch(
        mp_obj_get_int(items[0]), mp_obj_get_int(items[1]), mp_obj_get_int(items[2]),
        mp_obj_get_int(items[4]), mp_obj_get_int(items[5]), mp_obj_get_int(items[6]));
    rtc_set_time_us(secs * 1000000 + (uint64_t)mp_obj_get_int(items[7]) * 1000);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_rtc_datetime_obj, 1, 2, machine_rtc_datetime);

// RTC.memory([data]): the user's bytes in RTC memory (word accesses only, hence the copies).
static mp_obj_t machine_rtc_memory(size_t n_args, const mp_obj_t *args) {
    volatile uint32_t *mem = RTC_USER;
    if (n_args == 1) {
        uint32_t len = RTC_STATE->user_len;
        if (len > RTC_USER_MAXLEN) {
            len = 0;
        }
        uint32_t words[RTC_USER_MAXLEN / 4];
        for (uint32_t i = 0; i < (len + 3) / 4; ++i) {
            words[i] = mem[i];
        }
        return mp_obj_new_bytes((const byte *)words, len);
    }
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(args[1], &bufinfo, MP_BUFFER_READ);
    if (bufinfo.len > RTC_USER_MAXLEN) {
        mp_raise_ValueError(MP_ERROR_TEXT("buffer too long"));
    }
    uint32_t words[RTC_USER_MAXLEN / 4];
    memcpy(words, bufinfo.buf, bufinfo.len);
    for (uint32_t i = 0; i < (bufinfo.len + 3) / 4; ++i) {
        mem[i] = words[i];
    }
    RTC_STATE->user_len = bufinfo.len;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_rtc_memory_obj, 1, 2, machine_rtc_memory);

static uint64_t alarm_expiry(void) {
    return ((uint64_t)RTC_STATE->alarm_hi << 32) | RTC_STATE->alarm_lo;
}

static void check_alarm_id(mp_obj_t id) {
    if (mp_obj_get_int(id) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid alarm"));
    }
}

// RTC.alarm(0, time_ms): the alarm goes off time_ms from now.
static mp_obj_t machine_rtc_alarm(mp_obj_t self_in, mp_obj_t alarm_id, mp_obj_t time_in) {
    check_alarm_id(alarm_id);
    uint64_t expiry = esp8266_rtc_time_us() + (uint64_t)mp_obj_get_int(time_in) * 1000;
    RTC_STATE->alarm_lo = (uint32_t)expiry;
    RTC_STATE->alarm_hi = (uint32_t)(expiry >> 32);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_rtc_alarm_obj, machine_rtc_alarm);

// Milliseconds until the alarm (0 if it has gone off).
uint32_t esp8266_rtc_alarm_left_ms(void) {
    uint64_t expiry = alarm_expiry();
    uint64_t now = esp8266_rtc_time_us();
    return expiry <= now ? 0 : (uint32_t)((expiry - now) / 1000);
}

static mp_obj_t machine_rtc_alarm_left(size_t n_args, const mp_obj_t *args) {
    if (n_args > 1) {
        check_alarm_id(args[1]);
    }
    return mp_obj_new_int(esp8266_rtc_alarm_left_ms());
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_rtc_alarm_left_obj, 1, 2, machine_rtc_alarm_left);

// RTC.irq(trigger=RTC.ALARM0, wake=machine.DEEPSLEEP): the alarm wakes the chip from deep sleep.
static mp_obj_t machine_rtc_irq(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_trigger, ARG_wake };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_trigger, MP_ARG_REQUIRED | MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_wake, MP_ARG_REQUIRED | MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 0} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    if (args[ARG_trigger].u_int != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid alarm"));
    }
    RTC_STATE->alarm_wake = args[ARG_wake].u_int;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(machine_rtc_irq_obj, 1, machine_rtc_irq);

static const mp_rom_map_elem_t machine_rtc_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_datetime), MP_ROM_PTR(&machine_rtc_datetime_obj) },
    { MP_ROM_QSTR(MP_QSTR_memory), MP_ROM_PTR(&machine_rtc_memory_obj) },
    { MP_ROM_QSTR(MP_QSTR_alarm), MP_ROM_PTR(&machine_rtc_alarm_obj) },
    { MP_ROM_QSTR(MP_QSTR_alarm_left), MP_ROM_PTR(&machine_rtc_alarm_left_obj) },
    { MP_ROM_QSTR(MP_QSTR_irq), MP_ROM_PTR(&machine_rtc_irq_obj) },
    { MP_ROM_QSTR(MP_QSTR_ALARM0), MP_ROM_INT(0) },
};
static MP_DEFINE_CONST_DICT(machine_rtc_locals_dict, machine_rtc_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    machine_rtc_type,
    MP_QSTR_RTC,
    MP_TYPE_FLAG_NONE,
    make_new, machine_rtc_make_new,
    locals_dict, &machine_rtc_locals_dict
    );
