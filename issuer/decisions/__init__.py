"""The approved-decisions CSV read by ``ecert issue DECISIONS.csv`` (``docs/decisions-csv.md``).

``fields`` defines the decision's fields once; ``csvfile`` reads a file (encoding, header);
``rows`` checks one row. Problems are codes with parameters: the command says the words.
"""

from issuer.decisions.csvfile import DecisionFileProblem, ParsedDecisions, parse_decisions
from issuer.decisions.rows import Decision, Provenance, RowError, validate_record

__all__ = [
    "Decision",
    "DecisionFileProblem",
    "ParsedDecisions",
    "Provenance",
    "RowError",
    "parse_decisions",
    "validate_record",
]
