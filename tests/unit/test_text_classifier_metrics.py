"""Evaluation metrics on small hand-made cases, checked to the exact number."""

import pytest

from adapters.text_classifier import evaluate
from adapters.text_classifier.metrics import confusion_matrix
from adapters.text_classifier.splits import stratified_split


def test_a_perfect_prediction_scores_one_everywhere() -> None:
    report = evaluate(["a", "b", "b"], ["a", "b", "b"])

    assert report.accuracy == 1.0
    assert report.macro_f1 == 1.0
    assert report.per_class["b"].support == 2
    assert report.confusion_matrix == ((1, 0), (0, 2))


def test_scores_of_a_mixed_prediction_are_exact() -> None:
    truth = ["cat", "cat", "cat", "dog", "dog", "bird"]
    predicted = ["cat", "cat", "dog", "dog", "cat", "cat"]

    report = evaluate(truth, predicted, ["cat", "dog", "bird"])

    assert report.examples == 6
    assert report.accuracy == pytest.approx(3 / 6)
    cat = report.per_class["cat"]
    assert cat.precision == pytest.approx(2 / 4)
    assert cat.recall == pytest.approx(2 / 3)
    assert cat.support == 3
    assert cat.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    dog = report.per_class["dog"]
    assert (dog.precision, dog.recall, dog.f1) == (0.5, 0.5, 0.5)
    assert report.per_class["bird"].f1 == 0.0  # never predicted: precision 0 by definition
    assert report.macro_f1 == pytest.approx((4 / 7 + 0.5 + 0.0) / 3)
    assert report.labels == ("cat", "dog", "bird")
    assert report.confusion_matrix == ((2, 1, 0), (1, 1, 0), (1, 0, 0))


def test_a_label_absent_from_truth_and_predictions_does_not_count_in_macro_f1() -> None:
    report = evaluate(["a", "b"], ["a", "a"], ["a", "b", "never"])

    assert report.macro_f1 == pytest.approx((2 / 3 + 0.0) / 2)
    assert report.per_class["never"].support == 0


def test_json_form_names_every_field() -> None:
    document = evaluate(["a", "b"], ["a", "b"]).to_json()

    assert set(document) == {"examples", "accuracy", "macro_f1", "per_class", "confusion_matrix"}
    assert document["per_class"]["a"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert document["confusion_matrix"] == {"labels": ["a", "b"], "matrix": [[1, 0], [0, 1]]}


def test_confusion_matrix_refuses_labels_outside_the_order() -> None:
    with pytest.raises(ValueError, match="missing from the label order: z"):
        confusion_matrix(["a"], ["z"], ["a"])
    with pytest.raises(ValueError, match="1 true labels but 2 predictions"):
        confusion_matrix(["a"], ["a", "a"], ["a"])


def test_an_empty_evaluation_is_all_zero() -> None:
    report = evaluate([], [], ["a"])

    assert (report.examples, report.accuracy, report.macro_f1) == (0, 0.0, 0.0)


def test_stratified_split_keeps_each_labels_share_and_depends_only_on_the_seed() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 1

    kept, held = stratified_split(labels, 0.2, seed=3)

    assert sorted(kept + held) == list(range(16))
    assert [labels[i] for i in held].count("a") == 2
    assert [labels[i] for i in held].count("b") == 1
    assert "c" not in [labels[i] for i in held]  # a single example must stay in training
    assert stratified_split(labels, 0.2, seed=3) == (kept, held)
    assert stratified_split(labels, 0.2, seed=4) != (kept, held)
    assert stratified_split(labels, 0.0, seed=3) == (list(range(16)), [])
