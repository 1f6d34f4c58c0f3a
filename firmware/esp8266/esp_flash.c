// The SPI flash chip behind the SPI0 flash controller at 0x60000200 (ESP8266 Technical
// Reference, SPI chapter; SDK spi_register.h): SPI_CMD 0x00 (READ 31, WREN 30, RDID 28, RDSR 27,
// PP 25, SE 24 — each bit starts the command and reads back 0 when done), SPI_ADDR 0x04
// (address [23:0], byte count [31:24] for READ and PP), SPI_RD_STATUS 0x10 (flash status; bit 0
// WIP = write in progress), SPI_W0..W15 0x40..0x7C (the 64-byte data buffer).
//
// Sector erase is 4 KiB (SE); a read or page program moves at most 64 bytes per command (the
// buffer) and a program never crosses a 256-byte page. The routines that drive the controller
// run from IRAM and read nothing from flash while a program/erase is in progress, as the real
// chip requires (the cache cannot fetch from a busy flash). The chip's first megabyte is also
// readable through the cache window at 0x40200000.

#include <string.h>

#include "esp_flash.h"

#define IRAM_FN(name) __attribute__((section(".iram0.text." #name), noinline)) name
#define CHUNK               (64u)

#if !defined(LX106_SIM)

#define SPI0_REG(off)       (*(volatile uint32_t *)(0x60000200u + (off)))
#define SPI_CMD             SPI0_REG(0x00)
#define SPI_ADDR            SPI0_REG(0x04)
#define SPI_RD_STATUS       SPI0_REG(0x10)
#define SPI_W(n)            SPI0_REG(0x40 + 4 * (n))
#define SPI_CMD_READ        (1u << 31)
#define SPI_CMD_WREN        (1u << 30)
#define SPI_CMD_RDID        (1u << 28)
#define SPI_CMD_RDSR        (1u << 27)
#define SPI_CMD_PP          (1u << 25)
#define SPI_CMD_SE          (1u << 24)
#define FLASH_STATUS_WIP    (1u << 0)

static void IRAM_FN(spi0_command)(uint32_t cmd) {
    SPI_CMD = cmd;
    while (SPI_CMD != 0) {
    }
}

static void IRAM_FN(spi0_wait_idle)(void) {
    do {
        spi0_command(SPI_CMD_RDSR);
    } while (SPI_RD_STATUS & FLASH_STATUS_WIP);
}

void IRAM_FN(esp_flash_erase_sector)(uint32_t offset) {
    spi0_wait_idle();
    spi0_command(SPI_CMD_WREN);
    SPI_ADDR = offset & 0xfff000u;
    spi0_command(SPI_CMD_SE);
    spi0_wait_idle();
}

// Programs `len` (<= 64, a multiple of 4, not crossing a 256-byte page) bytes held in words.
static void IRAM_FN(program_chunk)(uint32_t offset, const uint32_t *words, uint32_t len) {
    spi0_wait_idle();
    spi0_command(SPI_CMD_WREN);
    for (uint32_t i = 0; i < len / 4; i++) {
        SPI_W(i) = words[i];
    }
    SPI_ADDR = (offset & 0xffffffu) | (len << 24);
    spi0_command(SPI_CMD_PP);
    spi0_wait_idle();
}

static void IRAM_FN(read_chunk)(uint32_t offset, uint32_t *words, uint32_t len) {
    spi0_wait_idle();
    SPI_ADDR = (offset & 0xffffffu) | (len << 24);
    spi0_command(SPI_CMD_READ);
    for (uint32_t i = 0; i < len / 4; i++) {
        words[i] = SPI_W(i);
    }
}

uint32_t esp_flash_size(void) {
    // JEDEC ID (manufacturer, type, capacity): the capacity byte is log2 of the size in bytes.
    static uint32_t size;
    if (size == 0) {
        spi0_wait_idle();
        spi0_command(SPI_CMD_RDID);
        uint32_t cap = (SPI_W(0) >> 16) & 0xff;
        size = (cap >= 16 && cap <= 24) ? (1u << cap) : ESP_FLASH_WINDOW_SIZE;
    }
    return size;
}

#else

// QEMU's sim machine has no flash controller; its "flash" window is plain RAM of 1 MiB.
uint32_t esp_flash_size(void) {
    return ESP_FLASH_WINDOW_SIZE;
}

void esp_flash_erase_sector(uint32_t offset) {
    volatile uint32_t *p = (volatile uint32_t *)(ESP_FLASH_WINDOW_BASE + (offset & ~(ESP_FLASH_SECTOR_SIZE - 1)));
    for (uint32_t i = 0; i < ESP_FLASH_SECTOR_SIZE / 4; i++) {
        p[i] = 0xffffffffu;
    }
}

static void program_chunk(uint32_t offset, const uint32_t *words, uint32_t len) {
    volatile uint32_t *p = (volatile uint32_t *)(ESP_FLASH_WINDOW_BASE + offset);
    for (uint32_t i = 0; i < len / 4; i++) {
        p[i] &= words[i];   // NOR flash programming only clears bits
    }
}

static void read_chunk(uint32_t offset, uint32_t *words, uint32_t len) {
    const volatile uint32_t *p = (const volatile uint32_t *)(ESP_FLASH_WINDOW_BASE + offset);
    for (uint32_t i = 0; i < len / 4; i++) {
        words[i] = p[i];
    }
}

#endif

void esp_flash_write(uint32_t offset, const uint8_t *data, uint32_t len) {
    uint32_t done = 0;
    while (done < len) {
        // Up to 64 bytes, stopping at the next 64-byte boundary (64 divides the 256-byte page).
        uint32_t addr = offset + done;
        uint32_t n = CHUNK - (addr % CHUNK);
        if (n > len - done) {
            n = len - done;
        }
        uint32_t words[CHUNK / 4];
        memset(words, 0xff, sizeof(words));       // a short tail stays as it is
        memcpy(words, data + done, n);
        program_chunk(addr, words, (n + 3) & ~3u);
        done += n;
    }
}

void esp_flash_read(uint32_t offset, uint8_t *out, uint32_t len) {
    uint32_t done = 0;
    while (done < len) {
        uint32_t n = len - done < CHUNK ? len - done : CHUNK;
        uint32_t words[CHUNK / 4];
        read_chunk(offset + done, words, (n + 3) & ~3u);
        memcpy(out + done, words, n);
        done += n;
    }
}
