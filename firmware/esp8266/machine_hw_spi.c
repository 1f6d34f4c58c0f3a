// machine.SPI(1): the ESP8266's HSPI (SPI1) controller as an SPI master, as on the upstream
// esp8266 port (docs/esp8266/quickref.rst, "Hardware SPI bus": id 1 only, fixed pins
// MISO GPIO12, MOSI GPIO13, SCK GPIO14, the chip select left to the user as a machine.Pin;
// baudrate 80 MHz by default, otherwise at most 40 MHz; print gives the rate actually used).
// Beyond upstream: bits=8 is accepted (other widths raise ValueError) and firstbit=SPI.LSB
// sends and receives each byte least significant bit first (SPI_CTRL's bit-order bits).
//
// Registers (ESP8266 Technical Reference, SPI chapter; SDK spi_register.h, REG_SPI_BASE(1) =
// 0x60000100): SPI_CMD 0x00 (USR bit 18 starts a transaction and reads 1 until it is done),
// SPI_CTRL 0x08 (WR_BIT_ORDER 26, RD_BIT_ORDER 25), SPI_CLOCK 0x18 (CLK_EQU_SYSCLK 31,
// CLKDIV_PRE [30:18], CLKCNT_N [17:12], CLKCNT_H [11:6], CLKCNT_L [5:0]: SCK = 80 MHz /
// ((PRE + 1) * (N + 1))), SPI_USER 0x1C (USR_MOSI 27, CK_OUT_EDGE 7, DOUTDIN 0: full duplex),
// SPI_USER1 0x20 (MOSI_BITLEN [25:17], MISO_BITLEN [16:8], "bits - 1"), SPI_PIN 0x2C
// (IDLE_EDGE 29 = CPOL, CS0..2_DIS bits 0..2), SPI_W0..W15 0x40..0x7C (64-byte buffer, byte 0 in
// W0 bits 7:0). Clock phase: CPHA = CK_OUT_EDGE XOR IDLE_EDGE (esp8266/Arduino issue 2416).
// IO_MUX: function 2 of the MTDI (GPIO12), MTCK (GPIO13), MTMS (GPIO14) pads is HSPI's MISO,
// MOSI and CLK; IO_MUX_CONF bit 9 (SPI1_CLK_EQU_SYS_CLK) goes with CLK_EQU_SYSCLK.
//
// A transfer goes out in full-duplex transactions of up to 64 bytes (the buffer), each polled
// until SPI_USR clears; what is received replaces what was sent in the buffer.

#include "py/runtime.h"
#include "py/mphal.h"
#include "extmod/modmachine.h"

#if MICROPY_PY_MACHINE_SPI

#define HSPI_REG(off)               (*(volatile uint32_t *)(0x60000100u + (off)))
#define SPI_CMD                     0x00
#define SPI_CTRL                    0x08
#define SPI_CLOCK                   0x18
#define SPI_USER                    0x1c
#define SPI_USER1                   0x20
#define SPI_USER2                   0x24
#define SPI_PIN                     0x2c
#define SPI_W0                      0x40
#define SPI_USR                     (1u << 18)
#define SPI_WR_BIT_ORDER            (1u << 26)
#define SPI_RD_BIT_ORDER            (1u << 25)
#define SPI_CLK_EQU_SYSCLK          (1u << 31)
#define SPI_USR_MOSI                (1u << 27)
#define SPI_CK_OUT_EDGE             (1u << 7)
#define SPI_DOUTDIN                 (1u << 0)
#define SPI_IDLE_EDGE               (1u << 29)
#define SPI_CS_DIS_ALL              (7u)

#define IO_MUX_REG(off)             (*(volatile uint32_t *)(0x60000800u + (off)))
#define IO_MUX_CONF                 0x00
#define IO_MUX_MTDI                 0x04
#define IO_MUX_MTCK                 0x08
#define IO_MUX_MTMS                 0x0c
#define IO_MUX_FUNC_MASK            ((3u << 4) | (1u << 8))
#define IO_MUX_FUNC_HSPI            (2u << 4)
#define IO_MUX_SPI1_CLK_EQU_SYS_CLK (1u << 9)

#define HSPI_APB_HZ                 (80000000u)
#define HSPI_BUFFER                 (64)

typedef struct _machine_hw_spi_obj_t {
    mp_obj_base_t base;
    uint32_t baudrate;  // the rate in use
    uint8_t polarity;
    uint8_t phase;
    uint8_t firstbit;
} machine_hw_spi_obj_t;

static void hspi_wait(void) {
    while (HSPI_REG(SPI_CMD) & SPI_USR) {
    }
}

static void hspi_select_pad(uint32_t off) {
    IO_MUX_REG(off) = (IO_MUX_REG(off) & ~IO_MUX_FUNC_MASK) | IO_MUX_FUNC_HSPI;
}

static void machine_hw_spi_transfer(mp_obj_base_t *self_in, size_t len, const uint8_t *src, uint8_t *dest) {
    (void)self_in;
    while (len > 0) {
        size_t n = len < HSPI_BUFFER ? len : HSPI_BUFFER;
        for (size_t w = 0; w < (n + 3) / 4; ++w) {
            uint32_t v = 0;
            for (size_t b = 0; b < 4 && 4 * w + b < n; ++b) {
                v |= (uint32_t)src[4 * w + b] << (8 * b);
            }
            HSPI_REG(SPI_W0 + 4 * w) = v;
        }
        uint32_t bits = n * 8 - 1;
        HSPI_REG(SPI_USER1) = (bits << 17) | (bits << 8);
        HSPI_REG(SPI_CMD) = SPI_USR;
        hspi_wait();
        if (dest != NULL) {
            for (size_t w = 0; w < (n + 3) / 4; ++w) {
                uint32_t v = HSPI_REG(SPI_W0 + 4 * w);
                for (size_t b = 0; b < 4 && 4 * w + b < n; ++b) {
                    dest[4 * w + b] = (uint8_t)(v >> (8 * b));
                }
            }
            dest += n;
        }
        src += n;
        len -= n;
    }
}

static void machine_hw_spi_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    machine_hw_spi_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "HSPI(id=1, baudrate=%u, polarity=%u, phase=%u)",
        (unsigned)self->baudrate, self->polarity, self->phase);
}

// Programs the controller from the object's settings; `baudrate` is the rate asked for.
static void hspi_configure(machine_hw_spi_obj_t *self, mp_int_t baudrate) {
    uint32_t clock;
    if (baudrate == HSPI_APB_HZ) {
        clock = SPI_CLK_EQU_SYSCLK;
        self->baudrate = HSPI_APB_HZ;
    } else if (baudrate <= 0 || baudrate > (mp_int_t)(HSPI_APB_HZ / 2)) {
        mp_raise_ValueError(MP_ERROR_TEXT("impossible baudrate"));
    } else {
        // An even count divider of 2 after a prescaler of up to 8192 (SCK high and low for equal
        // times), the rate rounded up as upstream does: 80 MHz / (pre * 2), pre = 40 MHz / rate.
        uint32_t pre = (HSPI_APB_HZ / 2) / (uint32_t)baudrate;
        uint32_t cnt = 2;
        if (pre > 8192) {
            cnt = (pre / 8192) * 2;
            pre = 8192;
            if (cnt > 64) {
                mp_raise_ValueError(MP_ERROR_TEXT("impossible baudrate"));
            }
        }
        clock = ((pre - 1) << 18) | ((cnt - 1) << 12) | ((cnt / 2 - 1) << 6) | (cnt - 1);
        self->baudrate = HSPI_APB_HZ / (pre * cnt);
    }
    hspi_wait();
    if (clock & SPI_CLK_EQU_SYSCLK) {
        IO_MUX_REG(IO_MUX_CONF) |= IO_MUX_SPI1_CLK_EQU_SYS_CLK;
    } else {
        IO_MUX_REG(IO_MUX_CONF) &= ~IO_MUX_SPI1_CLK_EQU_SYS_CLK;
    }
    HSPI_REG(SPI_CLOCK) = clock;
    HSPI_REG(SPI_CTRL) = self->firstbit == MICROPY_PY_MACHINE_SPI_LSB ? (SPI_WR_BIT_ORDER | SPI_RD_BIT_ORDER) : 0;
    // CS is the user's Pin: the controller's own chip selects stay off.
    HSPI_REG(SPI_PIN) = SPI_CS_DIS_ALL | (self->polarity ? SPI_IDLE_EDGE : 0);
    HSPI_REG(SPI_USER) = SPI_USR_MOSI | SPI_DOUTDIN | (self->phase != self->polarity ? SPI_CK_OUT_EDGE : 0);
    HSPI_REG(SPI_USER2) = 0;
    hspi_select_pad(IO_MUX_MTDI);
    hspi_select_pad(IO_MUX_MTCK);
    hspi_select_pad(IO_MUX_MTMS);
}

enum { ARG_baudrate, ARG_polarity, ARG_phase, ARG_bits, ARG_firstbit };
static const mp_arg_t machine_hw_spi_args[] = {
    { MP_QSTR_baudrate, MP_ARG_INT, {.u_int = -1} },
    { MP_QSTR_polarity, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
    { MP_QSTR_phase, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
    { MP_QSTR_bits, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 8} },
    { MP_QSTR_firstbit, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
};

static void machine_hw_spi_init(mp_obj_base_t *self_in, size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    machine_hw_spi_obj_t *self = (machine_hw_spi_obj_t *)self_in;
    mp_arg_val_t args[MP_ARRAY_SIZE(machine_hw_spi_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(machine_hw_spi_args), machine_hw_spi_args, args);
    if (args[ARG_bits].u_int != 8) {
        mp_raise_ValueError(MP_ERROR_TEXT("bits must be 8"));
    }
    if (args[ARG_polarity].u_int != -1) {
        self->polarity = args[ARG_polarity].u_int != 0;
    }
    if (args[ARG_phase].u_int != -1) {
        self->phase = args[ARG_phase].u_int != 0;
    }
    if (args[ARG_firstbit].u_int != -1) {
        mp_int_t fb = args[ARG_firstbit].u_int;
        if (fb != MICROPY_PY_MACHINE_SPI_MSB && fb != MICROPY_PY_MACHINE_SPI_LSB) {
            mp_raise_ValueError(MP_ERROR_TEXT("firstbit must be MSB or LSB"));
        }
        self->firstbit = fb;
    }
    hspi_configure(self, args[ARG_baudrate].u_int != -1 ? args[ARG_baudrate].u_int : (mp_int_t)self->baudrate);
}

static mp_obj_t machine_hw_spi_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    MP_MACHINE_SPI_CHECK_FOR_LEGACY_SOFTSPI_CONSTRUCTION(n_args, n_kw, args);
    mp_arg_check_num(n_args, n_kw, 1, MP_OBJ_FUN_ARGS_MAX, true);
    if (mp_obj_get_int(args[0]) != 1) {
        // SPI0 is the flash controller the firmware runs from.
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("SPI(%d) doesn't exist"), (int)mp_obj_get_int(args[0]));
    }
    machine_hw_spi_obj_t *self = mp_obj_malloc(machine_hw_spi_obj_t, &machine_spi_type);
    self->baudrate = HSPI_APB_HZ;
    self->polarity = 0;
    self->phase = 0;
    self->firstbit = MICROPY_PY_MACHINE_SPI_MSB;
    mp_map_t kw_args;
    mp_map_init_fixed_table(&kw_args, n_kw, args + n_args);
    machine_hw_spi_init(&self->base, n_args - 1, args + 1, &kw_args);
    return MP_OBJ_FROM_PTR(self);
}

static const mp_machine_spi_p_t machine_hw_spi_p = {
    .init = machine_hw_spi_init,
    .transfer = machine_hw_spi_transfer,
};

MP_DEFINE_CONST_OBJ_TYPE(
    machine_spi_type,
    MP_QSTR_HSPI,
    MP_TYPE_FLAG_NONE,
    make_new, machine_hw_spi_make_new,
    print, machine_hw_spi_print,
    protocol, &machine_hw_spi_p,
    locals_dict, &mp_machine_spi_locals_dict
    );

#endif // MICROPY_PY_MACHINE_SPI
