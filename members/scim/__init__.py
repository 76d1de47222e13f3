"""SCIM 2.0 (RFC 7643, RFC 7644) at ``/scim/v2/``: a thin protocol layer over the provisioning services.
Payloads are parsed, validated, patched and serialised by scim2-models."""
