"""Durable streaming into a sandbox: the service behind ``segmint stream`` and ``/collection``."""
