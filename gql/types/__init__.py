"""Strawberry types, one module per capability."""
