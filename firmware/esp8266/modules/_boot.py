# Run at every (soft) reset before boot.py: mounts the littlefs filesystem on the flash at "/"
# (the ROMFS, if any, is already at /rom), making a fresh one the first time. It leaves only
# `bdev` behind (as upstream's _boot does): the heap is small, and the test suite's largest
# allocations need nearly all of it in one piece.
import gc
import sys
import vfs
from flashbdev import bdev

# Collected first, the long-lived filesystem objects fill the holes the imports left at the
# bottom of the heap instead of sitting above them.
gc.collect()
if bdev:
    try:
        vfs.mount(vfs.VfsLfs2(bdev), "/")
    except OSError:
        import inisetup

        inisetup.setup()
        del inisetup, sys.modules["inisetup"]
del sys.modules["flashbdev"], sys, vfs
gc.collect()
del gc
