"""Clis interface (doc only; SPEC.md §4 note)."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, PType, QueryParam, Verb

INTERFACE = Interface(
    "Clis",
    (
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
                "Documented by the vendor, used by neither public client; createClis is not modelled, "
                "so CLIs only come from fixtures (`clis:` of an account).",
                "`rm_if_in_use Invalid` is borrowed from deleteVoxnumbersFromAccount.",
                "A CLI is in use when a call flow of the account names it as an attribute value (a "
                "leading + ignored); rm_if_in_use=TRUE deletes it anyway and leaves the flow as it is.",
                "The item texts follow deleteVoxnumbersFromAccount's pattern; x of y count the list.",
            ),
        ),
    ),
    doc_only=True,
)
