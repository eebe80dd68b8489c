"""The approved-decisions CSV read by ``ecert issue DECISIONS.csv`` (``docs/decisions-csv.md``).

``fields`` defines the decision's fields once; ``rows`` checks one row.
"""

from issuer.decisions.fields import COLUMNS, CORRECTABLE_COLUMNS, FIELDS, REQUIRED_COLUMNS
from issuer.decisions.rows import Decision, ParsedDecisions, RowError, parse_decisions, validate_record

__all__ = [
    "COLUMNS",
    "CORRECTABLE_COLUMNS",
    "FIELDS",
    "REQUIRED_COLUMNS",
    "Decision",
    "ParsedDecisions",
    "RowError",
    "parse_decisions",
    "validate_record",
]
