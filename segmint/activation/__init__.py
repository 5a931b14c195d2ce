"""Activation: audiences leave Segmint as files (and, later, to destinations)."""
