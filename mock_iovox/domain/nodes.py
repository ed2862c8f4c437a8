"""Nodes as several interfaces use them."""

from __future__ import annotations

from collections.abc import Iterable

from mock_iovox.context import Ctx, by_vendor_id
from mock_iovox.db import Node


def nodes_by_id(ctx: Ctx, ids: Iterable[str]) -> dict[str, Node]:
    return by_vendor_id(ctx, Node, "node_id", ids)
