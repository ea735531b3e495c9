"""Taskiq broker, tasks and schedules: thin wrappers around domain services."""
