"""Handlers, one module per vendor interface; importing this package registers them all.

Every module of this package is imported, so a new handler module needs no edit here.
"""

import importlib
import pkgutil

from mock_iovox.handlers.registry import HANDLERS

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "registry" and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["HANDLERS"]
