"""JSON as glassnet writes it: one policy for numbers that are not finite.

JSON (RFC 8259) has no NaN or infinity; Python's ``json`` would write the bare
words ``NaN`` and ``Infinity``, which ``JSON.parse``, ``jq`` and most readers
reject. So every JSON glassnet writes (``explain --format json``, ``check
--format json``, model and checkpoint files, ``history.json``, the data inside
an HTML page) holds a non-finite number as ``null``; the text formats still
show which it was (``nan``, ``inf``). See docs/json.md.

>>> dumps({"loss": float("nan"), "w": [1.5, float("inf")]})
'{"loss": null, "w": [1.5, null]}'
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every NaN and infinity (in dicts, lists and tuples) as ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` under the policy: non-finite numbers as ``null``, never bare ``NaN``."""
    return json.dumps(finite(value), allow_nan=False, **options)
