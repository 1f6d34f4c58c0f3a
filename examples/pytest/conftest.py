# Loads the boardemu pytest plugin (scripts/python/boardemu_pytest) for the tests here. In a
# project of your own, put these lines in the top-level conftest.py (pytest reads pytest_plugins
# only there), or run pytest with `-p boardemu_pytest.plugin` and scripts/python on PYTHONPATH.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "python"))
pytest_plugins = ["boardemu_pytest.plugin"]
