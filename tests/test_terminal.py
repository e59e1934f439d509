"""The terminal's comparison table: the columns asked for, long reasons shortened, columns
dropped from the right (and named) when even those cannot fit; ``--fc-columns`` read once."""

from __future__ import annotations

import pytest

from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord
from fashionclasstic.reporting.tables import (
    TERMINAL_COLUMNS,
    column_names,
    selected_columns,
    table_headers,
    terminal_table,
)

REASON = ("decision_tree: accuracy mean of 2 seeds 0.7470 is below the minimum 0.9900 for profile 'smoke' "
          "(threshold from /home/someone/projects/thresholds/impossible.toml)")


def records() -> list[CaseRecord]:
    repeats = [{"seed": 0, "accuracy": 0.74}, {"seed": 1, "accuracy": 0.754}]
    return [
        CaseRecord(model="logreg", family="linear", framework="scikit-learn", profile="smoke", status="passed",
                   accuracy=0.8390, min_accuracy=0.8, train_seconds=12.5, inference_seconds=0.052,
                   train_memory=13_900_000, parameter_count=7850, n_test=1000),
        CaseRecord(model="decision_tree", family="tree", framework="scikit-learn", profile="smoke", status="failed",
                   reason=REASON, accuracy=0.7470, accuracy_std=0.01, repeats=repeats, min_accuracy=0.99,
                   train_seconds=8.1, inference_seconds=0.001, train_memory=286_700, n_test=1000),
    ]


def widest(text: str) -> int:
    return max(len(line.encode()) for line in text.splitlines())


@pytest.mark.parametrize("width", [120, 100, 80, 60])
def test_the_table_never_exceeds_the_width_and_keeps_model_and_status(width):
    table, dropped = terminal_table(records(), TERMINAL_COLUMNS, width)
    assert widest(table) <= width
    header = table.splitlines()[0].split()
    assert header[0] == "model" and header[-1] == "status"
    assert "failed: decision_" in table and "..." in table  # the reason, shortened
    assert not set(dropped) & {"model", "status"}
    assert [label for label in ("accuracy", "gate", "train s", "infer s", "train mem.")
            if label not in table.splitlines()[0]] == [label for label in dropped]


def test_a_wide_terminal_shows_the_compact_set_whole():
    table, dropped = terminal_table(records(), TERMINAL_COLUMNS, 400)
    assert dropped == [] and REASON in table
    assert table.splitlines()[0].split() == ["model", "accuracy", "gate", "train", "s", "infer", "s", "train",
                                             "mem.", "status"]
    assert "0.7470 ± 0.0100 (n=2)" in table


def test_columns_are_dropped_from_the_right_and_named():
    table, dropped = terminal_table(records(), selected_columns("all"), 120)
    assert widest(table) <= 120 and dropped
    labels = table_headers(records())[1:]  # every column, in the table's order
    others = [label for label in labels if label not in ("model", "status")]
    assert dropped == others[len(others) - len(dropped):]
    header = table.splitlines()[0]
    assert all(label in header for label in others[:len(others) - len(dropped)])
    assert header.split()[-1] == "status"


def test_numbers_are_right_aligned():
    table, _ = terminal_table(records(), TERMINAL_COLUMNS, 200)
    logreg, tree = table.splitlines()[2:4]
    assert logreg.index("12.5") + len("12.5") == tree.index("8.1") + len("8.1")


def test_fc_columns_names_fields_or_labels_in_the_tables_order():
    assert selected_columns(None) == TERMINAL_COLUMNS
    assert selected_columns("default") == TERMINAL_COLUMNS
    assert selected_columns("params, accuracy") == ("model", "accuracy", "parameter_count")
    assert selected_columns("default,Family / framework") == ("model", "family", *TERMINAL_COLUMNS[1:])
    assert set(selected_columns("all")) == set(column_names().values())
    table, _ = terminal_table(records(), selected_columns("default,params"), 400)
    assert "params" in table.splitlines()[0] and "7.8k" in table


def test_an_unknown_column_is_one_line_naming_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        selected_columns("accuracy,speed")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("--fc-columns: unknown column 'speed'; choose from model, family")
    assert message.endswith("status, machine, default or all")
