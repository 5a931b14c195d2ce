"""Segment membership: the ledger of who is in which segment, with every transition kept."""
