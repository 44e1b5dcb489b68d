# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Helpers shared by this collection's controller-side plugins."""

from __future__ import annotations

import copy


def deep_merge(base, extra):
    """Return a new dict: ``extra`` merged over ``base``; nested dicts merge, anything else
    (lists included) is replaced by the value from ``extra``."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
