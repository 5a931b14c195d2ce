"""Seeded, realistic data of an online retailer: CRM profiles, web/app/email events, identities.

Used by ``segmint demo``, by tests and by benchmarks; the same seed and sizes give the same
bytes on every machine.
"""

from __future__ import annotations

from segmint.demo.generator import DEFAULT_END, DemoFiles, DemoTables, generate, generate_tables

__all__ = ["DEFAULT_END", "DemoFiles", "DemoTables", "generate", "generate_tables"]
