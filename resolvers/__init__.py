"""Thin functions behind root fields: read input, call the domain, shape the result."""
