"""The record schema: every view derives its columns from the fields' metadata."""

from dataclasses import make_dataclass

import numpy as np
import pytest

from fashionclasstic.case_names import parse_case_name
from fashionclasstic.machine import cpu_name
from fashionclasstic.records import CaseRecord, RunInfo, column, columns, judged_fields, metric
from fashionclasstic.reporting.formatting import best_model, cell_text, run_items
from fashionclasstic.reporting.tables import csv_header, table_headers


def rule_fields(record_type=CaseRecord) -> dict[str, str]:
    """``{rule name of compare --fail-on: field name}``."""
    return {rule: f.name for rule, f in judged_fields(record_type).items()}


def balanced_schema():
    """The schema with one more metric, as a user adds it."""
    from sklearn.metrics import balanced_accuracy_score

    return make_dataclass("Extended", [("balanced_accuracy", float | None,
                                        metric("bal. acc.", balanced_accuracy_score))], bases=(CaseRecord,))


def test_a_new_metric_is_one_field():
    extended = balanced_schema()
    record = extended(model="m", n_test=4)
    record.score(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]))
    assert record.accuracy == 0.75 and record.balanced_accuracy == 0.5
    assert "balanced_accuracy" in [f.name for f in columns("csv", extended)]
    assert "bal. acc." in [f.metadata["label"] for f in columns("table", extended)]
    assert record.benchmark_info()["balanced_accuracy"] == 0.5
    assert rule_fields(extended)["balanced_accuracy"] == "balanced_accuracy"


def test_the_views_follow_the_schema():
    assert table_headers()[:3] == ["", "model", "family / framework"] and "ms/img" in table_headers()
    assert csv_header()[:3] == ["rank", "best", "model"] and "classification_report" not in csv_header()
    assert rule_fields() == {"accuracy": "accuracy", "macro_f1": "macro_f1", "train_time": "train_seconds",
                             "inference_time": "inference_seconds", "train_memory": "train_memory",
                             "inference_memory": "inference_memory"}
    with pytest.raises(ValueError, match="unknown views"):  # checked where the field is declared
        column(show="tabel")


def test_derived_fields_and_schema_1_records():
    record = CaseRecord.from_dict({"model": "m", "accuracy": 0.9, "min_accuracy": 0.95, "n_test": 2000,
                                   "inference_seconds": 2.0, "report": "old name"})
    assert record.gate == "FAIL" and record.inference_ms_per_image == 1.0
    assert record.classification_report == "old name"


def test_case_names_are_parsed_in_one_place():
    assert parse_case_name("benchmarks/test_models.py::test_train[logreg]") == ("train", "logreg")
    assert parse_case_name("test_inference[a[b]]") == ("inference", "a[b]")
    assert parse_case_name("tests/test_x.py::test_other[logreg]") is None


def test_a_new_metric_is_averaged_over_the_repeats_like_accuracy():
    """Each repeat keeps every metric; the record's value is their mean (the accuracy's spread too)."""
    extended = balanced_schema()
    record = extended(model="m", n_test=4)
    truth = np.array([0, 0, 0, 1])
    for seed, predictions in enumerate(([0, 0, 0, 0], [0, 0, 1, 1])):
        record.score(truth, np.array(predictions))
        record.repeats.append({"seed": seed, **record.repeat_scores()})
    assert [r["balanced_accuracy"] for r in record.repeats] == [0.5, pytest.approx(5 / 6)]
    record.summarize_repeats()
    assert record.balanced_accuracy == pytest.approx((0.5 + 5 / 6) / 2)  # not the last repeat's 5/6
    assert record.accuracy == pytest.approx(0.75) and record.accuracy_std == pytest.approx(0.0)
    assert cell_text(record, next(f for f in columns("table", extended) if f.name == "accuracy")) == (
        "0.7500 ± 0.0000 (n=2)")


def test_the_case_averages_a_new_metric_over_its_repeats(monkeypatch):
    """The benchmark case itself (fit, evaluate per seed, summarize) with a schema of one more
    metric: what ``--fc-repeats 2`` does to every metric field."""
    from dataclasses import asdict

    from fashionclasstic.cases import ModelCase
    from fashionclasstic.data import FashionMNIST
    from fashionclasstic.models import ModelContext, get_model_spec
    from fashionclasstic.profiles import get_profile

    rng = np.random.default_rng(0)
    data = FashionMNIST(x_train=rng.random((200, 28, 28), dtype=np.float32), y_train=np.arange(200) % 10,
                        x_test=rng.random((50, 28, 28), dtype=np.float32), y_test=np.arange(50) % 10,
                        source="synthetic")
    case = ModelCase(get_model_spec("decision_tree"), get_profile("smoke"), ModelContext(seed=0, threads=1), data,
                     None, repeats=2)
    case.record = balanced_schema()(**asdict(case.record))
    for round_index in range(2):
        case.start_round(round_index)
        case.fit()
        case.evaluate()
    case.summarize([1.0, 1.0], [1.0, 1.0])
    per_seed = [r["balanced_accuracy"] for r in case.record.repeats]
    assert len(per_seed) == 2 and per_seed[0] != per_seed[1]  # two seeds, two trees
    assert case.record.balanced_accuracy == pytest.approx(sum(per_seed) / 2)
    assert case.record.accuracy == pytest.approx(sum(r["accuracy"] for r in case.record.repeats) / 2)


def test_run_info_reads_old_and_partial_documents():
    info = RunInfo.from_dict({"id": "r", "exit_status": None, "machine": {"processor": "old CPU"}, "unknown": 1})
    assert info.id == "r" and cpu_name(info.machine) == "old CPU" and not info.complete
    assert dict(run_items(info))["exit status"].startswith("?, run incomplete")


def test_best_is_the_best_passed_model_never_a_failed_one():
    from fashionclasstic.reporting.tables import csv_rows, table_rows

    records = [CaseRecord(model="failed_gate", accuracy=0.95, status="failed", reason="below its gate"),
               CaseRecord(model="erred", accuracy=0.97, status="error"),
               CaseRecord(model="good", accuracy=0.90, status="passed"),
               CaseRecord(model="worse", accuracy=0.80, status="passed")]
    assert best_model(records) == "good"
    assert [row[0] for row in table_rows(records)] == ["", "", "best", ""]
    assert [row[1] for row in csv_rows(records)] == ["", "", "best", ""]
    assert best_model(records[:2]) is None


def test_merging_phases_keeps_both_node_ids_and_the_worse_status():
    train = CaseRecord(model="m", status="passed", node_ids={"train": "t.py::test_train[m]"}, accuracy=0.9)
    train.merge(CaseRecord(model="m", status="interrupted", reason="SIGINT",
                           node_ids={"inference": "t.py::test_inference[m]"}))
    assert train.node_ids == {"train": "t.py::test_train[m]", "inference": "t.py::test_inference[m]"}
    assert (train.status, train.reason, train.accuracy) == ("interrupted", "SIGINT", 0.9)
    inference = CaseRecord(model="m", seed=3, train_memory=5)
    inference.merge(CaseRecord(model="m", seed=0, train_memory=5, inference_memory=0))  # 0 bytes: measured
    assert (inference.seed, inference.inference_memory) == (3, 0)
