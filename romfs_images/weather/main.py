# The weather station, run from ROMFS: `import main` at the REPL (or put `import main` in the
# littlefs /main.py to start it at every boot). /rom and /rom/lib are on sys.path once the
# firmware has mounted the image.
import station

station.run()
