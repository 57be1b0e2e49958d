"""Building a thing by name from a registry, with one-line errors for a user's typo."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from glassnet.errors import GlassnetError, did_you_mean


def build(
    kind: str, name: str, registry: Mapping[str, Any], settings: dict[str, Any],
    *, also: Iterable[str] = (),
) -> Any:  # fmt: skip
    """``registry[name](**settings)``; an unknown name or setting names the closest valid one.

    ``kind`` is what the registry holds ("optimizer", "schedule"); ``also`` are other names
    the caller accepts (aliases), listed with the registry's in the error.
    """
    if name not in registry:
        options = sorted([*registry, *also])
        raise GlassnetError(
            f"unknown {kind} {name!r}{did_you_mean(name, options)} "
            f"(expected one of {', '.join(options)})"
        )
    cls = registry[name]
    allowed = sorted(cls.setting_names())
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise GlassnetError(
            f"unknown setting {unknown[0]!r} for {kind} {name!r}"
            f"{did_you_mean(unknown[0], allowed)} (expected one of {', '.join(allowed) or 'none'})"
        )
    return cls(**settings)
