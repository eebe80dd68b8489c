"""API keys of organisations for the JSON API: made by staff (``ecert api-keys``), presented
as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, limited and counted per key.

``keys`` makes and reads the key text (pure), ``service`` keeps the rows (create, list,
revoke: each with its audit event; authenticate; count use per day), ``commands`` is the
``ecert api-keys`` group. ``ApiKeyError`` (``service``) is the package's one exception: a
code and its parameters, words at the edge.

In the kernel because three features meet here: the verifier's API authenticates and
counts, the console shows usage, the composition root's CLI creates and revokes.
"""
