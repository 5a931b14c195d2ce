"""Pydantic bodies of the REST API, one module per resource; field names are camelCase on
the wire, as in the commercial platform's API."""
