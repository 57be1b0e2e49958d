"""``tests/fast/`` on the import path: its tests share ``repeated.py`` (the reference loop)."""

import sys
from pathlib import Path

# pytest runs with --import-mode=importlib, which does not put test folders on sys.path.
sys.path.insert(0, str(Path(__file__).parent))
