// The SPI flash chip, for the ROMFS segment (romfs.c), the `esp` module's flash functions and
// the filesystem's block device (modules/flashbdev.py). See esp_flash.c.
#pragma once

#include <stdint.h>

#define ESP_FLASH_SECTOR_SIZE   (4096u)
#define ESP_FLASH_WINDOW_BASE   (0x40200000u)   // the cache window: the chip's first 1 MiB
#define ESP_FLASH_WINDOW_SIZE   (0x100000u)
// The filesystem starts after the cache window (firmware and ROMFS live inside it).
#define ESP_FLASH_USER_START    (0x100000u)

uint32_t esp_flash_size(void);
// Erases the 4 KiB sector that holds `offset`.
void esp_flash_erase_sector(uint32_t offset);
// Programs `len` bytes at `offset` (both multiples of 4): NOR programming only clears bits.
void esp_flash_write(uint32_t offset, const uint8_t *data, uint32_t len);
// Reads `len` bytes at `offset` (both multiples of 4) into `out`.
void esp_flash_read(uint32_t offset, uint8_t *out, uint32_t len);
