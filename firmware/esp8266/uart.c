// ESP8266 UART0 console driver.
//
// Registers: ESP8266 Technical Reference, chapter "UART" (register list, UART0 base
// 0x60000000), and the SDK's uart_register.h field definitions (facts only):
//   UART_FIFO      0x00  read: pops RXFIFO; write: pushes TXFIFO (bits 7:0)
//   UART_INT_RAW   0x04  raw interrupt status
//   UART_INT_ST    0x08  INT_RAW & INT_ENA
//   UART_INT_ENA   0x0C  interrupt enable
//   UART_INT_CLR   0x10  write 1 to clear INT_RAW bits
//   UART_CLKDIV    0x14  baud = 80 MHz / CLKDIV (bits 19:0)
//   UART_STATUS    0x1C  RXFIFO_CNT 7:0, TXFIFO_CNT 23:16
//   UART_CONF0     0x20  frame format (reset: 8N1)
//   UART_CONF1     0x24  RXFIFO_FULL_THRHD 6:0, RX_TOUT_THRHD 30:24, RX_TOUT_EN 31
// Interrupt bits: RXFIFO_FULL 0, TXFIFO_EMPTY 1, RXFIFO_TOUT 8. Both FIFOs hold 128 bytes.
//
// Receive: RXFIFO_FULL with a threshold of 1 byte interrupts as soon as a byte arrives; the ISR
// moves the FIFO into a ring buffer. When the ring is full the ISR leaves the rest in the FIFO
// and masks RXFIFO_FULL until the reader makes room, so no byte is ever dropped (the sender is
// held back by the full FIFO). The interrupt character (Ctrl-C) is taken out in the ISR and
// raises KeyboardInterrupt through the scheduler.

#include "py/mpconfig.h"
#include "py/runtime.h"
#include "shared/runtime/interrupt_char.h"
#include "flashstr.h"
#include "lx106.h"
#include "uart.h"

#define UART0_BASE          (0x60000000u)
#define UART_REG(off)       (*(volatile uint32_t *)(UART0_BASE + (off)))
#define UART_FIFO           UART_REG(0x00)
#define UART_INT_RAW        UART_REG(0x04)
#define UART_INT_ST         UART_REG(0x08)
#define UART_INT_ENA        UART_REG(0x0C)
#define UART_INT_CLR        UART_REG(0x10)
#define UART_CLKDIV         UART_REG(0x14)
#define UART_STATUS         UART_REG(0x1C)
#define UART_CONF0          UART_REG(0x20)
#define UART_CONF1          UART_REG(0x24)

#define UART_RXFIFO_FULL_INT    (1u << 0)
#define UART_TXFIFO_EMPTY_INT   (1u << 1)
#define UART_RXFIFO_TOUT_INT    (1u << 8)
#define UART_RXFIFO_CNT(st)     ((st) & 0xffu)
#define UART_TXFIFO_CNT(st)     (((st) >> 16) & 0xffu)
#define UART_FIFO_LEN           (128u)

// Ring buffer between the ISR (producer) and the console reader (consumer). Power-of-two size;
// head/tail are free-running counters, so full = head - tail == size.
#define RX_RING_SIZE        (256u)
static uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head;   // written by the ISR
static volatile uint32_t rx_tail;   // written by the reader

void uart0_init(uint32_t baud) {
    UART_INT_ENA = 0;
    UART_CLKDIV = ESP8266_CPU_HZ / baud;
    // RXFIFO_FULL threshold 1 byte; no RX timeout needed with it.
    UART_CONF1 = 1u;
    UART_INT_CLR = 0xffffu;
    rx_head = rx_tail = 0;
    UART_INT_ENA = UART_RXFIFO_FULL_INT;
    lx106_set_intenable(lx106_intenable() | (1u << ESP8266_INUM_UART));
}

__attribute__((section(".iram0.text.uart0_isr")))
void uart0_isr(void) {
    while (UART_RXFIFO_CNT(UART_STATUS) > 0) {
        if (rx_head - rx_tail >= RX_RING_SIZE) {
            // Ring full: keep the rest in the hardware FIFO, resume when the reader catches up.
            UART_INT_ENA = UART_INT_ENA & ~UART_RXFIFO_FULL_INT;
            break;
        }
        uint8_t c = (uint8_t)UART_FIFO;
        if (c == mp_interrupt_char) {
            mp_sched_keyboard_interrupt();
            continue;
        }
        rx_ring[rx_head % RX_RING_SIZE] = c;
        rx_head = rx_head + 1;
    }
    UART_INT_CLR = UART_RXFIFO_FULL_INT | UART_RXFIFO_TOUT_INT;
}

int uart0_rx_any(void) {
    return rx_head != rx_tail;
}

int uart0_rx_byte(void) {
    if (rx_head == rx_tail) {
        return -1;
    }
    int c = rx_ring[rx_tail % RX_RING_SIZE];
    rx_tail = rx_tail + 1;
    if (!(UART_INT_ENA & UART_RXFIFO_FULL_INT)) {
        // The ISR paused reception (ring was full): there is room again.
        uint32_t ps = lx106_raise_intlevel();
        UART_INT_ENA = UART_INT_ENA | UART_RXFIFO_FULL_INT;
        lx106_restore_ps(ps);
    }
    return c;
}

void uart0_tx_bytes(const char *buf, size_t len) {
    while (len--) {
        while (UART_TXFIFO_CNT(UART_STATUS) >= UART_FIFO_LEN - 1) {
        }
        UART_FIFO = esp8266_read_u8(buf++);   // strings are often in flash
    }
}
