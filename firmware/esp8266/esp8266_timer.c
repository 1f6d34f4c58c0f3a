// machine.Timer of the ESP8266 port (machine.WDT: esp8266_machine_wdt.c).
//
// machine.Timer: extmod/machine_timer.c (virtual timers, id -1, as upstream esp8266's
// Timer(-1)) on shared/runtime/softtimer.c, whose deadlines this file turns into FRC2 alarms.
// FRC2 (ESP8266 SDK timer_register.h: FRC2_LOAD +0x20, FRC2_COUNT +0x24, FRC2_CTRL +0x28,
// FRC2_INT +0x2C, FRC2_ALARM +0x30 from 0x60000600) counts up at 80 MHz / 256 = 312.5 kHz and
// interrupts when COUNT reaches ALARM (edge interrupt, CPU interrupt 10, passed by DPORT
// EDGE_INT_ENABLE bit 2). The ISR calls soft_timer_handler(), which hands Python callbacks to
// mp_sched_schedule(), so they run between bytecodes, as upstream's. (CCOMPARE0 is the port's
// sleep and housekeeping timer, FRC1 is left to PWM.)

#include "py/runtime.h"
#include "py/mphal.h"
#include "shared/runtime/softtimer.h"
#include "extmod/modmachine.h"
#include "esp8266_rtc.h"
#include "lx106.h"

#if !defined(LX106_SIM)

#define FRC_BASE            (0x60000600u)
#define FRC2_LOAD           (0x20)
#define FRC2_COUNT          (0x24)
#define FRC2_CTRL           (0x28)
#define FRC2_INT            (0x2C)
#define FRC2_ALARM          (0x30)
#define FRC_CTRL_DIV256     (2u << 2)
#define FRC_CTRL_ENABLE     (1u << 7)
#define FRC_REG(off)        (*(volatile uint32_t *)(FRC_BASE + (off)))
#define FRC2_CYCLES_PER_TICK (256u)

#define DPORT_EDGE_INT_ENABLE (*(volatile uint32_t *)0x3FF00004u)
#define DPORT_EDGE_FRC2     (1u << 2)

// ---- soft timers on FRC2 ---------------------------------------------------------------------

uint32_t soft_timer_get_ms(void) {
    return mp_hal_ticks_ms();
}

// Arms FRC2 so that its interrupt comes when the millisecond clock (mp_hal_ticks_ms, from
// the CPU cycle count) has reached ticks_ms, or at once if it already has.
__attribute__((section(".iram0.text.soft_timer_schedule_at_ms")))
void soft_timer_schedule_at_ms(uint32_t ticks_ms) {
    uint32_t ps = lx106_raise_intlevel();
    uint64_t now = esp8266_cycles64();
    uint32_t now_ms = (uint32_t)(now / (ESP8266_CPU_HZ / 1000));
    int32_t delta_ms = (int32_t)(ticks_ms - now_ms);
    uint32_t ticks = 2;
    if (delta_ms > 0) {
        // The cycle at which the millisecond counter reads ticks_ms, rounded up to FRC2 ticks,
        // plus one for the tick in progress.
        uint64_t target = (now / (ESP8266_CPU_HZ / 1000) + (uint32_t)delta_ms) * (ESP8266_CPU_HZ / 1000);
        ticks = (uint32_t)((target - now + FRC2_CYCLES_PER_TICK - 1) / FRC2_CYCLES_PER_TICK) + 1;
    }
    uint32_t alarm = FRC_REG(FRC2_COUNT) + ticks;
    FRC_REG(FRC2_ALARM) = alarm;
    // If COUNT passed the alarm while it was being written, the match is lost: fire soon.
    if ((int32_t)(alarm - FRC_REG(FRC2_COUNT)) <= 0) {
        FRC_REG(FRC2_ALARM) = FRC_REG(FRC2_COUNT) + 2;
    }
    lx106_restore_ps(ps);
}

void esp8266_soft_timer_init(void) {
    FRC_REG(FRC2_CTRL) = FRC_CTRL_ENABLE | FRC_CTRL_DIV256;   // edge interrupt, /256
    FRC_REG(FRC2_LOAD) = 0;
    FRC_REG(FRC2_ALARM) = 0;   // 2^32 ticks away: the first soft timer sets the real one
    DPORT_EDGE_INT_ENABLE |= DPORT_EDGE_FRC2;
    lx106_intclear(1u << ESP8266_INUM_FRC2);
    lx106_set_intenable(lx106_intenable() | (1u << ESP8266_INUM_FRC2));
}

__attribute__((section(".iram0.text.esp8266_frc2_isr")))
void esp8266_frc2_isr(void) {
    lx106_intclear(1u << ESP8266_INUM_FRC2);
    FRC_REG(FRC2_INT) = 1;
    soft_timer_handler();
}

#endif // !LX106_SIM
