"""The record schema: every view derives its columns from the fields' metadata."""

from dataclasses import make_dataclass

import numpy as np
import pytest

from fashionclasstic.records import CaseRecord, RunInfo, column, columns, metric, parse_case_name, rule_fields
from fashionclasstic.reporting.tables import csv_header, table_headers


def test_a_new_metric_is_one_field():
    from sklearn.metrics import balanced_accuracy_score

    extended = make_dataclass("Extended", [("balanced_accuracy", float | None,
                                            metric("bal. acc.", balanced_accuracy_score))], bases=(CaseRecord,))
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


def test_run_info_reads_old_and_partial_documents():
    info = RunInfo.from_dict({"id": "r", "exit_status": None, "machine": {"processor": "old CPU"}, "unknown": 1})
    assert info.id == "r" and info.processor == "old CPU" and not info.complete
    assert dict(info.display_items())["exit status"].startswith("?, run incomplete")


def test_best_is_the_best_passed_model_never_a_failed_one():
    from fashionclasstic.records import best_model
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
