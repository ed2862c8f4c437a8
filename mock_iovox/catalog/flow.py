"""Flow interface: generic Call/SMS/Email flows (doc only; SPEC.md §4 note)."""

from mock_iovox.catalog.callflow import FLOW_XML_ERRORS, FLOW_XML_GUESSES
from mock_iovox.catalog.common import (
    TEMPLATE_ERRORS,
    TEMPLATE_FIELDS,
    TEMPLATE_GUESSES,
    TEMPLATE_PARAMS,
    errs,
)
from mock_iovox.catalog.model import (
    Interface,
    Listing,
    Method,
    Payload,
    PType,
    QueryParam,
    Response,
    Verb,
)

FLOW_TYPES = ("CALL", "SMS", "EMAIL")

DOC_ONLY = "Documented by the vendor, used by neither public client."

INTERFACE = Interface(
    "Flow",
    (
        Method(
            "Flow",
            "getFlows",
            Verb.GET,
            "Lists call, SMS and e-mail flows (the call ones are the call flows).",
            params=(
                *TEMPLATE_PARAMS,
                QueryParam("flow_type", PType.ENUM, choices=FLOW_TYPES, invalid_error="flow_type_invalid"),
            ),
            listing=Listing(TEMPLATE_FIELDS, default_order="c_DESC"),
            response=Response.LIST,
            json=True,
            errors=errs(TEMPLATE_ERRORS, flow_type_invalid="Flow Type Invalid"),
            sources="DOC",
            guesses=(DOC_ONLY, "`Flow Type Invalid` is invented.", *TEMPLATE_GUESSES),
        ),
        Method(
            "Flow",
            "getFlow",
            Verb.GET,
            "The XML definition of one call, SMS or e-mail flow.",
            params=(
                QueryParam("flow_name", mandatory=True, empty_error="flow_name_empty"),
                QueryParam(
                    "flow_type",
                    PType.ENUM,
                    mandatory=True,
                    choices=FLOW_TYPES,
                    empty_error="flow_type_empty",
                    invalid_error="flow_type_invalid",
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                flow_name_empty="Flow Name Empty",
                flow_type_empty="Flow Type Empty",
                flow_type_invalid="Flow Type Invalid",
                flow_not_found="Flow Doesn't exist",
            ),
            sources="DOC",
            guesses=(DOC_ONLY, "The empty/invalid texts are invented."),
        ),
        Method(
            "Flow",
            "createFlow",
            Verb.POST,
            "Stores a new call, SMS or e-mail flow from its XML definition.",
            # the child of <request> is <callFlow>, <smsFlow> or <emailFlow>
            payload=Payload(None, raw=True),
            response=Response.DOCUMENT,
            errors=errs(FLOW_XML_ERRORS),
            sources="DOC",
            guesses=(
                DOC_ONLY,
                "The vendor page repeats createCallFlow's error texts for every flow type.",
                *FLOW_XML_GUESSES,
            ),
        ),
        Method(
            "Flow",
            "updateFlow",
            Verb.PUT,
            "Replaces a call, SMS or e-mail flow and re-applies it to its links.",
            payload=Payload(None, raw=True),
            errors=errs(FLOW_XML_ERRORS, flow_not_found="Flow Doesn't exist"),
            sources="DOC",
            guesses=(DOC_ONLY, "Behaves as updateCallFlow for each flow type.", *FLOW_XML_GUESSES),
        ),
        Method(
            "Flow",
            "deleteFlows",
            Verb.DELETE,
            "Deletes flows named in a pipe-separated list.",
            params=(
                QueryParam("flows", mandatory=True, empty_error="flows_empty"),
                QueryParam(
                    "detach_from_links",
                    PType.BOOLEAN,
                    default="FALSE",
                    invalid_error="detach_from_links_invalid",
                ),
            ),
            errors=errs(
                flows_empty="Flows Empty",
                flow_not_found="Flow {x} of {y} does not exist",
                flow_attached="Flow {x} of {y} is attached to a Link",
                detach_from_links_invalid="detach_from_links Invalid",
            ),
            sources="DOC",
            guesses=(DOC_ONLY, "`detach_from_links Invalid` is invented."),
        ),
    ),
    doc_only=True,
)
