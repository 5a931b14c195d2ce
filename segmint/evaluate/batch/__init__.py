"""Batch evaluation: logical plans compiled to SQL (sqlglot ASTs) and run as segment jobs."""
