"""Composition root: settings, wiring of adapters, CLI and process entry points.

The only package allowed to import ``adapters``.
"""
