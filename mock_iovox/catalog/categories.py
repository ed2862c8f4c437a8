"""Categories interface (SPEC.md §4 rows 20-25, §5.3)."""

from mock_iovox.catalog.common import errs
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

#: types of a category configuration (a top-level category); ENUM values compare upper-cased
CONFIGURATION_TYPES = ("TREE", "QUARANTINE_DATE", "DELETION_DATE", "DETACH_DATE")

#: the date configurations every vendor account carries (label, type); their category_id is their
#: label (the PHP client's vendor fixture `basic-response.json`, PHP-MODELS.md §2 Categories)
BUILT_IN_CONFIGURATIONS = (
    ("Quarantine Date", "Quarantine_Date"),
    ("Deletion Date", "Deletion_Date"),
    ("Detach Date", "Detach_Date"),
)

INTERFACE = Interface(
    "Categories",
    (
        Method(
            "Categories",
            "getCategories",
            Verb.GET,
            "Lists the top-level categories, or the children of one category.",
            params=(QueryParam("parent_category_id"),),
            listing=Listing(
                (
                    Field("cid", "category_id", default=True),
                    Field("cl", "label", default=True),
                    Field("cv", "value", default=True),
                    Field("chc", "child_count", default=True, alone_error="child_count_alone"),
                ),
                orderable=False,
                limit_text=5000,
            ),
            response=Response.LIST,
            json=True,
            errors=errs(
                category_id_not_found="Category ID does not exist",
                child_count_alone="Child Count not allow to be alone in the Required Fields",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "Results come in creation order (no order parameter); an account's built-in date "
                "configurations (Quarantine Date, Deletion Date, Detach Date, whose category_id is "
                "their label) come after the fixture's own configurations.",
                "A configuration's `value` is its label (as in the vendor's fixture).",
            ),
        ),
        Method(
            "Categories",
            "getCategoryId",
            Verb.GET,
            "Finds the id and full path of the category with a given label and value.",
            params=(
                QueryParam("label", mandatory=True, empty_error="label_empty"),
                QueryParam("value", mandatory=True, empty_error="value_empty"),
                QueryParam("delimiter", default=";"),
            ),
            listing=Listing(
                (
                    Field("category_id", "category_id", default=True),
                    Field("category_path", "category_path", default=True),
                ),
                selectable=False,
                orderable=False,
            ),
            response=Response.LIST,
            json=True,
            errors=errs(label_empty="Label Empty", value_empty="Value Empty"),
            sources="PHP+RB+DOC",
            guesses=(
                "`label` is the label of the top category; every category with that value below it "
                "is a result.",
                "No match gives an empty list rather than an error.",
                "label and value compare case-sensitively; the delimiter is trimmed like every parameter.",
            ),
        ),
        Method(
            "Categories",
            "createCategories",
            Verb.POST,
            "Adds category values below an existing configuration or category.",
            payload=Payload(
                "category",
                fields=(
                    PField("parent_category_id", "Parent ID"),
                    PField("category_id", "Category ID", required=True),
                    PField("label", "Label", required=True),
                    PField("value", "Value", required=True),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                category_id_empty="Category ID {x} of {y} Empty",
                category_id_exists="Category ID {x} of {y} already exist",
                parent_id_empty="Parent ID {x} of {y} Empty",
                parent_id_not_found="Parent ID {x} of {y} does not exist",
                label_empty="Label {x} of {y} Empty",
                label_not_found="Label {x} of {y} does not exist",
                value_empty="Value {x} of {y} Empty",
            ),
            sources="PHP+DOC",
            guesses=(
                "Answers 201 with `<response><categories><category><category_id/>…`.",
                "Without parent_category_id the value goes directly below the configuration named by label.",
                "A parent outside the configuration named by label is `Parent ID x of y does not exist`.",
                "A parent may be a category created by an earlier item of the same request.",
                "An id repeated within one request is `Category ID x of y already exist` for the later item.",
            ),
        ),
        Method(
            "Categories",
            "createCategoryConfigurations",
            Verb.POST,
            "Creates top-level categories (configurations) of type Tree or a date type.",
            payload=Payload(
                "category",
                fields=(
                    PField("category_id", "Category ID", required=True),
                    PField("label", "Label", required=True),
                    PField(
                        "type",
                        "Type",
                        PType.ENUM,
                        choices=CONFIGURATION_TYPES,
                        invalid="Type {x} of {y} invalid",
                    ),
                    PField("colour", "Color", aliases=("color",), invalid="Color {x} of {y} invalid"),
                    PField("value_type", "Value Type"),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                category_id_empty="Category ID {x} of {y} Empty",
                category_id_exists="Category ID {x} of {y} exists",
                label_empty="Label {x} of {y} Empty",
                label_exists="Label {x} of {y} exists",
                type_invalid="Type {x} of {y} invalid",
                color_invalid="Color {x} of {y} invalid",
            ),
            sources="PHP+DOC",
            guesses=(
                "type defaults to Tree; Detach_Date is accepted beside Quarantine_Date and "
                "Deletion_Date (the vendor's fixture shows a built-in `Detach Date` configuration; "
                "the type's spelling follows the other two).",
                "colour must be a hex colour (#RRGGBB or RRGGBB).",
                "PHP's `value_type` is accepted and stored without meaning.",
                "Answers 201 with `<response><categories><category><category_id/>…`.",
                "Category ids are unique across configurations and values of an account.",
                "An id or label repeated within one request is reported as existing for the later item.",
                "colour is stored upper-case without '#'.",
            ),
        ),
        Method(
            "Categories",
            "deleteCategories",
            Verb.DELETE,
            "Deletes category values given as label;id or label;value pairs.",
            params=(QueryParam("categories", mandatory=True, empty_error="category_ids_empty"),),
            errors=errs(
                category_ids_empty="Category IDs Empty",
                category_id_empty="Category ID {x} of {y} Empty",
                category_id_not_found="Category ID {x} of {y} does not exist",
            ),
            sources="PHP+DOC",
            guesses=(
                "A category's sub-tree is deleted with it.",
                "A pair without `;` is read as a bare category id.",
                "In `label;x`, x is first read as a category id, else as a value: every category with "
                "that value below the configuration named by label is deleted (PHP documents "
                "`Location;London`).",
                "A label that is not the category's configuration label, or the id of a configuration "
                "(deleted with deleteCategoryConfigurations), is `Category ID x of y does not exist`.",
                "Attachments of the deleted categories to nodes, links, contacts and calls are removed.",
            ),
        ),
        Method(
            "Categories",
            "deleteCategoryConfigurations",
            Verb.DELETE,
            "Deletes top-level categories with every value below them.",
            params=(QueryParam("categories_ids", mandatory=True, empty_error="category_ids_empty"),),
            errors=errs(
                category_ids_empty="Category IDs Empty",
                category_id_empty="Category ID {x} of {y} is empty",
                category_id_not_found="Category ID {x} of {y} does not exist",
            ),
            sources="PHP+DOC",
            guesses=(
                "`Category IDs Empty` is borrowed from deleteCategories.",
                "The id of a value (not a configuration) is `Category ID x of y does not exist`.",
            ),
        ),
    ),
)
