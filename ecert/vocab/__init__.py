"""The kernel's vocabulary: the rules for words and identifiers that issuer and verifier share.

Each rule lives once: ``names`` (how holders' names are compared), ``tokens`` (the shape of
a verification token), ``masking`` (how names are shown to the public), ``numbering``
(certificate numbers), ``idnumber`` (ID numbers), ``titles`` (series, levels, 文号).
"""
