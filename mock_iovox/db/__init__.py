"""The data model (SQLAlchemy 2.0, typed), split by domain; importing this package registers all tables."""

from mock_iovox.db import call_days as _call_days  # noqa: F401  (the triggers keeping call_days exact)
from mock_iovox.db.accounts import Account, ApiUser, IpRange, MockMeta
from mock_iovox.db.base import Base
from mock_iovox.db.calls import Call, CallDay, Recording, call_categories
from mock_iovox.db.flows import BlockedNumber, CallFlow, LinkRuleValue, SoundFile, TimeTemplate
from mock_iovox.db.numbering import CallbackDelivery, PurchaseOrder, VoxNumber
from mock_iovox.db.setup import (
    Category,
    Contact,
    Link,
    Node,
    contact_categories,
    link_categories,
    node_categories,
)
from mock_iovox.db.subaccounts import SubAccount

__all__ = [
    "Account",
    "ApiUser",
    "Base",
    "BlockedNumber",
    "Call",
    "CallDay",
    "CallFlow",
    "CallbackDelivery",
    "Category",
    "Contact",
    "IpRange",
    "Link",
    "LinkRuleValue",
    "MockMeta",
    "Node",
    "PurchaseOrder",
    "Recording",
    "SoundFile",
    "SubAccount",
    "TimeTemplate",
    "VoxNumber",
    "call_categories",
    "contact_categories",
    "link_categories",
    "node_categories",
]
