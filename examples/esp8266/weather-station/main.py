# Weather station for the circuit examples/esp8266/weather-station.yaml: reads the BME280 every
# `period_ms`, shows the reading on the SSD1306, keeps the number of readings and the last
# temperature in the 24LC32 EEPROM (so they survive a power cycle), blinks the LED on each
# reading and counts presses of the button (GPIO0) with a pin interrupt.
#
# Put it and the two drivers on the board's filesystem, then reset:
#   build/boardemu run --board esp8266 --circuit examples/esp8266/weather-station.yaml \
#       --flash weather.bin --uart0 pty
#   mpremote connect /dev/pts/N fs cp examples/esp8266/lib/bme280.py \
#       examples/esp8266/lib/ssd1306.py examples/esp8266/weather-station/main.py : + reset
# or import it from the REPL and call run(count) yourself.
import struct
import time

from machine import Pin, SoftI2C

import bme280
import ssd1306

EEPROM = 0x50
_LOG = 0x0000  # 6 bytes: readings so far (uint32) and the last temperature in 0.01 degC (int16)

i2c = SoftI2C(scl=Pin(5), sda=Pin(4), freq=400000)
sensor = bme280.BME280(i2c, address=0x76)
oled = ssd1306.SSD1306_I2C(128, 64, i2c, addr=0x3C)
led = Pin(2, Pin.OUT, value=0)
button = Pin(0, Pin.IN)
presses = 0


def _pressed(pin):
    global presses
    presses += 1


button.irq(trigger=Pin.IRQ_FALLING, handler=_pressed)


def load_log():
    """(readings so far, last temperature in degC) from the EEPROM; (0, None) when erased."""
    n, centi = struct.unpack("<Ih", i2c.readfrom_mem(EEPROM, _LOG, 6, addrsize=16))
    if n == 0xFFFFFFFF:
        return 0, None
    return n, centi / 100


def save_log(n, celsius):
    i2c.writeto_mem(EEPROM, _LOG, struct.pack("<Ih", n, round(celsius * 100)), addrsize=16)
    time.sleep_ms(5)  # the EEPROM's write cycle


def show(celsius, pascal, rh, n):
    oled.fill(0)
    oled.text("Weather #%d" % n, 0, 0)
    oled.hline(0, 10, 128, 1)
    oled.text("%.2f C" % celsius, 0, 16)
    oled.text("%.1f hPa" % (pascal / 100), 0, 32)
    oled.text("%.1f %%RH" % rh, 0, 48)
    oled.show()


def run(count=None, period_ms=1000):
    n, last = load_log()
    print("log: %d readings so far, last %s C" % (n, last))
    while count is None or count > 0:
        led.on()
        celsius, pascal, rh = sensor.read_compensated()
        led.off()
        n += 1
        show(celsius, pascal, rh, n)
        save_log(n, celsius)
        print("reading %d: %.2f C %.1f hPa %.1f %%RH, button presses %d" % (n, celsius, pascal / 100, rh, presses))
        if count is not None:
            count -= 1
        time.sleep_ms(period_ms)


if __name__ == "__main__":
    run()
