// MicroPython HAL for the ESP8266 port.
//
// Console: UART0 (uart.c) on BOARD=ESP8266; on BOARD=LX106_SIM, QEMU's simcall semihosting
// (a2 = call number: 1 exit, 3 read, 4 write; a3.. = arguments; result in a2 — QEMU
// target/xtensa/xtensa-semi.c interface, REFERENCE.md §5).
//
// Time: CCOUNT counts CPU cycles at 80 MHz and wraps every 2^32 / 80e6 = 53.7 s. The 64-bit
// count is CCOUNT plus a software high word, bumped whenever a read sees CCOUNT below the
// previous read. CCOMPARE0 (CPU interrupt 6, raised when CCOUNT equals CCOMPARE0; writing
// CCOMPARE0 clears it — ISA RM §4.4.6) is always armed at most 2^30 cycles (13 s) ahead, so the
// extension is refreshed at least four times per wrap even when nobody reads the time. Sleeps
// arm it earlier and wait with WAITI, so the emulator idles instead of spinning.

#include <string.h>
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "shared/timeutils/timeutils.h"
#include "uart.h"
#include "machine_pin.h"
#include "esp8266_rtc.h"

#define HOUSEKEEPING_CYCLES (1u << 30)

static uint32_t cc_high;
static uint32_t cc_last;

__attribute__((section(".iram0.text.esp8266_cycles64")))
uint64_t esp8266_cycles64(void) {
    uint32_t ps = lx106_raise_intlevel();
    uint32_t c = lx106_ccount();
    if (c < cc_last) {
        cc_high += 1;
    }
    cc_last = c;
    uint64_t r = ((uint64_t)cc_high << 32) | c;
    lx106_restore_ps(ps);
    return r;
}

void esp8266_time_init(void) {
    cc_high = 0;
    cc_last = lx106_ccount();
    lx106_set_ccompare0(cc_last + HOUSEKEEPING_CYCLES);
    lx106_set_intenable(lx106_intenable() | (1u << ESP8266_INUM_CCOMPARE0));
}

__attribute__((section(".iram0.text.esp8266_timer_isr")))
void esp8266_timer_isr(void) {
    (void)esp8266_cycles64();
    (void)esp8266_rtc_ticks64();   // keeps the RTC timer's 64-bit extension current too
    // Re-arm the housekeeping compare (this write also clears the interrupt); a sleeping
    // caller re-arms its own deadline when it wakes.
    lx106_set_ccompare0(lx106_ccount() + HOUSEKEEPING_CYCLES);
}

// Level-1 interrupt dispatcher, called from vectors.S with level-1 interrupts masked.
__attribute__((section(".iram0.text.lx106_irq_dispatch")))
void lx106_irq_dispatch(void) {
    uint32_t pending = lx106_interrupt() & lx106_intenable();
    if (pending & (1u << ESP8266_INUM_CCOMPARE0)) {
        esp8266_timer_isr();
    }
    if (pending & (1u << ESP8266_INUM_UART)) {
        uart0_isr();
    }
    if (pending & (1u << ESP8266_INUM_GPIO)) {
        esp8266_gpio_isr();
    }
    if (pending & (1u << ESP8266_INUM_FRC1)) {
        esp8266_frc1_isr();
    }
    #if MICROPY_PY_MACHINE_TIMER
    if (pending & (1u << ESP8266_INUM_FRC2)) {
        esp8266_frc2_isr();
    }
    #endif
}

uint32_t lx106_disable_irq(void) {
    return lx106_raise_intlevel();
}

void lx106_enable_irq(uint32_t state) {
    lx106_restore_ps(state);
}

// Wait with WAITI until an interrupt or until `cycles` have passed. Called with level-1
// interrupts masked (ps = the PS to restore), so that a wake-up condition checked by the caller
// cannot slip in between the check and the WAITI (WAITI unmasks atomically).
static void wait_cycles_masked(uint32_t ps, uint32_t cycles) {
    if (cycles > HOUSEKEEPING_CYCLES) {
        cycles = HOUSEKEEPING_CYCLES;
    }
    lx106_set_ccompare0(lx106_ccount() + cycles);
    lx106_waiti();
    lx106_restore_ps(ps);
}

// Sleep until the 64-bit cycle count reaches `deadline`.
static void sleep_until(uint64_t deadline, bool handle_events) {
    for (;;) {
        uint64_t now = esp8266_cycles64();
        if (now >= deadline) {
            return;
        }
        uint64_t left = deadline - now;
        if (left < 200) {
            // Closer than the cost of arming the timer and taking the interrupt: spin.
            continue;
        }
        if (handle_events) {
            mp_handle_pending(true);
            if (MP_STATE_VM(sched_state) == MP_SCHED_PENDING) {
                // More callbacks queued (the VM runs one per check, and two timers can fall
                // due together): run them before waiting.
                continue;
            }
        }
        uint32_t ps = lx106_raise_intlevel();
        wait_cycles_masked(ps, left > HOUSEKEEPING_CYCLES ? HOUSEKEEPING_CYCLES : (uint32_t)left);
    }
}

void mp_hal_delay_ms(mp_uint_t ms) {
    sleep_until(esp8266_cycles64() + (uint64_t)ms * (ESP8266_CPU_HZ / 1000), true);
}

void mp_hal_delay_us(mp_uint_t us) {
    sleep_until(esp8266_cycles64() + (uint64_t)us * (ESP8266_CPU_HZ / 1000000), false);
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(esp8266_cycles64() / (ESP8266_CPU_HZ / 1000));
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)(esp8266_cycles64() / (ESP8266_CPU_HZ / 1000000));
}

uint64_t mp_hal_time_ns(void) {
    // Wall-clock time by the RTC (esp8266_rtc.c), in the epoch of time.time() (2000).
    return esp8266_rtc_time_us() * 1000;
}

// ---- console ---------------------------------------------------------------------------------

#if defined(LX106_SIM)

static int simcall(int call, int a3, int a4, int a5) {
    register int r2 __asm__ ("a2") = call;
    register int r3 __asm__ ("a3") = a3;
    register int r4 __asm__ ("a4") = a4;
    register int r5 __asm__ ("a5") = a5;
    __asm__ volatile ("simcall" : "+r" (r2), "+r" (r3) : "r" (r4), "r" (r5) : "memory");
    return r2;
}

static int sim_pending = -1;

static int console_rx_any(void) {
    return sim_pending >= 0;
}

int mp_hal_stdin_rx_chr(void) {
    if (sim_pending >= 0) {
        int c = sim_pending;
        sim_pending = -1;
        return c;
    }
    for (;;) {
        char c;
        if (simcall(3, 0, (int)&c, 1) == 1) {
            return (uint8_t)c;
        }
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    // simcall reads guest memory directly, but copy through DRAM anyway so that strings in
    // flash need no special handling by the host.
    char buf[64];
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
        memcpy(buf, str + done, n);
        simcall(4, 1, (int)buf, (int)n);
        done += n;
    }
    return len;
}

void esp8266_console_init(void) {
}

void esp8266_exit(int status) {
    simcall(1, status, 0, 0);
    for (;;) {
    }
}

#else

static int console_rx_any(void) {
    return uart0_rx_any();
}

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        int c = uart0_rx_byte();
        if (c >= 0) {
            return c;
        }
        mp_event_wait_indefinite();
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    uart0_tx_bytes(str, len);
    return len;
}

void esp8266_console_init(void) {
    uart0_init(115200);
}

#endif

// MICROPY_INTERNAL_WFE: wait for an event (interrupt) for at most timeout_ms (-1: no limit).
void mp_hal_wait_for_interrupt_ms(mp_int_t timeout_ms) {
    uint32_t ps = lx106_raise_intlevel();
    if (console_rx_any() || MP_STATE_MAIN_THREAD(mp_pending_exception) != MP_OBJ_NULL
        || MP_STATE_VM(sched_state) == MP_SCHED_PENDING) {
        lx106_restore_ps(ps);
        return;
    }
    uint32_t cycles = HOUSEKEEPING_CYCLES;
    if (timeout_ms >= 0 && (uint32_t)timeout_ms < HOUSEKEEPING_CYCLES / (ESP8266_CPU_HZ / 1000)) {
        cycles = (uint32_t)timeout_ms * (ESP8266_CPU_HZ / 1000) + 1;
    }
    wait_cycles_masked(ps, cycles);
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    if ((poll_flags & MP_STREAM_POLL_RD) && console_rx_any()) {
        ret |= MP_STREAM_POLL_RD;
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR;
    }
    return ret;
}

uint32_t esp8266_random_seed(void) {
    return lx106_ccount();
}

// Seconds since the MicroPython epoch (2000-01-01) by the RTC (esp8266_rtc.c).
mp_uint_t esp8266_seconds_since_epoch(void) {
    return (mp_uint_t)(esp8266_rtc_time_us() / 1000000);
}

#if MICROPY_VFS_FAT
// FatFs timestamp (lib/oofatfs/ff.h): DOS date/time packed as
// year-1980 [31:25], month [24:21], day [20:16], hour [15:11], minute [10:5], second/2 [4:0].
uint32_t get_fattime(void) {
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(esp8266_seconds_since_epoch(), &tm);
    return ((uint32_t)(tm.tm_year - 1980) << 25) | ((uint32_t)tm.tm_mon << 21)
           | ((uint32_t)tm.tm_mday << 16) | ((uint32_t)tm.tm_hour << 11)
           | ((uint32_t)tm.tm_min << 5) | ((uint32_t)tm.tm_sec / 2);
}
#endif
