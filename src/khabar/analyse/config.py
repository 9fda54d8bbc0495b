"""Analysis settings: packaged defaults (khabar/data/analysis.yaml) merged with a user's YAML file.

Thresholds, weights and grades are judgement calls that analysts tune per theatre, so they live in a
file users can override (--config FILE or KHABAR_CONFIG) rather than in code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from khabar.datafiles import packaged_yaml, user_yaml

ENV = "KHABAR_CONFIG"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the reason."""


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def defaults() -> dict[str, Any]:
    return packaged_yaml("analysis.yaml")


def load_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by `path` (or $KHABAR_CONFIG when path is None)."""
    cfg = defaults()
    path = path or os.environ.get(ENV) or None
    if path is None:
        return cfg
    p = Path(path)
    user = user_yaml(p, ConfigError)
    if user is None:
        return cfg
    if not isinstance(user, dict):
        raise ConfigError(f"{p}: expected a mapping of sections (incidents, claims, ...), got {type(user).__name__}")
    unknown = sorted(set(user) - set(cfg))
    if unknown:
        raise ConfigError(f"{p}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(cfg))}")
    return _merge(cfg, user)
