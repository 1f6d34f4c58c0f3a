# First boot (or a flash that holds no filesystem): format littlefs v2 over the filesystem
# area, mount it at "/" and write a boot.py to start from.
import vfs
from flashbdev import bdev


def setup():
    print("Making a littlefs filesystem on the flash ({} KiB)".format(bdev.blocks * bdev.SEC_SIZE // 1024))
    vfs.VfsLfs2.mkfs(bdev)
    fs = vfs.VfsLfs2(bdev)
    vfs.mount(fs, "/")
    with open("boot.py", "w") as f:
        f.write("# This file is executed on every boot (including wake-boot from deepsleep)\n")
    return fs
