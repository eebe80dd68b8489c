"""Codes of the verifier's core → words in the language of the request or command.

The core (``verifier.verdict``, ``verifier.pdf``, ``verifier.qr``) answers with codes and
parameters; the pages, the API and the commands call these functions to say them, so one
outcome is worded the same everywhere. Messages are written in Chinese and translated
through the catalogues (``ecert.i18n``).
"""
