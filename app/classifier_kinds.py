"""Which model a command trains: the category classifier or the severity model."""

from enum import StrEnum


class ModelKind(StrEnum):
    category = "category"
    severity = "severity"
