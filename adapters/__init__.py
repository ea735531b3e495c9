"""Implementations of the domain's ports and of infrastructure the app starts."""
