"""How a handler registers: `@handles(interface, method)`, checked against the catalogue at import."""

from __future__ import annotations

from collections.abc import Callable

from mock_iovox.catalog import find_method
from mock_iovox.context import Handler

HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(interface: str, method: str) -> Callable[[Handler], Handler]:
    """Register the handler of one catalogue method (the catalogue entry must exist, once). What a
    method is besides its rule (runs alone, depends on the clock) is the catalogue's to say."""
    if find_method(interface, method) is None:
        raise LookupError(f"{interface}.{method} is not in the catalogue")

    def register(fn: Handler) -> Handler:
        if (interface, method) in HANDLERS:
            raise LookupError(f"{interface}.{method} has two handlers")
        HANDLERS[(interface, method)] = fn
        return fn

    return register
