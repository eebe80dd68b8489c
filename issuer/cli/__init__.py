"""Operator commands of the issuer: ``ecert issue``, ``batches``, ``worker``, ``revoke``, ``reinstate``, ``correct``, ``export``, ``pki …`` and ``use-copies expire``.

Thin: parse, call a service, say the outcome in the operator's language (``words``)."""

from issuer.cli.batches import batches_command, worker_command
from issuer.cli.export import export_command
from issuer.cli.issue import issue_command
from issuer.cli.lifecycle import correct_command, reinstate_command, revoke_command
from issuer.cli.pki import pki_group
from issuer.cli.renewal import renew_timestamps_command
from issuer.cli.use_copies import use_copies_group

__all__ = [
    "batches_command",
    "correct_command",
    "export_command",
    "issue_command",
    "pki_group",
    "reinstate_command",
    "renew_timestamps_command",
    "revoke_command",
    "use_copies_group",
    "worker_command",
]
