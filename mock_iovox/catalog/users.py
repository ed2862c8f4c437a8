"""Users interface: setAccountCheckCredit (the vendor's page; used by neither public client).

Not to be confused with the `User` interface of userPortalLogin (known only from the Ruby client).
"""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, Payload, PField, Verb

INTERFACE = Interface(
    "Users",
    (
        Method(
            "Users",
            "setAccountCheckCredit",
            Verb.PUT,
            "Switches the credit check of a sub account on or off.",
            payload=Payload(
                None,
                top=(
                    # mandatory, but checked by the handler to keep the vendor's own wording
                    PField("sub_account_name", "Sub Account Name"),
                    PField("check_credit", "Check Credit"),
                ),
                # the page's own example sends both elements empty: that is their errors, not
                # `Request Empty` (which its table does not have)
                require_items=False,
            ),
            errors=errs(
                sub_account_empty="Sub Account Name must be set",
                check_credit_invalid="Check Credit must be set to TRUE or FALSE",
                sub_account_not_found="The provided subAccountName is not valid",
                no_subscription=(
                    "The account must have active subscriptions to set credit check. "
                    "Create a subscription for this account first."
                ),
            ),
            sources="DOC",
            guesses=(
                "Documented by the vendor, used by neither public client; its error table is complete "
                "and the mock emits nothing else.",
                "Sub accounts come from fixtures (`sub_accounts:` of an account: name, subscription, "
                "check_credit); a name is looked up beneath the caller's account only, exactly as "
                "written.",
                "check_credit takes TRUE or FALSE in any case; the first two checks are reported "
                "together, then the sub account's.",
                "Nothing else reads check_credit: no call is refused for want of credit.",
            ),
        ),
    ),
    doc_only=True,
)
