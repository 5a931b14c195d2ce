"""The REST API: a FastAPI app over the same store and ingest functions the CLI calls."""
