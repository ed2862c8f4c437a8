"""The control plane (/__mock__): JSON API, dashboard, and what they add to the vendor path.

Kept light to import: the pytest plugin imports the client from here at every pytest start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from mock_iovox.db.engine import Database
    from mock_iovox.settings import Settings


def control_routes(settings: Settings, databases: Mapping[str, Database]) -> list[BaseRoute]:
    """Every /__mock__ route (mounted by mock_iovox.server.app beside the vendor catch-all)."""
    from mock_iovox.admin.api import ControlPlane
    from mock_iovox.admin.ui import Dashboard

    plane = ControlPlane(settings, databases)
    return [*plane.routes(), *Dashboard(plane).routes()]
