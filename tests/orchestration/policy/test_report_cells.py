"""`sources.salesforce.api.report_cells`: label or value per ledger field, checked at load."""

from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.policy.sources import SALESFORCE_FIELDS
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"


def with_cells(tmp_path: Path, cells: dict | None) -> Path:
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    api = data["sources"]["salesforce"]["api"]
    if cells is None:
        api.pop("report_cells")
    else:
        api["report_cells"] = cells
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_shipped_policy_takes_names_by_label_and_amounts_dates_and_times_by_value() -> None:
    cells = load_policy(POLICY).sources.salesforce.api.report_cells
    assert set(cells) == set(SALESFORCE_FIELDS)
    by_value = {field for field, part in cells.items() if part == "value"}
    assert by_value == {
        "invoice_date", "due_date", "amount", "balance", "currency", "last_modified_at",
        "document_url",  # a URL field's value is the address itself
    }
    assert cells["collector"] == cells["account_name"] == cells["project_director"] == "label"


def test_fields_the_policy_leaves_out_take_the_defaults(tmp_path: Path) -> None:
    shipped = load_policy(POLICY).sources.salesforce.api.report_cells
    assert load_policy(with_cells(tmp_path, None)).sources.salesforce.api.report_cells == shipped
    changed = load_policy(with_cells(tmp_path, {"account_id": "value"}))
    assert changed.sources.salesforce.api.report_cells == {**shipped, "account_id": "value"}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"amount": "label"}, r"report_cells: amount must take 'value': the label is formatted"),
        (
            {"due_date": "label", "last_modified_at": "label"},
            r"report_cells: due_date, last_modified_at must take 'value'",
        ),
        ({"collector": "name"}, r"report_cells\.collector: Input should be 'label' or 'value'"),
        ({"owner": "label"}, r"report_cells: unknown ledger field\(s\) \['owner'\]"),
    ],
)
def test_a_bad_cell_choice_names_the_key(tmp_path: Path, cells: dict, message: str) -> None:
    with pytest.raises(PolicyError, match=rf"sources\.salesforce\.api\.{message}"):
        load_policy(with_cells(tmp_path, cells))
