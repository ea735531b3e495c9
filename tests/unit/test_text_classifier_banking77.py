"""A real-data check: ten BANKING77 intents, official train/test files, a sensible floor.

The data lives beside the repository (``../shared/data``) and is never copied
into it; the test skips only when that directory is absent.
"""

from pathlib import Path

import pytest

from adapters.text_classifier import (
    SpacyTextClassifier,
    TrainingSettings,
    evaluate,
    read_labelled_csv,
    train,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77"
INTENTS = 10


@pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} is absent")
def test_ten_banking_intents_are_learnt_well(tmp_path: Path) -> None:
    train_set = read_labelled_csv(DATA / "train.csv", "text", "category")
    test_set = read_labelled_csv(DATA / "test.csv", "text", "category")
    intents = set(sorted(set(train_set.labels))[:INTENTS])
    pairs = [(t, y) for t, y in zip(train_set.texts, train_set.labels, strict=True) if y in intents]
    tests = [(t, y) for t, y in zip(test_set.texts, test_set.labels, strict=True) if y in intents]

    result = train(
        [t for t, _ in pairs],
        [y for _, y in pairs],
        tmp_path / "m",
        settings=TrainingSettings(holdout=0.0),
    )
    classifier = SpacyTextClassifier.load(result.output_dir)
    predicted = [g.label for g in classifier.classify([t for t, _ in tests])]
    report = evaluate([y for _, y in tests], predicted, sorted(intents))

    assert len(tests) == 40 * INTENTS
    assert report.macro_f1 >= 0.85, report.per_class
