"""Training on the hand-written fixture: it learns, saves, reloads and says what it is."""

import json
import re
from pathlib import Path

import pytest
import spacy

from adapters.text_classifier import (
    ModelDirectoryError,
    SpacyTextClassifier,
    TrainingDataError,
    TrainingResult,
    TrainingSettings,
    read_labelled_csv,
    read_metadata,
    train,
)
from domain.ports import TextClassifier

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "support_tickets.csv"
FAST = TrainingSettings(holdout=0.25, seed=1, min_steps=150)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainingResult:
    examples = read_labelled_csv(FIXTURE, "text", "category")
    output = tmp_path_factory.mktemp("models") / "category"
    return train(examples.texts, examples.labels, output, settings=FAST)


def test_it_learns_the_fixture_well_above_chance(trained: TrainingResult) -> None:
    assert trained.report is not None
    assert trained.report.examples == 16  # a quarter of each label's 16 examples
    assert trained.report.accuracy >= 0.75  # chance is 0.25
    assert trained.labels == ("access", "billing", "bug", "delivery")
    assert trained.trained_on == 48


def test_obvious_tickets_get_their_category(trained: TrainingResult) -> None:
    classifier = SpacyTextClassifier.load(trained.output_dir)

    guesses = classifier.classify(
        [
            "I was charged twice, please refund me",
            "I cannot log in, my password reset does not work",
            "my parcel never arrived, where is my order",
            "the app crashes with an error when I click save",
        ]
    )

    assert [g.label for g in guesses] == ["billing", "access", "delivery", "bug"]
    assert all(0.25 < g.confidence <= 1.0 for g in guesses)


def test_a_reloaded_model_predicts_exactly_what_the_first_load_did(
    trained: TrainingResult,
) -> None:
    texts = ["refund my invoice", "locked out of my account", "", "zzz qqq", "délivery late 123"]

    first = SpacyTextClassifier.load(trained.output_dir).classify(texts)
    second = SpacyTextClassifier.load(trained.output_dir).classify(texts)

    assert first == second
    assert len(first) == len(texts)


@pytest.mark.parametrize(
    "texts",
    [
        ["refund my invoice", "locked out!", "", "zzz qqq", "the parcel, the parcel"],
        ["", "  ", "?!"],  # a batch with no words at all: spaCy's textcat scores it 0
    ],
)
def test_classify_gives_what_spacy_pipe_writes_to_doc_cats(
    trained: TrainingResult, texts: list[str]
) -> None:
    classifier = SpacyTextClassifier.load(trained.output_dir)
    docs = list(spacy.load(trained.output_dir).pipe(texts))

    guesses = [(g.label, g.confidence) for g in classifier.classify(texts)]

    assert guesses == [max(doc.cats.items(), key=lambda item: item[1]) for doc in docs]
    expected = [[doc.cats[label] for label in classifier.labels] for doc in docs]
    assert classifier.probabilities(texts).tolist() == expected


def test_it_implements_the_port_and_reports_version_and_labels(trained: TrainingResult) -> None:
    classifier: TextClassifier = SpacyTextClassifier.load(trained.output_dir)

    assert classifier.labels == ("access", "billing", "bug", "delivery")
    assert classifier.version == trained.version
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z", classifier.version)
    assert classifier.classify([]) == []


def test_metadata_records_what_was_trained_and_how(trained: TrainingResult) -> None:
    raw = json.loads((trained.output_dir / "frontdesk-model.json").read_text(encoding="utf-8"))

    assert raw["version"] == trained.version
    assert raw["labels"] == ["access", "billing", "bug", "delivery"]
    assert (raw["trained_on"], raw["held_out"]) == (48, 16)
    assert raw["settings"]["holdout"] == 0.25
    assert raw["settings"]["architecture"]["char_max_n"] == 5
    assert raw["evaluation"]["examples"] == 16
    assert read_metadata(trained.output_dir).version == trained.version


def test_a_directory_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelDirectoryError, match="no such model directory"):
        SpacyTextClassifier.load(tmp_path / "missing")
    with pytest.raises(ModelDirectoryError, match="not a Frontdesk model"):
        SpacyTextClassifier.load(tmp_path)
    (tmp_path / "frontdesk-model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelDirectoryError, match="unreadable model metadata"):
        SpacyTextClassifier.load(tmp_path)
    (tmp_path / "frontdesk-model.json").write_text(
        json.dumps({"format": 1, "version": "v", "labels": ["a", "b"]}), encoding="utf-8"
    )
    with pytest.raises(ModelDirectoryError, match="spaCy pipeline does not load"):
        SpacyTextClassifier.load(tmp_path)


def test_bad_training_input_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "model"
    with pytest.raises(TrainingDataError, match="two different labels"):
        train(["a", "b"], ["x", "x"], output)
    with pytest.raises(TrainingDataError, match="2 texts but 1 labels"):
        train(["a", "b"], ["x"], output)
    with pytest.raises(TrainingDataError, match="holdout"):
        train(["a", "b"], ["x", "y"], output, settings=TrainingSettings(holdout=1.0))
    assert list(tmp_path.iterdir()) == []


def test_it_never_overwrites_an_existing_model(trained: TrainingResult) -> None:
    before = sorted(p.name for p in trained.output_dir.iterdir())

    with pytest.raises(FileExistsError, match="not an empty directory"):
        train(["a", "b"], ["x", "y"], trained.output_dir, settings=FAST)

    assert sorted(p.name for p in trained.output_dir.iterdir()) == before
    assert [p.name for p in trained.output_dir.parent.iterdir()] == [trained.output_dir.name]
