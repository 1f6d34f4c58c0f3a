# Run at every (soft) reset before boot.py: mounts the littlefs filesystem on the flash at "/"
# (the ROMFS, if any, is already at /rom), making a fresh one the first time.
import gc
import vfs
import flashbdev

if flashbdev.bdev:
    try:
        vfs.mount(vfs.VfsLfs2(flashbdev.bdev), "/")
    except OSError:
        import inisetup

        inisetup.setup()
gc.collect()
