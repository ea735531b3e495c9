"""``train-classifier`` and ``evaluate-classifier`` as an operator runs them (no database)."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from app.classifier_commands import register

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "support_tickets.csv"
TRAIN = ["train-classifier", "--from-csv", str(FIXTURE), "--label-col", "category"]


def frontdesk() -> typer.Typer:
    cli = typer.Typer()
    register(cli)
    return cli


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("cli") / "model"
    result = CliRunner().invoke(frontdesk(), [*TRAIN, "--output", str(output), "--seed", "1"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{output}\n"
    assert "macro-F1" in result.stderr
    return output


def test_training_without_output_installs_a_version_and_points_latest_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(frontdesk(), [*TRAIN, "--kind", "severity", "--holdout", "0.25"])

    assert result.exit_code == 0, result.stderr
    root = tmp_path / "models" / "severity"
    version = (root / "LATEST").read_text(encoding="utf-8").strip()
    assert result.stdout == f"{root / version}\n"
    assert sorted(p.name for p in root.iterdir()) == sorted(["LATEST", version])
    metadata = json.loads((root / version / "frontdesk-model.json").read_text(encoding="utf-8"))
    assert (metadata["kind"], metadata["version"]) == ("severity", version)


def test_evaluate_json_is_one_object_with_every_field(model_dir: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "eval.csv"
    labelled.write_text(
        "body,team\nI was charged twice,billing\nMy parcel is lost,delivery\n"
        "Where is the manual?,docs\n,billing\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(
        frontdesk(),
        [
            "evaluate-classifier",
            "--model",
            str(model_dir),
            "--csv",
            str(labelled),
            "--text-col",
            "body",
            "--label-col",
            "team",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "examples"} <= set(report)
    assert report["examples"] == 3
    assert report["unknown_labels"] == ["docs"]  # counted as an error
    assert report["accuracy"] <= 2 / 3
    assert report["skipped_blank"] == 1
    assert report["confusion_matrix"]["labels"][-1] == "docs"
    assert (
        report["model_version"]
        == json.loads((model_dir / "frontdesk-model.json").read_text(encoding="utf-8"))["version"]
    )
    assert set(report["per_class"]["billing"]) == {"precision", "recall", "f1", "support"}


def test_evaluate_prints_a_table_without_json(model_dir: Path) -> None:
    result = CliRunner().invoke(
        frontdesk(),
        [
            "evaluate-classifier",
            "--model",
            str(model_dir),
            "--csv",
            str(FIXTURE),
            "--label-col",
            "category",
        ],
    )

    assert result.exit_code == 0, result.stderr
    assert "accuracy" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-col", "body"], "no column 'body' (columns: text, category)"),
        (["--label-col", "team"], "no column 'team'"),
    ],
)
def test_a_bad_column_fails_in_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        frontdesk(),
        ["train-classifier", "--from-csv", str(FIXTURE), "--label-col", "category", *args],
    )

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("frontdesk: ") and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_model_or_file_fails_in_one_line(tmp_path: Path, model_dir: Path) -> None:
    not_a_model = CliRunner().invoke(
        frontdesk(), ["evaluate-classifier", "--model", str(tmp_path), "--csv", str(FIXTURE)]
    )
    missing_csv = CliRunner().invoke(
        frontdesk(),
        ["evaluate-classifier", "--model", str(model_dir), "--csv", str(tmp_path / "x.csv")],
    )
    one_label = tmp_path / "one.csv"
    one_label.write_text("text,label\na,x\nb,x\n", encoding="utf-8")
    too_few = CliRunner().invoke(
        frontdesk(),
        ["train-classifier", "--from-csv", str(one_label), "--output", str(tmp_path / "m")],
    )
    existing = CliRunner().invoke(frontdesk(), [*TRAIN, "--output", str(model_dir)])

    assert (not_a_model.exit_code, not_a_model.stderr) == (
        2,
        f"frontdesk: {tmp_path}: not a Frontdesk model (no frontdesk-model.json)\n",
    )
    assert missing_csv.exit_code == 2 and "x.csv: no such file" in missing_csv.stderr
    assert too_few.exit_code == 2 and "at least two different labels" in too_few.stderr
    assert existing.exit_code == 2 and "is not an empty directory" in existing.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]
