"""Validators shared by every config file: no ``true``/``false`` for a number, and ceilings stated in words."""

from __future__ import annotations

from typing import Any

from pydantic import AfterValidator, BeforeValidator


def _not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is expected (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


NOT_BOOL = BeforeValidator(_not_bool)
"""Refuses ``true``/``false`` where a whole number is expected (also used by the sweep and calibration specs)."""


def at_most(limit: float, what: str = "") -> AfterValidator:
    """A ceiling stated in words, e.g. 'must be at most 1,000,000' (never echoes a huge number back)."""
    words = f"{limit:,}" if isinstance(limit, int) else f"{limit:,g}"

    def check(value: Any) -> Any:
        if value > limit:
            raise ValueError(f"must be at most {words}{what}")
        return value

    return AfterValidator(check)
