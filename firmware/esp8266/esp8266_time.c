// `time` module: port part, included by extmod/modtime.c (MICROPY_PY_TIME_INCLUDEFILE).
//
// Wall-clock time follows the RTC (esp8266_rtc.c: an offset in RTC memory plus the RTC timer),
// as on the upstream esp8266 port: RTC.datetime() sets it, and it counts from the MicroPython
// epoch (2000-01-01 00:00:00) at power-on. It runs in virtual time, deterministic like
// everything in the emulator.

#include "py/obj.h"
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

static mp_obj_t mp_time_localtime_get(void) {
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(esp8266_seconds_since_epoch(), &tm);
    mp_obj_t tuple[8] = {
        mp_obj_new_int(tm.tm_year),
        mp_obj_new_int(tm.tm_mon),
        mp_obj_new_int(tm.tm_mday),
        mp_obj_new_int(tm.tm_hour),
        mp_obj_new_int(tm.tm_min),
        mp_obj_new_int(tm.tm_sec),
        mp_obj_new_int(tm.tm_wday),
        mp_obj_new_int(tm.tm_yday),
    };
    return mp_obj_new_tuple(8, tuple);
}

static mp_obj_t mp_time_time_get(void) {
    return mp_obj_new_int_from_uint(esp8266_seconds_since_epoch());
}
