# The filesystem's block device: the flash from esp.flash_user_start() to the end of the chip,
# in 4 KiB erase blocks, with the extended block protocol littlefs uses (offsets within a
# block; writeblocks with an offset programs without erasing; ioctl 6 erases a block).
import esp


class FlashBdev:
    SEC_SIZE = 4096

    def __init__(self, start_sec, blocks):
        self.start_sec = start_sec
        self.blocks = blocks

    def readblocks(self, n, buf, off=0):
        esp.flash_read((n + self.start_sec) * self.SEC_SIZE + off, buf)

    def writeblocks(self, n, buf, off=None):
        if off is None:
            esp.flash_erase(n + self.start_sec)
            off = 0
        esp.flash_write((n + self.start_sec) * self.SEC_SIZE + off, buf)

    def ioctl(self, op, arg):
        if op == 4:  # number of blocks
            return self.blocks
        if op == 5:  # block size
            return self.SEC_SIZE
        if op == 6:  # erase a block
            esp.flash_erase(arg + self.start_sec)
            return 0
        return None


_start = esp.flash_user_start() // FlashBdev.SEC_SIZE
_blocks = esp.flash_size() // FlashBdev.SEC_SIZE - _start
bdev = FlashBdev(_start, _blocks) if _blocks >= 8 else None
