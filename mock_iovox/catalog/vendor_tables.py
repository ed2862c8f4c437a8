"""What the vendor's own pages show of each method's error table (issue 19 item 6).

Read from the stored copies of www.iovox.com/api/rest/<method>.html and its mirrors (iovox.co.uk,
iovox.es, iovox.fr, wiki.iovox.com): only the beginning of a page can be had, so a long page ends
before its error table does. Each entry records how far the best copy reached (`Read`), the
method-specific strings that copy prints (as printed, x / y standing for the item and the total;
the common rows every page repeats are left out), and, for a table read to the end, every string of
the catalogue that the table lacks with the reason the mock emits it anyway.

A test holds the catalogue to this record: every printed string is one the method can emit, and a
complete table leaves no string of ours unexplained. docs/guesses.md shows it as tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Read(StrEnum):
    END = "read to the end"
    CUT = "cut (the copy ends first)"
    NONE = "no vendor page"


@dataclass(frozen=True, slots=True)
class VendorTable:
    read: Read
    #: the copy that reached furthest
    page: str = ""
    #: method-specific error strings the copy prints, in its order
    strings: tuple[str, ...] = ()
    #: (complete tables only) catalogue strings the table lacks, as the catalogue writes them (with
    #: their {x}/{y} fields) -> why the mock has them
    ours: Mapping[str, str] = field(default_factory=dict)


#: the rows every page repeats, handled by the protocol layer (errors.py), not by the method
COMMON = (
    "API Version Empty",
    "API Version Invalid",
    "Request Method must be x. x attempted",
    "XML Empty",
    "XML parse error. x at line y, column z",
    "Page Number not an integer",
    "Limit not an integer",
    "Output Type Invalid",
    "Order Field Invalid",
    "Order Direction Invalid",
    "Required Fields Invalid: fieldone,fieldtwo",
    "Internal Server Error",
)

_W = "www.iovox.com/api/rest/"
_UK = "iovox.co.uk/api/rest/"
_FR = "iovox.fr/api/rest/"
_ES = "iovox.es/api/rest/"
_WIKI = "wiki.iovox.com/api/rest/"

# reasons shared by several entries
_BORROWED_PARAM = "the mandatory query parameter left out or empty (the table has no row for it)"
_DETACH = "detach_from_links other than TRUE or FALSE (the table has no row for it)"
_BOOL_PARAM = "a TRUE/FALSE parameter with another value, phrased like the table's `Remove If User Invalid`"


def _end(page: str, *strings: str, **ours: str) -> VendorTable:
    return VendorTable(Read.END, page, strings, MappingProxyType(ours))


def _cut(page: str, *strings: str) -> VendorTable:
    return VendorTable(Read.CUT, page, strings)


_NONE = VendorTable(Read.NONE)

TABLES: Mapping[str, VendorTable] = MappingProxyType(
    {
        # --- Nodes
        "Nodes.getNodes": _end(_W + "getNodes.html", "Limit must be between 1 and 5000"),
        "Nodes.getNodeDetails": _cut(
            _W + "getNodeDetails.html", "Limit must be between 1 and 20000", "Node ID Doesn't exist"
        ),
        "Nodes.createNodes": _cut(
            _W + "createNodes.html",
            "Request Empty",
            "Node ID x of y Empty",
            "Node ID x of y already exists",
            "Node Name x of y Empty",
            "Node Type x of y Empty",
        ),
        "Nodes.createNodeFull": _cut(_UK + "createNodeFull.html"),
        "Nodes.updateNodes": _cut(
            _W + "updateNodes.html",
            "Request Empty",
            "Node ID x of y Empty",
            "Node ID x of y does not exist",
            "New Node ID x of y already exist",
            "Node Name x of y Empty",
            "Node Type x of y Empty",
        ),
        "Nodes.deleteNodes": _end(
            _W + "deleteNodes.html",
            "Node ID x of y does not exist",
            "Node ID x of y Empty",
            "Node IDs Empty",
        ),
        # --- Links
        "Links.getLinks": _cut(
            _W + "getLinks.html", "Limit must be between 1 and 20000", "Node ID does not exist"
        ),
        "Links.createLinks": _cut(
            _W + "createLinks.html",
            "Request Empty",
            "Link ID x of y Empty",
            "Link ID x of y already exists",
            "Link Name x is already attached to Node y",
        ),
        "Links.createLinksFull": _cut(_UK + "createLinksFull.html"),
        "Links.updateLinks": _cut(
            _W + "updateLinks.html",
            "Request Empty",
            "Link ID x of y Empty",
            "Link ID x of y does not exist",
            "New Link ID x of y already exist",
            "Link Name x of y Empty",
        ),
        "Links.deleteLinks": _end(
            _W + "deleteLinks.html",
            "Link ID x of y does not exist",
            "Link ID x of y Empty",
            "Link ID x of y not an integer",
            "Link IDs Empty",
        ),
        "Links.attachVoxnumberToLink": _cut(_W + "attachVoxnumberToLink.html"),
        "Links.removeVoxnumberFromLink": _end(
            _W + "removeVoxnumberFromLink.html",
            "Request Empty",
            "Link ID X of Y Empty",
            "Link ID x of y does not exist",
            "Link ID x of y does not have a VoxNumber",
        ),
        "Links.attachRuleTemplateToLinks": _cut(_W + "attachRuleTemplateToLinks.html"),
        "Links.removeRuleTemplateFromLinks": _NONE,
        "Links.attachSMSTemplateToLinks": _cut(_W + "attachSMSTemplateToLinks.html"),
        "Links.removeSMSTemplateFromLinks": _end(
            _W + "removeSMSTemplateFromLinks.html",
            "Link IDs Empty",
            "Link ID x of y Empty",
            "Link ID x of y does not exist",
            "Duplicate Link ID Received",
        ),
        "Links.attachCategoryToLink": _cut(_W + "attachCategoryToLink.html"),
        "Links.removeCategoryFromLink": _cut(
            _W + "removeCategoryFromLink.html",
            "Request Empty",
            "Link ID x of y Empty",
            "Link ID x of y does not exist",
            "Category ID x of y Empty",
            "Category ID x of y not an integer",
            "Label x of y Empty",
            "Category ID/Label Combination x of y does not exist",
        ),
        # --- Categories
        "Categories.getCategories": _end(
            _W + "getCategories.html",
            "Limit must be between 1 and 5000",
            "Category ID does not exist",
            "Child Count not allow to be alone in the Required Fields",
        ),
        "Categories.getCategoryId": _end(
            _W + "getCategoryId.html", "Limit must be between 1 and 20000", "Label Empty", "Value Empty"
        ),
        "Categories.createCategories": _cut(
            _W + "createCategories.html",
            "Request Empty",
            "Category ID x of y Empty",
            "Category ID x of y already exist",
            "Parent ID x of y Empty",
        ),
        "Categories.createCategoryConfigurations": _cut(
            _W + "createCategoryConfigurations.html", "Request Empty", "Category ID x of y Empty"
        ),
        "Categories.deleteCategories": _end(
            _W + "deleteCategories.html",
            "Category ID x of y does not exist",
            "Category ID x of y Empty",
            "Category IDs Empty",
        ),
        "Categories.deleteCategoryConfigurations": _end(
            _W + "deleteCategoryConfigurations.html",
            "Category ID x of y does not exist",
            "Category ID x of y is empty",
            **{"Category IDs Empty": _BORROWED_PARAM + "; worded as deleteCategories' own row"},
        ),
        # --- Contacts
        "Contacts.getContacts": _cut(_FR + "getContacts.html"),
        "Contacts.getContactDetails": _end(
            _UK + "getContactDetails.html",
            "Limit must be between 1 and 20000",
            **{
                "Contact ID Empty": _BORROWED_PARAM + ": contact_id",
                "Contact ID does not exist": "recorded against the real sandbox by the Ruby client's "
                "specs (spec/iovox/contact_interface_spec.rb), although the page does not list it",
            },
        ),
        "Contacts.createContacts": _cut(_W + "createContacts.html"),
        "Contacts.updateContacts": _cut("iovox.com/api/rest/updateContacts.html"),
        "Contacts.deleteContacts": _end(
            _W + "deleteContacts.html",
            "Remove If User Invalid",
            "Contact IDs Empty",
            "Contact ID x of y does not exist",
            "Contact x of y is used in Rules or Rule Templates",
            "Contact x of y has a user account",
            **{
                "Contact ID {x} of {y} Empty": "an empty entry of the comma list, worded as deleteNodes' and "
                "deleteLinks' own rows",
                "Remove Rules Invalid": _BOOL_PARAM + " (rm_rules)",
            },
        ),
        # --- Rules
        "Rules.getRuleTemplates": _cut(
            _W + "getRuleTemplates.html",
            "Limit must be between 1 and 20000",
            "Template Type Invalid",
            "Advanced Invalid",
        ),
        "Rules.getVariableRulesOfTemplate": _end(
            _W + "getVariableRulesOfTemplate.html",
            "Template Name does not exist",
            "Link ID Doesn't exist",
            **{"Template Name Empty": _BORROWED_PARAM + ": template_name"},
        ),
        "Rules.getTimeTemplates": _end(_W + "getTimeTemplates.html", "Limit must be between 1 and 5000"),
        "Rules.createTimeTemplates": _cut(_UK + "createTimeTemplates.html"),
        "Rules.updateTimeTemplates": _cut(_W + "updateTimeTemplates.html"),
        "Rules.deleteTimeTemplates": _end(
            _W + "deleteTimeTemplates.html",
            "force Invalid",
            "time_template_labels Empty",
            "time_template_label x of y does not exist",
            "This time template is used by a blocking rule you can force the deletion by using force as "
            "TRUE. Blocking rule numbers are X",
        ),
        "Rules.getBlockedNumbers": _end(
            _W + "getBlockedNumbers.html", "Number does not exist", "In Or Out Invalid", "Operator Invalid"
        ),
        "Rules.createBlockedNumbers": _cut(_W + "createBlockedNumbers.html"),
        "Rules.updateBlockedNumbers": _cut(_WIKI + "updateBlockedNumbers.html"),
        "Rules.deleteBlockedNumbers": _end(
            _UK + "deleteBlockedNumbers.html",
            "z of x of y Empty",
            "Blocked Numbers Empty",
            "Blocked Number x of y does not exist",
            "Combination of Number, In Or Out and Operator in Blocked Number x of y does not exist.",
        ),
        # --- CallFlow
        "CallFlow.getCallFlows": _NONE,
        "CallFlow.getCallFlow": _end(
            _W + "getCallFlow.html",
            "Call Flow Doesn't exist",
            **{"Call Flow Empty": _BORROWED_PARAM + ": call_flow"},
        ),
        "CallFlow.createCallFlow": _cut(
            _W + "createCallFlow.html",
            "Request Empty",
            "There are no Rules in this Template",
            "CallFlow Name already exists",
            "CallFlow Name Empty",
            "CallFlow Name too long",
            "Rule Label Empty",
            "Rule ID Empty",
            "Message empty",
            "destinationPhoneNumber Empty",
            "destinationContactId Empty",
        ),
        "CallFlow.updateCallFlow": _cut(_W + "updateCallFlow.html"),
        "CallFlow.deleteCallFlows": _end(
            _W + "deleteCallFlows.html",
            "call_flows Empty",
            "Call Flow x of y does not exist",
            "Call Flow x of y is attached to a Link",
            **{"detach_from_links Invalid": _DETACH},
        ),
        # --- SoundFiles
        "SoundFiles.getSoundFiles": _end(_W + "getSoundFiles.html", "Limit must be between 1 and 20000"),
        "SoundFiles.getSoundFileData": _NONE,
        "SoundFiles.createSoundFiles": _cut(_W + "createSoundFiles.html", "Request Empty"),
        "SoundFiles.updateSoundFiles": _cut(_W + "updateSoundFiles.html"),
        "SoundFiles.deleteSoundFiles": _end(
            _UK + "deleteSoundFiles.html",
            "Sound Files Empty",
            "Sound Label x of y Empty",
            "Sound File x of y Does not exist",
        ),
        "SoundFiles.deleteSoundFile": _NONE,
        "SoundFiles.uploadSoundFileData": _NONE,
        # --- Voxnumbers
        "Voxnumbers.getVoxnumbers": _cut(_W + "getVoxnumbers.html"),
        "Voxnumbers.setCallStatus": _cut(
            _ES + "setCallStatus.html",
            "XML Parse Error",
            "VoxNumber x of y does not exist",
            "VoxNumber x of y is not attached to a Link",
            "Call Status Invalid",
            "VoxNumbers Empty",
        ),
        "Voxnumbers.deleteVoxnumbersFromAccount": _end(
            _W + "deleteVoxnumbersFromAccount.html",
            "rm_if_in_use Invalid",
            "VoxNumbers Empty",
            "VoxNumber x of y does not exists",
            "VoxNumber x of y Empty",
            "VoxNumber x of y not an integer",
            "VoxNumber x of y is attached to a Link",
            "You can only remove a maximum of 100 VoxNumbers in a single request",
        ),
        "Voxnumbers.transferVoxnumbers": _end(
            _WIKI + "transferVoxNumbers.html",
            "XML Parse Error",
            "Origin Partner Name is empty",
            "Origin Partner Name does not exist",
            "Destination Partner Name is empty",
            "Destination Partner Name does not exist",
            "voxnumbers is empty",
            "voxnumber x of y is empty",
            "voxnumber x of y does not exist",
            "voxnumber x of y is not in a international format",
            "voxnumber x of y is not available",
        ),
        # --- Purchase, Countries, Calling, Calls
        "Purchase.getVoxnumberRegions": _NONE,
        "Purchase.purchaseVoxNumbers": _cut(_UK + "purchaseVoxNumbers.html"),
        "Purchase.getRegionForNumberType": _NONE,
        "Purchase.getOrderDetails": _NONE,
        "Countries.getCountries": _NONE,
        "Calling.initiateCall": _cut(_W + "initiateCall.html"),
        "Calls.getCallData": _cut(_W + "getCallData.html"),
        "Calls.getCallMetrics": _cut(_W + "getCallMetrics.html"),
        "Calls.getCallRecording": _NONE,
        "Calls.getVoicemailRecording": _NONE,
        # --- User, JsApi (known only from the Ruby client)
        "User.userPortalLogin": _NONE,
        "JsApi.createActionKey": _NONE,
        "JsApi.getActionKey": _NONE,
        # --- Flow
        "Flow.getFlows": _cut(
            _WIKI + "getFlows.html",
            "Limit must be between 1 and 20000",
            "Template Type Invalid",
            "Advanced Invalid",
        ),
        "Flow.getFlow": _end(
            _FR + "getFlow.html",
            "Flow Doesn't exist",
            **{
                "Flow Name Empty": _BORROWED_PARAM + ": flow_name",
                "Flow Type Empty": _BORROWED_PARAM + ": flow_type",
                "Flow Type Invalid": "flow_type other than Call, SMS or Email (the page names the three)",
            },
        ),
        "Flow.createFlow": _cut(
            _W + "createFlow.html",
            "Request Empty",
            "There are no Rules in this Template",
            "CallFlow Name already exists",
        ),
        "Flow.updateFlow": _NONE,
        "Flow.deleteFlows": _end(
            _WIKI + "deleteFlows.html",
            "Flows Empty",
            "Flow x of y does not exist",
            "Flow x of y is attached to a Link",
            **{"detach_from_links Invalid": _DETACH},
        ),
        # --- Clis, SMS, Users
        "Clis.createClis": _end(
            _W + "createClis.html",
            "Request Empty",
            "Cli x of y Empty",
            "Cli x of y not an integer",
            "Cli x of y already exists",
        ),
        "Clis.deleteClis": _end(
            _WIKI + "deleteClis.html",
            "Clis Empty",
            "Cli x of y Empty",
            "Cli x of y does not exist",
            "Cli x of y in use",
            "Cli x of y not an integer",
            **{
                "rm_if_in_use Invalid": "a TRUE/FALSE parameter with another value, worded as "
                "deleteVoxnumbersFromAccount's own row"
            },
        ),
        "SMS.sendSms": _cut(_W + "sendSms.html"),
        "Users.setAccountCheckCredit": _end(
            _W + "setAccountCheckCredit.html",
            "Sub Account Name must be set",
            "Check Credit must be set to TRUE or FALSE",
            "The provided subAccountName is not valid",
            "The account must have active subscriptions to set credit check. Create a subscription for "
            "this account first.",
        ),
    }
)

#: the call-flow XML pages (www.iovox.com/api/call-flow/*.html): their tables apply to every method
#: that takes a flow document (createCallFlow, updateCallFlow, createFlow, updateFlow)
CALL_FLOW_PAGES: Mapping[str, VendorTable] = MappingProxyType(
    {
        "play": _end(
            "iovox.co.uk/api/call-flow/play.html",
            "Rule ID Empty",
            "Rule Label Empty",
            "Rule ID Not Unique in Play Rule",
            "Sound File Does not exist in Play Rule",
        ),
        "call": _cut("www.iovox.fr/api/call-flow/call.html"),
        "messageKeypress": _cut("wiki.iovox.com/api/call-flow/messageKeypress.html"),
        "voicemail": _cut("www.iovox.com/api/call-flow/voicemail.html"),
        "sendSms": _cut("www.iovox.com/api/call-flow/sendSMS.html"),
    }
)

#: vendor pages of methods the catalogue does not have (found while reading; not implemented)
UNCATALOGUED = MappingProxyType(
    {
        "Subscriptions.getAccountCreditDetails": _W + "getAccountCreditDetails.html",
        "SMS.getSmsData": _WIKI + "getSmsData.html",
    }
)
