"""Clis interface (doc only; SPEC.md §4 note)."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, Payload, PType, QueryParam, Response, Verb

INTERFACE = Interface(
    "Clis",
    (
        Method(
            "Clis",
            "createClis",
            Verb.POST,
            "Adds caller-id (CLI) numbers to the account.",
            # `<request><cli>…</cli>…</request>`: read by the handler, so that a blank `<cli/>` is
            # `Cli x of y Empty` rather than skipped like an absent element
            payload=Payload(None, raw=True),
            response=Response.DOCUMENT,
            errors=errs(
                cli_empty="Cli {x} of {y} Empty",
                cli_not_integer="Cli {x} of {y} not an integer",
                cli_exists="Cli {x} of {y} already exists",
            ),
            sources="DOC",
            guesses=(
                "Documented by the vendor, used by neither public client; its error table is complete "
                "and the mock emits nothing else (`Request Empty` when no `<cli>` is sent).",
                "Answers 201 with `<response><clis><cli>…</cli>…</clis></response>`, the numbers created "
                "in request order (the page shows only `201 Created`).",
                "A CLI is digits, a leading + dropped, at most 18 of them; a number listed twice in "
                "one request `already exists` at its second place.",
            ),
        ),
        Method(
            "Clis",
            "deleteClis",
            Verb.DELETE,
            "Deletes caller-id (CLI) numbers from the account.",
            params=(
                QueryParam("clis", mandatory=True, empty_error="clis_empty"),
                QueryParam(
                    "rm_if_in_use", PType.BOOLEAN, default="FALSE", invalid_error="rm_if_in_use_invalid"
                ),
            ),
            errors=errs(
                clis_empty="Clis Empty",
                cli_empty="Cli {x} of {y} Empty",
                cli_not_found="Cli {x} of {y} does not exist",
                cli_in_use="Cli {x} of {y} in use",
                cli_not_integer="Cli {x} of {y} not an integer",
                rm_if_in_use_invalid="rm_if_in_use Invalid",
            ),
            sources="DOC",
            guesses=(
                "Documented by the vendor, used by neither public client; CLIs come from createClis "
                "and from fixtures (`clis:` of an account).",
                "`rm_if_in_use Invalid` is borrowed from deleteVoxnumbersFromAccount.",
                "A CLI is in use when a call flow of the account names it as an attribute value (a "
                "leading + ignored); rm_if_in_use=TRUE deletes it anyway and leaves the flow as it is.",
                "The item texts follow deleteVoxnumbersFromAccount's pattern; x of y count the list.",
            ),
        ),
    ),
    doc_only=True,
)
