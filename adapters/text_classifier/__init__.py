"""The spaCy text classifier behind the domain's ``TextClassifier`` port.

Frontdesk trains its own ticket models (category, severity) from scratch, from
labelled examples, with no downloaded vectors; ``docs/classifier.md`` explains
the model. spaCy stays in this package: the domain sees only the port.
"""

from adapters.text_classifier.architecture import ARCHITECTURE
from adapters.text_classifier.classifier import SpacyTextClassifier
from adapters.text_classifier.labelled_csv import (
    LabelledDataError,
    LabelledExamples,
    read_labelled_csv,
)
from adapters.text_classifier.metrics import ClassScores, EvaluationReport, evaluate
from adapters.text_classifier.model_dir import (
    ModelDirectoryError,
    latest_model_dir,
    models_root,
    new_version,
    read_metadata,
    set_latest,
)
from adapters.text_classifier.training import (
    ArchitectureSettings,
    TrainingDataError,
    TrainingResult,
    TrainingSettings,
    train,
)

__all__ = [
    "ARCHITECTURE",
    "ArchitectureSettings",
    "ClassScores",
    "EvaluationReport",
    "LabelledDataError",
    "LabelledExamples",
    "ModelDirectoryError",
    "SpacyTextClassifier",
    "TrainingDataError",
    "TrainingResult",
    "TrainingSettings",
    "evaluate",
    "latest_model_dir",
    "models_root",
    "new_version",
    "read_labelled_csv",
    "read_metadata",
    "set_latest",
    "train",
]
