"""Shared test setup: the hypothesis profiles, ``tests/`` on the import path, one Chromium.

The ``ci`` profile is loaded unless ``--hypothesis-profile`` or ``HYPOTHESIS_PROFILE``
picks another; ``thorough`` runs ten times as many examples, for a hunt before a release.
"""

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# pytest runs with --import-mode=importlib, which does not put tests/ on sys.path;
# the property tests share their strategies through tests/strategies.py.
sys.path.insert(0, str(Path(__file__).parent))

# When a property fails, hypothesis imports its patch writer, which imports libcst if it is
# installed; an old libcst warns (DeprecationWarning from mypy_extensions), and with warnings
# as errors that turns the test failure into an INTERNALERROR. Import it once, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

# No deadline: timings on a loaded 2-core machine vary too much to assert on.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (``test_browser.launched``) for the browser
    tests; a module's ``context`` fixture opens its window at its own size."""
    from test_browser import launched

    with launched() as chromium:
        yield chromium
