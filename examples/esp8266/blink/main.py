# Blink: the LED on GPIO2 toggles every 250 ms; each press of the button on GPIO0 (active low,
# circuit examples/esp8266/blink-button.yaml) is counted by a pin interrupt and reported on the
# console. Run by the scenarios in examples/esp8266/scenarios (blink.yaml, button.yaml), which put
# this file on the board's filesystem as /main.py.
import time

from machine import Pin

led = Pin(2, Pin.OUT, value=0)
button = Pin(0, Pin.IN)
presses = 0
reported = 0


def _pressed(pin):
    global presses
    presses += 1


button.irq(trigger=Pin.IRQ_FALLING, handler=_pressed)
print("blink: started")
while True:
    led.value(not led.value())
    if presses != reported:
        reported = presses
        print("button: %d presses" % presses)
    time.sleep_ms(250)
