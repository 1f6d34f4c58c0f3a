// machine.ADC for the ESP8266 port, included by extmod/machine_adc.c
// (MICROPY_PY_MACHINE_ADC_INCLUDEFILE).
//
// As the upstream esp8266 port behaves (docs/esp8266/quickref.rst, "ADC": "ADC is available on a
// dedicated pin. Note that input voltages on the ADC pin must be between 0v and 1.0v",
// adc.read() gives 0..1024): ADC(0) is the TOUT pin, ADC(1) the chip's supply voltage VDD3P3 in
// 1/1024 V (what the SDK's system_get_vdd33() returns); any other channel is a ValueError.
// read() is the raw value, read_u16() scales it as upstream does (value * 65535 / 1024).
//
// Hardware: the SAR ADC block at 0x60000D00 as boardemu models it. Espressif documents no SAR
// register (the SDK goes through the mask ROM), so the registers used here are boardemu's own
// interface (peripherals/adc/esp8266_sar_adc.hpp): SAR_CTRL +0x00 (START bit 0, SEL_VDD33 bit 1),
// SAR_STATUS +0x04 (BUSY bit 0), SAR_DATA +0x08 (the result).

#include "py/mphal.h"

#define ESP8266_SAR_BASE        (0x60000D00u)
#define SAR_REG(off)            (*(volatile uint32_t *)(ESP8266_SAR_BASE + (off)))
#define SAR_CTRL                (0x00)
#define SAR_CTRL_START          (1u << 0)
#define SAR_CTRL_SEL_VDD33      (1u << 1)
#define SAR_STATUS              (0x04)
#define SAR_STATUS_BUSY         (1u << 0)
#define SAR_DATA                (0x08)

// The ADC class has no constants on this port.
#define MICROPY_PY_MACHINE_ADC_CLASS_CONSTANTS

typedef struct _machine_adc_obj_t {
    mp_obj_base_t base;
    uint8_t channel;  // 0: TOUT, 1: VDD3P3
} machine_adc_obj_t;

static const machine_adc_obj_t machine_adc_obj[2] = {
    {{&machine_adc_type}, 0},
    {{&machine_adc_type}, 1},
};

// One conversion of the channel; the model takes a few microseconds of virtual time.
static uint32_t machine_adc_convert(const machine_adc_obj_t *self) {
    while (SAR_REG(SAR_STATUS) & SAR_STATUS_BUSY) {
    }
    SAR_REG(SAR_CTRL) = (self->channel ? SAR_CTRL_SEL_VDD33 : 0) | SAR_CTRL_START;
    while (SAR_REG(SAR_STATUS) & SAR_STATUS_BUSY) {
    }
    return SAR_REG(SAR_DATA) & 0xffff;
}

static void mp_machine_adc_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    const machine_adc_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "ADC(%u)", self->channel);
}

static mp_obj_t mp_machine_adc_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_int_t channel = mp_obj_get_int(args[0]);
    if (channel != 0 && channel != 1) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("ADC(%d) doesn't exist"), (int)channel);
    }
    return MP_OBJ_FROM_PTR(&machine_adc_obj[channel]);
}

static mp_int_t mp_machine_adc_read_u16(machine_adc_obj_t *self) {
    return machine_adc_convert(self) * 65535 / 1024;
}

static mp_int_t mp_machine_adc_read(machine_adc_obj_t *self) {
    return machine_adc_convert(self);
}
