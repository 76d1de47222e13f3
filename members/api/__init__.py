"""The REST API (``/api/v1/``): a thin layer over the services and selectors, authenticated by
organization API tokens. Built with django-ninja (Pydantic schemas, OpenAPI 3.1)."""
