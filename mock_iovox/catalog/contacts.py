"""Contacts interface (SPEC.md §4 rows 26-30, §5.4)."""

from mock_iovox.catalog.common import CONTACT_DETAIL_FIELDS, errs
from mock_iovox.catalog.model import (
    Field,
    Interface,
    Listing,
    Method,
    Payload,
    PField,
    PType,
    QueryParam,
    Response,
    Verb,
)

CONTACT_ID = PField("contact_id", "Contact ID", required=True)

#: getContactDetails is not selectable: abbreviations are the element names themselves
DETAIL_LISTING = Listing(
    (
        Field("contact_id", "contact_id", default=True),
        # an empty business_phone is left out: PHP reads "" as the phantom number [""]
        *(
            Field(f.name, f.name, default=True, omit_empty=f.name == "business_phone")
            for f in CONTACT_DETAIL_FIELDS
        ),
        Field("assigned_status", "assigned_status", default=True),
    ),
    selectable=False,
    orderable=False,
)

INTERFACE = Interface(
    "Contacts",
    (
        Method(
            "Contacts",
            "getContacts",
            Verb.GET,
            "Lists contacts with their main details and assignment status.",
            params=(
                QueryParam("contact_id"),
                QueryParam("display_name", doc="Substring match."),
                QueryParam("company"),
                QueryParam("phone_number", doc="Matches any of the contact's phone numbers."),
                QueryParam("email"),
            ),
            listing=Listing(
                (
                    Field("cid", "contact_id", default=True),
                    Field("dn", "display_name", default=True),
                    Field("comp", "company", default=True),
                    Field("em", "email", default=True),
                    Field("bphone", "business_phone", default=True),
                    Field("as", "assigned_status", default=True),
                ),
                default_order="dn_DESC",
            ),
            response=Response.LIST,
            json=True,
            sources="PHP+RB+DOC",
            guesses=(
                "The documented default order `od_DESC` names no field; `dn_DESC` (display name) is "
                "used instead.",
                "Only the six documented abbreviations are selectable.",
                "display_name and company match a substring, case-insensitively; email matches email or "
                "email_2 exactly (case-insensitive); phone_number matches the mobile, home or business "
                "phone exactly.",
                "assigned_status is ASSIGNED when a link's variable rule fixes the contact.",
            ),
        ),
        Method(
            "Contacts",
            "getContactDetails",
            Verb.GET,
            "Every detail of one contact.",
            params=(QueryParam("contact_id", mandatory=True, empty_error="contact_id_empty"),),
            listing=DETAIL_LISTING,
            response=Response.LIST,
            json=True,
            errors=errs(
                contact_id_empty="Contact ID Empty",
                contact_id_not_found="Contact ID does not exist",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "`Contact ID Empty` is invented (PHP does not mark contact_id mandatory).",
                'An empty business_phone is left out (PHP would read `""` as a phantom number).',
            ),
        ),
        Method(
            "Contacts",
            "createContacts",
            Verb.POST,
            "Creates contacts.",
            payload=Payload("contact", fields=(CONTACT_ID, *CONTACT_DETAIL_FIELDS)),
            response=Response.DOCUMENT,
            errors=errs(
                contact_id_empty="Contact ID {x} of {y} Empty",
                contact_id_exists="Contact ID {x} of {y} already exists",
                display_name_exists="Display Name {x} of {y} already exists with the same phone number",
                duplicate_contact_id="Duplicate Contact ID Received",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "The error table is cut; all errors are invented in the vendor's style.",
                "display_name defaults to 'first_name last_name', then company, then contact_id.",
                "Answers 201 with `<response><contacts><contact><contact_id/>…`.",
                "Two contacts clash when they have the same display_name and share a mobile, home or "
                "business phone number (also two items of one request).",
            ),
        ),
        Method(
            "Contacts",
            "updateContacts",
            Verb.PUT,
            "Edits or renames contacts, optionally detaching rule templates that relied on them.",
            payload=Payload(
                "contact",
                fields=(CONTACT_ID, PField("new_contact_id", "New Contact ID"), *CONTACT_DETAIL_FIELDS),
                top=(
                    PField("rm_rules", "Remove Rules", PType.BOOLEAN),
                    PField("replace_details", "Replace Details", PType.BOOLEAN),
                ),
            ),
            errors=errs(
                contact_id_empty="Contact ID {x} of {y} Empty",
                contact_id_not_found="Contact ID {x} of {y} does not exist",
                new_contact_id_exists="New Contact ID {x} of {y} already exists",
                contact_in_rules="Contact {x} of {y} is used in Rules or Rule Templates",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "The error table is cut; the errors are invented or borrowed from deleteContacts.",
                "replace_details TRUE clears every detail not supplied (display_name then takes its "
                "default again); FALSE keeps them.",
                "Only emptying the mobile, home or business phone of a contact used by a rule needs "
                "rm_rules TRUE; the templates concerned are then detached from the links whose rules "
                "fix the contact, with those links' values for them.",
                "A new_contact_id held by another contact, or asked for twice, is refused (no swaps).",
                "The display name / phone number clash of createContacts is not checked on update.",
            ),
        ),
        Method(
            "Contacts",
            "deleteContacts",
            Verb.DELETE,
            "Deletes contacts, optionally with the rules and user accounts that use them.",
            params=(
                QueryParam("contact_ids", mandatory=True, empty_error="contact_ids_empty"),
                QueryParam("rm_rules", PType.BOOLEAN, default="FALSE", invalid_error="rm_rules_invalid"),
                QueryParam("rm_if_user", PType.BOOLEAN, default="FALSE", invalid_error="rm_if_user_invalid"),
            ),
            errors=errs(
                contact_ids_empty="Contact IDs Empty",
                contact_id_empty="Contact ID {x} of {y} Empty",
                contact_id_not_found="Contact ID {x} of {y} does not exist",
                contact_in_rules="Contact {x} of {y} is used in Rules or Rule Templates",
                contact_has_user="Contact {x} of {y} has a user account",
                rm_rules_invalid="Remove Rules Invalid",
                rm_if_user_invalid="Remove If User Invalid",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "`Remove Rules Invalid` and `Contact ID x of y Empty` are invented.",
                "The mock has no portal users unless a fixture defines them.",
                "rm_rules TRUE detaches the templates from the links whose rules fix the contact.",
            ),
        ),
    ),
)
