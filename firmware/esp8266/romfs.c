// ROMFS segment in SPI flash for `vfs.rom_ioctl` (MICROPY_VFS_ROM_IOCTL), so `mpremote romfs
// deploy` can store a read-only filesystem that is mounted at /rom on every (soft) reset, with
// its .mpy files executed in place from flash.
//
// Segment: flash offset 0xB0000..0xFFFFF (320 KiB), i.e. 0x402B0000..0x402FFFFF in the 1 MiB
// cache window, the same place as MicroPython's FLASH_2M_ROMFS variant (REFERENCE.md §5).
// The firmware image must end below it (checked by the linker script).
//
// Writing goes through the SPI0 flash controller (esp_flash.c).
//
// ioctl ops (extmod/vfs_rom.c, REFERENCE.md §6): 1 number of segments, 2 segment as a
// memoryview, 3 prepare (erase) `len` bytes -> minimum write size, 4 write `buf` at `offset`,
// 5 write complete. Errors are negative errno values.

#include <string.h>
#include "py/mperrno.h"
#include "py/objarray.h"
#include "py/runtime.h"
#include "extmod/vfs.h"
#include "esp_flash.h"

#if MICROPY_VFS_ROM_IOCTL

#define ROMFS_FLASH_OFFSET  (0xB0000u)
#define ROMFS_SIZE          (320u * 1024u)
#define ROMFS_BASE          (ESP_FLASH_WINDOW_BASE + ROMFS_FLASH_OFFSET)

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
            for (mp_uint_t off = 0; off < len; off += ESP_FLASH_SECTOR_SIZE) {
                esp_flash_erase_sector(ROMFS_FLASH_OFFSET + off);
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
            esp_flash_write(ROMFS_FLASH_OFFSET + offset, bufinfo.buf, bufinfo.len);
            return MP_OBJ_NEW_SMALL_INT(0);
        }

        case MP_VFS_ROM_IOCTL_WRITE_COMPLETE:
            return MP_OBJ_NEW_SMALL_INT(0);

        default:
            return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
}

#endif
