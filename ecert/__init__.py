"""Shared kernel of the ecert service: settings, database, models, blob store, audit log.

The kernel imports no feature package; only ``ecert.app`` and ``ecert.cli`` (the
composition root) see ``issuer``, ``verifier`` and ``legacy_import``.

Exceptions: ``EcertError`` is the base of everything the kernel raises;
``ConfigurationError`` means the settings cannot be used (missing secret in
production, unreadable PIN file, ...).
"""

import warnings

# cryptography 51 deprecates DSA, which pyHanko imports and ecert never uses: the warning
# would be printed on every command's stderr, noise to operators and to scripts reading it.
warnings.filterwarnings("ignore", message="DSA is deprecated")


class EcertError(Exception):
    """Base of the kernel's exceptions."""


class ConfigurationError(EcertError):
    """The settings are incomplete or contradictory."""


class NumberFormatError(EcertError):
    """A certificate number is malformed or its check character does not match."""
