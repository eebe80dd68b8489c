"""Employer API, versioned under ``/api/v1``: JSON in, JSON out, described by
``verifier/views/openapi.yaml`` (served at ``/api/v1/openapi.yaml`` and ``/api/v1/openapi.json``).

``routes`` has the views, ``batch`` the parsing of batch bodies, ``errors`` the JSON errors
(stable codes; messages in the request's language) and ``responses`` the JSON responses.
"""

from verifier.views.api.routes import bp

__all__ = ["bp"]
