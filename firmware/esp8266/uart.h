// ESP8266 UART0 console driver: receive by interrupt into a ring buffer, transmit by polling.
#ifndef BOARDEMU_ESP8266_UART_H
#define BOARDEMU_ESP8266_UART_H

#include <stddef.h>
#include <stdint.h>

void uart0_init(uint32_t baud);
// Next received byte, or -1 if none is buffered.
int uart0_rx_byte(void);
// Whether a received byte is buffered.
int uart0_rx_any(void);
void uart0_tx_bytes(const char *buf, size_t len);
// Level-1 interrupt 5 handler (UART0 and UART1 share the CPU interrupt on the ESP8266).
void uart0_isr(void);

#endif
