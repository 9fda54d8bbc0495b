"""YAML knowledge files: the ones shipped under khabar/data and the ones users pass in.

One reader for each, so every packaged lexicon is found the same way (inside the installed package, never
the working folder) and every user file that cannot be used fails with the same one-line error naming the
file and the reason, in the error type of the command that read it.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def packaged_yaml(name: str) -> Any:
    """A file of khabar/data, parsed afresh (callers reshape what they get; cache the result, not this)."""
    return yaml.safe_load(resources.files("khabar").joinpath("data", name).read_text(encoding="utf-8"))


def user_yaml(path: str | os.PathLike[str], error: type[Exception]) -> Any:
    """A user's YAML file (None when empty); unreadable or invalid YAML raises `error` naming the file."""
    p = Path(path)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{p}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise error(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from exc
