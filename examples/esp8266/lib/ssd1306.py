# SSD1306 OLED displays on I2C for MicroPython: a framebuf.FrameBuffer (MONO_VLSB) that show()
# copies into the controller's display RAM.
#
#   from machine import Pin, SoftI2C
#   import ssd1306
#   oled = ssd1306.SSD1306_I2C(128, 64, SoftI2C(scl=Pin(5), sda=Pin(4)))
#   oled.text("hello", 0, 0)
#   oled.show()
#
# From the Solomon Systech SSD1306 datasheet (Rev 1.1):
#  - 8.1.5.1: after the address byte a control byte, Co (bit 7) and D/C# (bit 6) then six 0s;
#    with Co = 0 every following byte of the message is a command (D/C# = 0, control byte 00h)
#    or display data (D/C# = 1, 40h). Each method here sends one such message.
#  - 8.7: the display RAM is 8 pages of 128 columns, one byte per column of a page with D0 at
#    the top: framebuf's MONO_VLSB layout, so the buffer goes out as it is.
#  - 10.1.3-10.1.5: in horizontal addressing mode (20h 00h), with the column range (21h) and page
#    range (22h) set to the panel, the data bytes fill the panel column by column, page by page.
#  - Table 9-1 and the charge pump setting (8Dh): the set-up in init_display().
# Panels narrower than 128 columns (64 x 48, 72 x 40) sit at the middle of the 128 columns.

from micropython import const
import framebuf

_CMD = const(0x00)   # control byte: Co = 0, D/C# = 0
_DATA = const(0x40)  # control byte: Co = 0, D/C# = 1

_CONTRAST = const(0x81)
_ENTIRE_ON = const(0xA4)      # | 1: every pixel on
_NORM_INV = const(0xA6)       # | 1: inverse
_DISP = const(0xAE)           # | 1: display on
_MEM_ADDR = const(0x20)
_COL_ADDR = const(0x21)
_PAGE_ADDR = const(0x22)
_START_LINE = const(0x40)
_SEG_REMAP = const(0xA0)      # | 1: column 127 on SEG0
_MUX_RATIO = const(0xA8)
_COM_OUT_DIR = const(0xC0)    # | 8: scan COM[N-1] to COM0
_DISP_OFFSET = const(0xD3)
_COM_PIN_CFG = const(0xDA)
_CLK_DIV = const(0xD5)
_PRECHARGE = const(0xD9)
_VCOM_DESEL = const(0xDB)
_CHARGE_PUMP = const(0x8D)


class SSD1306_I2C(framebuf.FrameBuffer):
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        self.width = width
        self.height = height
        self.i2c = i2c
        self.addr = addr
        self.external_vcc = external_vcc
        self.pages = height // 8
        self.buffer = bytearray(self.pages * width)
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)
        self._prefix = bytes((_DATA,))
        self._vectored = hasattr(i2c, "writevto")
        self.init_display()

    def write_cmd(self, *cmds):
        # One message: the command control byte, then the commands with their arguments.
        self.i2c.writeto(self.addr, bytes((_CMD,) + cmds))

    def init_display(self):
        self.write_cmd(
            _DISP | 0,                 # off while it is set up
            _MEM_ADDR, 0x00,           # horizontal addressing
            _START_LINE | 0,
            _SEG_REMAP | 1,            # with the COM scan below: framebuf's (0, 0) top-left
            _MUX_RATIO, self.height - 1,
            _COM_OUT_DIR | 8,
            _DISP_OFFSET, 0x00,
            # 128 x 32 panels take the sequential COM pins, taller ones the alternative ones
            _COM_PIN_CFG, 0x02 if self.width > 2 * self.height else 0x12,
            _CLK_DIV, 0x80,
            _PRECHARGE, 0x22 if self.external_vcc else 0xF1,
            _VCOM_DESEL, 0x30,
            _CONTRAST, 0xFF,
            _ENTIRE_ON | 0,            # show the RAM
            _NORM_INV | 0,
            _CHARGE_PUMP, 0x10 if self.external_vcc else 0x14,
            _DISP | 1,
        )
        self.fill(0)
        self.show()

    def poweroff(self):
        self.write_cmd(_DISP | 0)

    def poweron(self):
        self.write_cmd(_DISP | 1)

    def contrast(self, contrast):
        self.write_cmd(_CONTRAST, contrast & 0xFF)

    def invert(self, invert):
        self.write_cmd(_NORM_INV | (1 if invert else 0))

    def rotate(self, rotate):
        # rotate=True turns the picture by 180 degrees: both re-maps off.
        r = 0 if rotate else 1
        self.write_cmd(_COM_OUT_DIR | (r << 3), _SEG_REMAP | r)

    def show(self):
        x0 = (128 - self.width) // 2
        self.write_cmd(_COL_ADDR, x0, x0 + self.width - 1, _PAGE_ADDR, 0, self.pages - 1)
        if self._vectored:
            self.i2c.writevto(self.addr, (self._prefix, self.buffer))
        else:
            self.i2c.writeto(self.addr, self._prefix + self.buffer)
