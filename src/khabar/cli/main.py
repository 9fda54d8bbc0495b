"""Entry point of the `khabar` console script: loads every command module, then runs the group."""

from __future__ import annotations

import importlib
import pkgutil

import khabar.cli as package
from khabar.cli.base import cli

_SKIP = {"base", "main"}


def load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name not in _SKIP and not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def main() -> None:
    load_commands()
    cli()


if __name__ == "__main__":
    main()
