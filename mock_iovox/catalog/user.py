"""User interface (SPEC.md §4 row 67, §5.12): only the name and verb are known."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, QueryParam, Response, Verb

INTERFACE = Interface(
    "User",
    (
        Method(
            "User",
            "userPortalLogin",
            Verb.GET,
            "A single-use link that logs a portal user into the web portal (known only from Ruby).",
            params=(QueryParam("username", mandatory=True, empty_error="username_empty"),),
            response=Response.DOCUMENT,
            errors=errs(
                username_empty="Username Empty",
                username_not_found="Username does not exist",
            ),
            sources="RB",
            guesses=(
                "Parameter `username` (the portal user) and the answer "
                "`<response><login_url/></response>` are invented.",
                "Both errors are invented.",
                "username must be an API user of the caller's account; the link points at "
                "`https://portal.mock-iovox.test/login?token=…` (a token derived from the user and the "
                "clock), so it can never log anybody in.",
            ),
        ),
    ),
)
