// The `esp` module: the SPI flash functions of upstream MicroPython's esp8266 port (same names
// and arguments), which the filesystem's block device (modules/flashbdev.py) is built on.
//   esp.flash_size()                  bytes of the flash chip (from its JEDEC ID)
//   esp.flash_user_start()            first byte after firmware and ROMFS: the filesystem's
//   esp.flash_read(offset, n|buf)     bytes read (a new bytes of n, or into buf)
//   esp.flash_write(offset, buf)      program (offset and length multiples of 4)
//   esp.flash_erase(sector)           erase 4 KiB sector number `sector`
// Out-of-range or misaligned requests raise OSError(EINVAL)/ValueError; nothing is touched.

#include "py/mperrno.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "esp_flash.h"

static void check_range(mp_int_t offset, size_t len) {
    if (offset < 0 || (uint32_t)offset > esp_flash_size() || len > esp_flash_size() - (uint32_t)offset) {
        mp_raise_OSError(MP_EINVAL);
    }
}

static mp_obj_t esp_flash_size_(void) {
    return mp_obj_new_int_from_uint(esp_flash_size());
}
static MP_DEFINE_CONST_FUN_OBJ_0(esp_flash_size_obj, esp_flash_size_);

static mp_obj_t esp_flash_user_start_(void) {
    return MP_OBJ_NEW_SMALL_INT(ESP_FLASH_USER_START);
}
static MP_DEFINE_CONST_FUN_OBJ_0(esp_flash_user_start_obj, esp_flash_user_start_);

static mp_obj_t esp_flash_read_(mp_obj_t offset_in, mp_obj_t len_or_buf_in) {
    mp_int_t offset = mp_obj_get_int(offset_in);
    if (mp_obj_is_int(len_or_buf_in)) {
        mp_int_t len = mp_obj_get_int(len_or_buf_in);
        if (len < 0) {
            mp_raise_ValueError(MP_ERROR_TEXT("negative length"));
        }
        check_range(offset, len);
        if ((offset | len) & 3) {
            mp_raise_ValueError(MP_ERROR_TEXT("offset and length must be multiples of 4"));
        }
        vstr_t vstr;
        vstr_init_len(&vstr, len);
        esp_flash_read(offset, (uint8_t *)vstr.buf, len);
        return mp_obj_new_bytes_from_vstr(&vstr);
    }
    mp_buffer_info_t buf;
    mp_get_buffer_raise(len_or_buf_in, &buf, MP_BUFFER_WRITE);
    check_range(offset, buf.len);
    if ((offset | buf.len) & 3) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset and length must be multiples of 4"));
    }
    esp_flash_read(offset, buf.buf, buf.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(esp_flash_read_obj, esp_flash_read_);

static mp_obj_t esp_flash_write_(mp_obj_t offset_in, mp_obj_t buf_in) {
    mp_int_t offset = mp_obj_get_int(offset_in);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(buf_in, &buf, MP_BUFFER_READ);
    check_range(offset, buf.len);
    if ((offset | buf.len) & 3) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset and length must be multiples of 4"));
    }
    if ((uint32_t)offset < ESP_FLASH_USER_START && (uint32_t)offset + buf.len > 0) {
        // The firmware runs from there: writing it would pull code out from under the CPU.
        mp_raise_OSError(MP_EPERM);
    }
    esp_flash_write(offset, buf.buf, buf.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(esp_flash_write_obj, esp_flash_write_);

static mp_obj_t esp_flash_erase_(mp_obj_t sector_in) {
    mp_int_t sector = mp_obj_get_int(sector_in);
    if (sector < 0 || (uint32_t)sector >= esp_flash_size() / ESP_FLASH_SECTOR_SIZE) {
        mp_raise_OSError(MP_EINVAL);
    }
    if ((uint32_t)sector * ESP_FLASH_SECTOR_SIZE < ESP_FLASH_USER_START) {
        mp_raise_OSError(MP_EPERM);
    }
    esp_flash_erase_sector(sector * ESP_FLASH_SECTOR_SIZE);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(esp_flash_erase_obj, esp_flash_erase_);

static const mp_rom_map_elem_t esp_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_esp) },
    { MP_ROM_QSTR(MP_QSTR_flash_size), MP_ROM_PTR(&esp_flash_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_flash_user_start), MP_ROM_PTR(&esp_flash_user_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_flash_read), MP_ROM_PTR(&esp_flash_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_flash_write), MP_ROM_PTR(&esp_flash_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_flash_erase), MP_ROM_PTR(&esp_flash_erase_obj) },
};
static MP_DEFINE_CONST_DICT(esp_module_globals, esp_module_globals_table);

const mp_obj_module_t esp_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&esp_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_esp, esp_module);
