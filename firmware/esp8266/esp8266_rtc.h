// RTC time, reset cause and the watchdog/soft-timer drivers of the ESP8266 port
// (esp8266_rtc.c, esp8266_timer.c).
#ifndef BOARDEMU_ESP8266_RTC_H
#define BOARDEMU_ESP8266_RTC_H

#include <stdint.h>

// Reset causes as machine.reset_cause() returns them: the SDK's rst_info reasons
// (user_interface.h REASON_*), which the upstream esp8266 port exposes.
#define ESP8266_REASON_DEFAULT_RST      (0)   // machine.PWRON_RESET
#define ESP8266_REASON_WDT_RST          (1)   // machine.WDT_RESET
#define ESP8266_REASON_SOFT_RESTART     (4)   // machine.SOFT_RESET
#define ESP8266_REASON_DEEP_SLEEP_AWAKE (5)   // machine.DEEPSLEEP_RESET
#define ESP8266_REASON_EXT_SYS_RST      (6)   // machine.HARD_RESET

void esp8266_rtc_init(void);
uint64_t esp8266_rtc_ticks64(void);
uint64_t esp8266_rtc_time_us(void);
uint32_t esp8266_rtc_alarm_left_ms(void);
uint32_t esp8266_reset_cause(void);
// Notes the reason the firmware is about to restart itself (read back by the next start).
void esp8266_note_restart(uint32_t reason);

// Soft timers (shared/runtime/softtimer.c) on FRC2: esp8266_timer.c.
void esp8266_soft_timer_init(void);
void esp8266_frc2_isr(void);

#endif
