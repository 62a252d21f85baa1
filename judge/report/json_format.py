"""The ``judge-report/1`` JSON contract that outside tools read."""

from __future__ import annotations

import json
import math
from typing import Any

from judge.results import Report


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities spelled as strings, so the JSON is standard."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """``value`` as indented, standard JSON: non-finite numbers as strings, no NaN or
    Infinity literals, a final newline.  Every JSON writer uses it."""
    return json.dumps(finite(value), indent=2, allow_nan=False) + "\n"


def render(report: Report) -> str:
    """The report as the ``judge-report/1`` JSON contract."""
    return dumps(report.to_dict())
