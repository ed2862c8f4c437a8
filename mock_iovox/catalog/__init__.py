"""The method catalogue: every known IOVOX REST v3.0 method as plain data (see `model`).

`CATALOG` lists the interfaces in SPEC.md §4 order, the doc-only ones (Flow, Clis, SMS, Users) last.
Interface and method names are case-sensitive, as on the vendor's URLs.
"""

from mock_iovox.catalog import (
    callflow,
    calling,
    calls,
    categories,
    clis,
    contacts,
    countries,
    flow,
    jsapi,
    links,
    nodes,
    purchase,
    rules,
    sms,
    soundfiles,
    user,
    users,
    voxnumbers,
)
from mock_iovox.catalog.model import Interface, Method

__all__ = ["CATALOG", "all_methods", "find_interface", "find_method"]

CATALOG: tuple[Interface, ...] = (
    nodes.INTERFACE,
    links.INTERFACE,
    categories.INTERFACE,
    contacts.INTERFACE,
    rules.INTERFACE,
    callflow.INTERFACE,
    soundfiles.INTERFACE,
    voxnumbers.INTERFACE,
    purchase.INTERFACE,
    countries.INTERFACE,
    calling.INTERFACE,
    calls.INTERFACE,
    user.INTERFACE,
    jsapi.INTERFACE,
    flow.INTERFACE,
    clis.INTERFACE,
    sms.INTERFACE,
    users.INTERFACE,
)

_INTERFACES: dict[str, Interface] = {i.name: i for i in CATALOG}
_METHODS: dict[tuple[str, str], Method] = {m.key: m for i in CATALOG for m in i.methods}


def find_interface(name: str) -> Interface | None:
    """The interface with exactly this name (case-sensitive), or None."""
    return _INTERFACES.get(name)


def all_methods() -> tuple[Method, ...]:
    """Every method of every interface, in catalogue order."""
    return tuple(_METHODS.values())


def find_method(interface: str, method: str) -> Method | None:
    """The method `method` of `interface` (both case-sensitive), or None."""
    return _METHODS.get((interface, method))
