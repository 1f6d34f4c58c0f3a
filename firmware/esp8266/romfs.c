// ROMFS segment in SPI flash for `vfs.rom_ioctl` (MICROPY_VFS_ROM_IOCTL), so `mpremote romfs
// deploy` can store a read-only filesystem that is mounted at /rom on every (soft) reset, with
// its .mpy files executed in place from flash.
//
// Segment: flash offset 0xB0000..0xFFFFF (320 KiB), i.e. 0x402B0000..0x402FFFFF in the 1 MiB
// cache window, the same place as MicroPython's FLASH_2M_ROMFS variant (REFERENCE.md §5).
// The firmware image must end below it (checked by the linker script).
//
// Writing goes through the SPI0 flash controller at 0x60000200 (ESP8266 Technical Reference,
// SPI chapter; SDK spi_register.h): SPI_CMD 0x00 (WREN 30, PP 25, SE 24, RDSR 27 — each bit
// starts the command and reads back 0 when done), SPI_ADDR 0x04 (address [23:0], byte count
// [31:24] for PP), SPI_RD_STATUS 0x10 (flash status; bit 0 WIP = write in progress),
// SPI_W0..W15 0x40..0x7C (64-byte data buffer). Sector erase is 4 KiB (SE), page program at
// most 64 bytes per command here (the buffer) and never across a 256-byte page. The routines
// that drive the controller run from IRAM and read nothing from flash while a program/erase is
// in progress, as the real chip requires (the cache cannot fetch from a busy flash).
//
// ioctl ops (extmod/vfs_rom.c, REFERENCE.md §6): 1 number of segments, 2 segment as a
// memoryview, 3 prepare (erase) `len` bytes -> minimum write size, 4 write `buf` at `offset`,
// 5 write complete. Errors are negative errno values.

#include <string.h>
#include "py/mperrno.h"
#include "py/objarray.h"
#include "py/runtime.h"
#include "extmod/vfs.h"

#if MICROPY_VFS_ROM_IOCTL

#define ROMFS_FLASH_OFFSET  (0xB0000u)
#define ROMFS_SIZE          (320u * 1024u)
#define FLASH_WINDOW_BASE   (0x40200000u)
#define ROMFS_BASE          (FLASH_WINDOW_BASE + ROMFS_FLASH_OFFSET)
#define SECTOR_SIZE         (4096u)
#define WRITE_CHUNK         (64u)

#define IRAM_FN(name) __attribute__((section(".iram0.text." #name), noinline)) name

#if !defined(LX106_SIM)

#define SPI0_REG(off)       (*(volatile uint32_t *)(0x60000200u + (off)))
#define SPI_CMD             SPI0_REG(0x00)
#define SPI_ADDR            SPI0_REG(0x04)
#define SPI_RD_STATUS       SPI0_REG(0x10)
#define SPI_W(n)            SPI0_REG(0x40 + 4 * (n))
#define SPI_CMD_RDSR        (1u << 27)
#define SPI_CMD_WREN        (1u << 30)
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

static void IRAM_FN(flash_erase_sector)(uint32_t offset) {
    spi0_wait_idle();
    spi0_command(SPI_CMD_WREN);
    SPI_ADDR = offset & 0xffffffu;
    spi0_command(SPI_CMD_SE);
    spi0_wait_idle();
}

// Program `len` (<= 64, multiple of 4) bytes held in DRAM words.
static void IRAM_FN(flash_program)(uint32_t offset, const uint32_t *words, uint32_t len) {
    spi0_wait_idle();
    spi0_command(SPI_CMD_WREN);
    for (uint32_t i = 0; i < len / 4; i++) {
        SPI_W(i) = words[i];
    }
    SPI_ADDR = (offset & 0xffffffu) | (len << 24);
    spi0_command(SPI_CMD_PP);
    spi0_wait_idle();
}

#else

// QEMU's sim machine has no flash controller; its "flash" window is plain RAM.
static void flash_erase_sector(uint32_t offset) {
    volatile uint32_t *p = (volatile uint32_t *)(FLASH_WINDOW_BASE + offset);
    for (uint32_t i = 0; i < SECTOR_SIZE / 4; i++) {
        p[i] = 0xffffffffu;
    }
}

static void flash_program(uint32_t offset, const uint32_t *words, uint32_t len) {
    volatile uint32_t *p = (volatile uint32_t *)(FLASH_WINDOW_BASE + offset);
    for (uint32_t i = 0; i < len / 4; i++) {
        p[i] &= words[i];   // NOR flash programming only clears bits
    }
}

#endif

mp_obj_t mp_vfs_rom_ioctl(size_t n_args, const mp_obj_t *args) {
    mp_int_t op = mp_obj_get_int(args[0]);
    switch (op) {
        case MP_VFS_ROM_IOCTL_GET_NUMBER_OF_SEGMENTS:
            return MP_OBJ_NEW_SMALL_INT(1);

        case MP_VFS_ROM_IOCTL_GET_SEGMENT:
            if (n_args < 2 || mp_obj_get_int(args[1]) != 0) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            return mp_obj_new_memoryview('B', ROMFS_SIZE, (void *)ROMFS_BASE);

        case MP_VFS_ROM_IOCTL_WRITE_PREPARE: {
            if (n_args < 3 || mp_obj_get_int(args[1]) != 0) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            mp_uint_t len = mp_obj_get_int(args[2]);
            if (len > ROMFS_SIZE) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            for (mp_uint_t off = 0; off < len; off += SECTOR_SIZE) {
                flash_erase_sector(ROMFS_FLASH_OFFSET + off);
            }
            return MP_OBJ_NEW_SMALL_INT(4);   // minimum write size: one 32-bit word
        }

        case MP_VFS_ROM_IOCTL_WRITE: {
            if (n_args < 4 || mp_obj_get_int(args[1]) != 0) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            mp_uint_t offset = mp_obj_get_int(args[2]);
            mp_buffer_info_t bufinfo;
            mp_get_buffer_raise(args[3], &bufinfo, MP_BUFFER_READ);
            if ((offset & 3) || offset + bufinfo.len > ROMFS_SIZE) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            const uint8_t *src = bufinfo.buf;
            mp_uint_t done = 0;
            while (done < bufinfo.len) {
                // Up to 64 bytes, not crossing a 256-byte page (64 divides 256, and offsets
                // are word-aligned, so stopping at the next 64-byte boundary suffices).
                uint32_t addr = ROMFS_FLASH_OFFSET + offset + done;
                uint32_t n = WRITE_CHUNK - (addr % WRITE_CHUNK);
                if (n > bufinfo.len - done) {
                    n = bufinfo.len - done;
                }
                uint32_t words[WRITE_CHUNK / 4];
                memset(words, 0xff, sizeof(words));       // a short tail stays erased
                memcpy(words, src + done, n);
                flash_program(addr, words, (n + 3) & ~3u);
                done += n;
            }
            return MP_OBJ_NEW_SMALL_INT(0);
        }

        case MP_VFS_ROM_IOCTL_WRITE_COMPLETE:
            return MP_OBJ_NEW_SMALL_INT(0);

        default:
            return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
}

#endif
