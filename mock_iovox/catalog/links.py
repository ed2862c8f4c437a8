"""Links interface (SPEC.md §4 rows 7-19, §5.2)."""

from mock_iovox.catalog.common import (
    ASSIGN_VOXNUMBER_ERRORS,
    ASSIGN_VOXNUMBER_FIELDS,
    ASSIGN_VOXNUMBER_GUESSES,
    CAT_IDS,
    CATEGORIES,
    CATEGORY_ITEM_ERRORS,
    CLICK_TO_CALL,
    FULL_LINK_GUESSES,
    LINK_CATEGORY_ERRORS,
    LINK_ID,
    LINK_ITEM_ERRORS,
    NODE_ID,
    RULE_VARIABLE_ERRORS,
    RULE_VARIABLE_GUESSES,
    RULES_VARIABLE,
    SMS_RULES_VARIABLE,
    date_field,
    errs,
    full_links,
)
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

#: `<link_ids><link_id>…</link_id>…</link_ids>` under <request>
#: a blank `<link_id/>` inside the list is kept: `Link ID x of y Empty` (removeSMSTemplateFromLinks'
#: complete table), an empty or absent list `Link IDs Empty`
LINK_IDS = PField("link_ids", "Link IDs", required=True, many=True, keep_blank=True)

#: errors of a `link_ids` list (documented for removeSMSTemplateFromLinks)
LINK_IDS_ERRORS = {
    "link_ids_empty": "Link IDs Empty",
    "link_id_empty": "Link ID {x} of {y} Empty",
    "link_id_not_found": "Link ID {x} of {y} does not exist",
    "duplicate_link_id": "Duplicate Link ID Received",
}


def _attach_template(sms: bool) -> Payload:
    return Payload(
        None,
        top=(
            PField("template_name", "Template Name", required=True),
            PField("overwrite_existing", "Overwrite Existing", PType.BOOLEAN),
            LINK_IDS,
            SMS_RULES_VARIABLE if sms else RULES_VARIABLE,
        ),
    )


def _attach_template_errors(kind: str) -> dict[str, str]:
    return {
        **LINK_IDS_ERRORS,
        **RULE_VARIABLE_ERRORS,
        "template_name_empty": "Template Name Empty",
        "overwrite_existing_invalid": "Overwrite Existing Invalid",
        "template_attached": f"Link ID {{x}} of {{y}} already has a{kind} Template attached",
    }


LINK_CATEGORY_GUESSES = (
    "A category element naming an existing category_id attaches it (parent, label and value are "
    "then ignored); an unknown id with an existing parent_category_id creates that sub-category "
    "(value required) in the parent's tree, with the tree's label; an unknown id without parent is "
    "`Category ID x of y does not exist`, an unknown parent `Parent ID x of y does not exist`.",
    "A label given for a new sub-category must be its tree's label, else `Label x of y does not "
    "exist` (as createCategories).",
)

ATTACH_TEMPLATE_GUESSES = (
    "The error table is cut in every source: template, link and rule errors are invented in the "
    "vendor's style.",
    "overwrite_existing defaults to FALSE; FALSE over an existing template is an error (also when it "
    "is the same template); TRUE replaces the template and all its per-link values.",
    "A rule contact whose contact_id is unknown is created on the fly (display_name as createContacts "
    "defaults it, which is the contact_id when only a phone is given; business_phone = phone_number; "
    "other details as given). The rule is fixed to the contact (which "
    "turns ASSIGNED) only when what it dials is known: the given phone_number, else the contact's "
    "business/mobile/home phone (and e-mail for a voicemail); otherwise it stays `?`.",
    "Values for slots the template fixes (no `?`) and rules without `?` are accepted and ignored.",
    *RULE_VARIABLE_GUESSES,
)

INTERFACE = Interface(
    "Links",
    (
        Method(
            "Links",
            "getLinks",
            Verb.GET,
            "Lists links with their node, VoxNumber, template name and click-to-call flag.",
            params=(
                QueryParam("node_id"),
                QueryParam("node_type"),
                QueryParam("link_id"),
                QueryParam("link_type"),
                CAT_IDS,
            ),
            listing=Listing(
                (
                    Field("nid", "node_id", default=True),
                    Field("nn", "node_name", default=True),
                    Field("nt", "node_type", default=True),
                    Field("lid", "link_id", default=True),
                    Field("ln", "link_name", default=True),
                    Field("lt", "link_type", default=True),
                    Field("vn", "voxnumber", default=True),
                    Field("rn", "rule_name", default=True),
                    Field("c2c", "click_to_call", default=True),
                    Field("cid", "category_id", orderable=False, group="cats/cat"),
                    Field("cl", "label", orderable=False, group="cats/cat"),
                    Field("cv", "value", orderable=False, group="cats/cat"),
                ),
            ),
            response=Response.LIST,
            json=True,
            errors=errs(node_id_not_found="Node ID does not exist"),
            sources="PHP+RB+DOC",
            guesses=(
                "Default req_fields (not documented) = every non-group field, the set Ruby asks for.",
                "No documented default order: creation order, oldest first.",
                "cid/cl/cv for the `cats/cat` group are invented abbreviations (Ruby reads cats/cat); "
                "like getCallData's category fields they cannot be used in `order`.",
                "An unknown link_id filter gives an empty list; an unknown node_id filter is an error.",
                'A link without categories has an empty `<cats/>` (JSON `"cats": ""`) when a '
                "category field is requested.",
            ),
        ),
        Method(
            "Links",
            "createLinks",
            Verb.POST,
            "Creates links under existing nodes.",
            payload=Payload(
                "link",
                fields=(
                    NODE_ID,
                    LINK_ID,
                    PField("link_name", "Link Name", required=True),
                    PField("link_type", "Link Type", required=True),
                    date_field("link_date", "Link Date"),
                    CLICK_TO_CALL,
                    CATEGORIES,
                ),
            ),
            response=Response.DOCUMENT,
            json=True,
            errors=errs(
                LINK_ITEM_ERRORS,
                CATEGORY_ITEM_ERRORS,
                LINK_CATEGORY_ERRORS,
                node_id_empty="Node ID {x} of {y} Empty",
                node_id_not_found="Node ID {x} of {y} does not exist",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "Answers 201 with `<response><links><link><link_id/></link>…</links></response>`.",
                "click_to_call defaults to 1; an empty link_date means now.",
                "Node ID, Link Name/Type, date, click_to_call and category errors are invented.",
                "`Link Name x is already attached to Node y` is read as the link name and the node id; "
                "it also fires for two links of one request with the same name under the same node.",
                "Every problem of the request is reported together; `Duplicate Link ID Received` "
                "comes first.",
                *LINK_CATEGORY_GUESSES,
            ),
        ),
        Method(
            "Links",
            "createLinksFull",
            Verb.POST,
            "Adds fully configured links (template, rules, VoxNumber, categories) to an existing node.",
            payload=Payload(
                "node",
                fields=(
                    NODE_ID,
                    PField("node_name", "Node Name"),
                    PField("node_type", "Node Type"),
                    full_links(required=True),
                ),
                max_items=1,
            ),
            response=Response.DOCUMENT,
            errors=errs(
                LINK_ITEM_ERRORS,
                CATEGORY_ITEM_ERRORS,
                LINK_CATEGORY_ERRORS,
                RULE_VARIABLE_ERRORS,
                ASSIGN_VOXNUMBER_ERRORS,
                node_id_empty="Node ID {x} of {y} Empty",
                node_id_not_found="Node ID {x} of {y} does not exist",
                links_empty="Links {x} of {y} Empty",
            ),
            sources="RB+DOC",
            guesses=(
                "Same response as createNodeFull: `<response><node_id/><links><link><link_id/>…`.",
                "node_name/node_type are accepted and ignored (the node must exist).",
                "The old page's `DD-MM-YYYY` link_date is refused as invalid.",
                "All or nothing, like createNodeFull.",
                *FULL_LINK_GUESSES,
                *ASSIGN_VOXNUMBER_GUESSES,
            ),
        ),
        Method(
            "Links",
            "updateLinks",
            Verb.PUT,
            "Renames or edits existing links.",
            payload=Payload(
                "link",
                fields=(
                    LINK_ID,
                    PField("new_link_id", "New Link ID"),
                    PField("link_name", "Link Name", blank_is_empty=True),
                    PField("link_type", "Link Type"),
                    CLICK_TO_CALL,
                    date_field("link_date", "Link Date"),
                    CATEGORIES,
                ),
            ),
            errors=errs(
                CATEGORY_ITEM_ERRORS,
                LINK_CATEGORY_ERRORS,
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                new_link_id_exists="New Link ID {x} of {y} already exist",
                link_name_empty="Link Name {x} of {y} Empty",
                link_name_attached="Link Name {name} is already attached to Node {node}",
                duplicate_link_id="Duplicate Link ID Received",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "A non-empty `<categories>` replaces the link's category paths; an empty "
                "`<categories/>` (PHP sends one on every link) leaves them unchanged.",
                "A blank `<link_name/>` is `Link Name x of y Empty` (the vendor's table); one sent "
                "`xsi:nil` (Ruby's nil) or left out keeps the name, and so does any empty other element "
                "(PHP drops nulls).",
                "Name clash and duplicate-id errors are borrowed from createLinks.",
                "new_link_id equal to link_id is a no-op; a new_link_id held by any existing link "
                "(even one renamed in the same request) or claimed by an earlier item is refused.",
                "A rename keeps the link's categories, VoxNumber, call flow and rule values.",
                *LINK_CATEGORY_GUESSES,
            ),
        ),
        Method(
            "Links",
            "deleteLinks",
            Verb.DELETE,
            "Deletes links.",
            params=(QueryParam("link_ids", mandatory=True, empty_error="link_ids_empty"),),
            errors=errs(
                link_ids_empty="Link IDs Empty",
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                link_id_not_integer="Link ID {x} of {y} not an integer",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "`Link ID x of y not an integer` is documented but not enforced: link ids are strings "
                "everywhere else.",
                "The deleted links' VoxNumbers go back to the pool as UNASSIGNED; their categories "
                "and rule values go; their CDRs stay (with the copied link names).",
                "A link id repeated in `link_ids` is deleted once, without error.",
            ),
        ),
        Method(
            "Links",
            "attachVoxnumberToLink",
            Verb.PUT,
            "Gives links a VoxNumber of the account, chosen by area, by number or by postcode.",
            payload=Payload("link", fields=(LINK_ID, *ASSIGN_VOXNUMBER_FIELDS)),
            errors=errs(
                ASSIGN_VOXNUMBER_ERRORS,
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                link_has_voxnumber="Link ID {x} of {y} already has a VoxNumber",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "The error table is cut; apart from the postcode text all errors are invented.",
                "A link that already has a VoxNumber is refused (Ruby removes before attaching).",
                *ASSIGN_VOXNUMBER_GUESSES,
                "Only the account's numbers on no link are candidates; the oldest matching one is "
                "taken. Items are served in order (two never get the same number); any error in any "
                "item attaches nothing.",
                "BY AREA: voxnumber_idd is the country code, area_code without or with the trunk 0 "
                "(`20` or `020`). BY VOXNUMBER: E.164 digits without `+`.",
                "BY POSTCODE works for the UK (outward code or postcode area) and France (department "
                "of the code postal; overseas departments not covered); voxnumber_country is the "
                "getCountries name (`UNITED KINGDOM`, `FRANCE`), its ISO code or `UK`. A geographic "
                "number of the area covering the postcode is taken, else one of the nearest area "
                "(haversine between district and area centres from a bundled table) within "
                "fallback_area_distance km; without fallback_area_distance there is no fallback.",
                "Every attached number starts `ON` (a number taken off a link forgets its OFF).",
            ),
        ),
        Method(
            "Links",
            "removeVoxnumberFromLink",
            Verb.PUT,
            "Detaches the VoxNumber of each link and returns it to the account's pool.",
            # <link_id> elements directly under <request>; none at all → `Request Empty`
            payload=Payload(None, top=(PField("link_id", "Link ID", required=True, many=True),)),
            errors=errs(
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                link_no_voxnumber="Link ID {x} of {y} does not have a VoxNumber",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "`Link ID x of y Empty` cannot fire: an empty `<link_id/>` is skipped like any empty "
                "element, and a request with none at all is `Request Empty`.",
                "Every link is checked before any number moves; the numbers stay in the account, "
                "UNASSIGNED, and come back ON.",
            ),
        ),
        Method(
            "Links",
            "attachRuleTemplateToLinks",
            Verb.PUT,
            "Puts a calling rule template (call flow) on links and fixes its variable rules.",
            payload=_attach_template(sms=False),
            errors=errs(_attach_template_errors("")),
            sources="PHP+RB+DOC",
            guesses=ATTACH_TEMPLATE_GUESSES,
        ),
        Method(
            "Links",
            "removeRuleTemplateFromLinks",
            Verb.PUT,
            "Takes the calling rule template off links.",
            # the complete table has no `Request Empty`: a body without links is `Link IDs Empty`
            payload=Payload(None, top=(LINK_IDS,), require_items=False),
            errors=errs(LINK_IDS_ERRORS),
            sources="PHP+RB",
            guesses=(
                "No vendor page: errors copied from removeSMSTemplateFromLinks.",
                "A link without a template is accepted silently.",
            ),
        ),
        Method(
            "Links",
            "attachSMSTemplateToLinks",
            Verb.PUT,
            "Puts an SMS rule template on links and fixes its recipients.",
            payload=_attach_template(sms=True),
            errors=errs(_attach_template_errors("n SMS")),
            sources="PHP+DOC",
            guesses=(
                *ATTACH_TEMPLATE_GUESSES,
                "Any link takes an SMS template (the vendor's SMS-flow page allows only links with a "
                "mobile VoxNumber); the calling and the SMS template are separate slots.",
            ),
        ),
        Method(
            "Links",
            "removeSMSTemplateFromLinks",
            Verb.PUT,
            "Takes the SMS rule template off links.",
            # the complete table has no `Request Empty`: a body without links is `Link IDs Empty`
            payload=Payload(None, top=(LINK_IDS,), require_items=False),
            errors=errs(LINK_IDS_ERRORS),
            sources="PHP+DOC",
            guesses=("A link without an SMS template is accepted silently.",),
        ),
        Method(
            "Links",
            "attachCategoryToLink",
            Verb.PUT,
            "Adds a category path to links, creating a sub-category on the fly when needed.",
            payload=Payload(
                "link",
                fields=(
                    LINK_ID,
                    PField("category_id", "Category ID", required=True),
                    PField("parent_category_id", "Parent ID"),
                    PField("label", "Label"),
                    PField("value", "Value"),
                ),
            ),
            errors=errs(
                CATEGORY_ITEM_ERRORS,
                LINK_CATEGORY_ERRORS,
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                category_id_empty="Category ID {x} of {y} Empty",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "The error table is cut; all errors are invented in the vendor's style.",
                "PHP sends no value: attaching an existing category needs none; attaching a category "
                "the link already has is accepted and changes nothing.",
                *LINK_CATEGORY_GUESSES,
            ),
        ),
        Method(
            "Links",
            "removeCategoryFromLink",
            Verb.PUT,
            "Removes a category path from links.",
            payload=Payload(
                "link",
                fields=(
                    LINK_ID,
                    PField("category_id", "Category ID", PType.INTEGER, required=True),
                    PField("label", "Label"),
                ),
            ),
            errors=errs(
                link_id_empty="Link ID {x} of {y} Empty",
                link_id_not_found="Link ID {x} of {y} does not exist",
                category_id_empty="Category ID {x} of {y} Empty",
                category_id_not_integer="Category ID {x} of {y} not an integer",
                label_empty="Label {x} of {y} Empty",
                combination_not_found="Category ID/Label Combination {x} of {y} does not exist",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "label is optional (the vendor requires it, PHP never sends it); when given, the "
                "category id/label pair must match.",
                "An unknown category id, or one the link does not have, is also `Category ID/Label "
                "Combination x of y does not exist`; only the exact category is removed, not its "
                "sub-tree, and the category itself stays.",
            ),
        ),
    ),
)
