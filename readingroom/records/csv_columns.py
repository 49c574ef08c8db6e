"""The columns of a record as a CSV row: what the CSV importer reads and the CSV export writes, in that order.

SCALAR columns hold one value; MULTI columns hold several, separated by ";". DERIVED columns say what the schema
derives from the record (`withheld`: the markers of passages withheld at declassification, docs/withheld.md).
"""

SCALAR = (
    "id",
    "title",
    "status",
    "date",
    "date_text",
    "summary",
    "number",
    "text",
    "text_kind",
    "text_language",
    "translator",
    "dateline_place",
    "repository",
    "archival_reference",
    "source_description",
    "funder_credit",
    "rights",
    "rights_uri",
    "publisher",
    "signature",
    "embargo_until",
    "original_uploaded",
)
MULTI = (
    "document_types",
    "classification",
    "languages",
    "places",
    "subjects",
    "persons",
    "collections",
    "funders",
    "creators",
    "recipients",
    "contributors",
)
DERIVED = ("withheld",)
"""Written by the export, read by no one: the schema derives them from the text (an import ignores the cell)."""
COLUMNS = SCALAR + MULTI + DERIVED
