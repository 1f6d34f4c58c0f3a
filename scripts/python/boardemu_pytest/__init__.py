"""pytest plugin for boardemu: a `board` fixture that drives one emulated board through
`boardemu test --serve` (one JSON request per line), in the spirit of pytest-embedded's `dut`.

Load it with `-p boardemu_pytest.plugin` (scripts/python on PYTHONPATH), or with
`pytest_plugins = ["boardemu_pytest.plugin"]` in the top-level conftest.py. See
examples/pytest for a test module to copy, and plugin.py for the Board API.
"""

from .plugin import (Board, BoardemuError, BoardemuExecError, BoardemuProcessError,
                     BoardemuTimeout, BoardMatch)

__all__ = ["Board", "BoardMatch", "BoardemuError", "BoardemuTimeout", "BoardemuExecError",
           "BoardemuProcessError"]
