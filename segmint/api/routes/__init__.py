"""One router per resource; each calls the same store and ingest functions as the CLI."""
