# Bosch BME280 humidity, pressure and temperature sensor over I2C, for MicroPython.
#
# Written from the datasheet, BST-BME280-DS002:
#   4.2.2  trimming parameters: dig_T1..dig_P9 little-endian at 0x88..0x9F, dig_H1 at 0xA1,
#          dig_H2 at 0xE1, dig_H3 at 0xE3, dig_H4 = 0xE4[7:0] 0xE5[3:0],
#          dig_H5 = 0xE6[7:0] 0xE5[7:4] (12-bit signed), dig_H6 at 0xE7
#   4.2.3  compensation in integer arithmetic (t_fine, pressure Q24.8, humidity Q22.10)
#   3.3.3  forced mode: one measurement, then sleep; 5.4.4 status.measuring (bit 3)
#   5.4.3  ctrl_hum only takes effect after a write to ctrl_meas, so it is written first
#   4      the data are read in one burst, 0xF7..0xFE, so that they belong to one measurement
#
#   from machine import Pin, SoftI2C
#   import bme280
#   sensor = bme280.BME280(SoftI2C(scl=Pin(5), sda=Pin(4)))
#   celsius, pascal, percent_rh = sensor.read_compensated()
import struct
import time

_REG_ID = 0xD0
_REG_CTRL_HUM = 0xF2
_REG_STATUS = 0xF3
_REG_CTRL_MEAS = 0xF4
_REG_CONFIG = 0xF5
_REG_DATA = 0xF7
_CHIP_ID = 0x60
_MEASURING = 0x08
_OSRS_X1 = 1
_FORCED = 1


def _s8(b):
    return b - 256 if b > 127 else b


def _div(a, b):
    # C's integer division truncates toward zero; Python's // rounds toward minus infinity.
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


class BME280:
    def __init__(self, i2c, address=0x76):
        self.i2c = i2c
        self.address = address
        chip = self._read(_REG_ID, 1)[0]
        if chip != _CHIP_ID:
            raise OSError("BME280: chip id 0x%02x at 0x%02x, expected 0x60" % (chip, address))
        t = struct.unpack("<HhhHhhhhhhhh", self._read(0x88, 24))
        self.dig_T1, self.dig_T2, self.dig_T3 = t[0], t[1], t[2]
        self.dig_P = t[3:]  # dig_P1..dig_P9
        self.dig_H1 = self._read(0xA1, 1)[0]
        h = self._read(0xE1, 7)
        self.dig_H2 = struct.unpack("<h", h[0:2])[0]
        self.dig_H3 = h[2]
        self.dig_H4 = _s8(h[3]) * 16 + (h[4] & 0x0F)
        self.dig_H5 = _s8(h[5]) * 16 + (h[4] >> 4)
        self.dig_H6 = _s8(h[6])
        # Sleep, then filter off (5.4.6: config writes in normal mode may be ignored).
        self._write(_REG_CTRL_MEAS, 0x00)
        self._write(_REG_CONFIG, 0x00)

    def _read(self, reg, n):
        return self.i2c.readfrom_mem(self.address, reg, n)

    def _write(self, reg, value):
        self.i2c.writeto_mem(self.address, reg, bytes([value]))

    def read_raw(self):
        # One forced measurement at x1 oversampling; returns (adc_T, adc_P, adc_H).
        self._write(_REG_CTRL_HUM, _OSRS_X1)
        self._write(_REG_CTRL_MEAS, (_OSRS_X1 << 5) | (_OSRS_X1 << 2) | _FORCED)
        for _ in range(100):  # 8 ms typical at x1 (datasheet 9.1)
            time.sleep_ms(1)
            if not self._read(_REG_STATUS, 1)[0] & _MEASURING:
                break
        else:
            raise OSError("BME280: measurement did not finish")
        d = self._read(_REG_DATA, 8)
        adc_P = (d[0] << 12) | (d[1] << 4) | (d[2] >> 4)
        adc_T = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4)
        adc_H = (d[6] << 8) | d[7]
        return adc_T, adc_P, adc_H

    def _t_fine(self, adc_T):
        T1 = self.dig_T1
        var1 = (((adc_T >> 3) - (T1 << 1)) * self.dig_T2) >> 11
        var2 = (((((adc_T >> 4) - T1) * ((adc_T >> 4) - T1)) >> 12) * self.dig_T3) >> 14
        return var1 + var2

    def _pressure(self, adc_P, t_fine):  # Pa, Q24.8
        P1, P2, P3, P4, P5, P6, P7, P8, P9 = self.dig_P
        var1 = t_fine - 128000
        var2 = var1 * var1 * P6
        var2 = var2 + ((var1 * P5) << 17)
        var2 = var2 + (P4 << 35)
        var1 = ((var1 * var1 * P3) >> 8) + ((var1 * P2) << 12)
        var1 = (((1 << 47) + var1) * P1) >> 33
        if var1 == 0:
            return 0
        p = 1048576 - adc_P
        p = _div(((p << 31) - var2) * 3125, var1)
        var1 = (P9 * (p >> 13) * (p >> 13)) >> 25
        var2 = (P8 * p) >> 19
        return ((p + var1 + var2) >> 8) + (P7 << 4)

    def _humidity(self, adc_H, t_fine):  # %RH, Q22.10
        v = t_fine - 76800
        x = ((adc_H << 14) - (self.dig_H4 << 20) - (self.dig_H5 * v) + 16384) >> 15
        y = (((((v * self.dig_H6) >> 10) * (((v * self.dig_H3) >> 11) + 32768)) >> 10) + 2097152) * self.dig_H2
        v = x * ((y + 8192) >> 14)
        v = v - (((((v >> 15) * (v >> 15)) >> 7) * self.dig_H1) >> 4)
        v = min(max(v, 0), 419430400)
        return v >> 12

    def read_compensated(self):
        # (temperature in °C, pressure in Pa, relative humidity in %)
        adc_T, adc_P, adc_H = self.read_raw()
        t_fine = self._t_fine(adc_T)
        celsius = ((t_fine * 5 + 128) >> 8) / 100
        pascal = self._pressure(adc_P, t_fine) / 256
        percent_rh = self._humidity(adc_H, t_fine) / 1024
        return celsius, pascal, percent_rh
