"""Where the read-only ``shared/`` folder is: beside the repository's root, as in CI."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
MNIST = DATA / "mnist"
FASHION_MNIST = DATA / "fashion-mnist"
REFERENCE = SHARED / "reference"

if not MNIST.is_dir():  # fail loudly rather than skip: the data is part of the test setup
    raise RuntimeError(f"the shared data folder is missing: expected {MNIST}")
