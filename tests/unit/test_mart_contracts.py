"""The marts' YAML is a contract with analysts: read from a freshly parsed dbt manifest (no warehouse), every mart
enforces a dbt contract, every column is typed and described, money is DECIMAL(38,9), and a deprecated column
names the column that replaces it."""

import json
import re

import pytest

from tests.dbt_build import run_dbt

MONEY_TYPE = "decimal(38, 9)"
# FOCUS cost columns and every amount in USD; ratios, shares and rates per token have other suffixes
MONEY_NAME = re.compile(r"(_usd|_cost)$|^(billed_cost|effective_cost|list_cost)$")
DEPRECATED = re.compile(r"^Deprecated alias of (\w+); will be removed\.")


@pytest.fixture(scope="module")
def marts(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("dbt_parse")
    completed = run_dbt("parse", work=root)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    found = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    }
    assert len(found) >= 20
    return found


def test_every_mart_enforces_a_contract(marts):
    assert sorted(name for name, node in marts.items() if not node["config"]["contract"]["enforced"]) == []


def test_every_mart_column_has_a_data_type_and_a_description(marts):
    untyped = [
        f"{name}.{column}"
        for name, node in marts.items()
        for column, spec in node["columns"].items()
        if not spec.get("data_type")
    ]
    undescribed = [
        f"{name}.{column}"
        for name, node in marts.items()
        for column, spec in node["columns"].items()
        if not (spec.get("description") or "").strip()
    ]
    assert untyped == []
    assert undescribed == []


def test_money_columns_are_decimal_38_9(marts):
    money = {
        f"{name}.{column}": spec["data_type"]
        for name, node in marts.items()
        for column, spec in node["columns"].items()
        if MONEY_NAME.search(column)
    }
    assert len(money) > 100
    assert {column: data_type for column, data_type in money.items() if data_type != MONEY_TYPE} == {}


def test_a_deprecated_column_names_its_replacement_in_the_same_mart(marts):
    deprecated = {}
    for name, node in marts.items():
        for column, spec in node["columns"].items():
            match = DEPRECATED.match(spec.get("description") or "")
            if match:
                deprecated[f"{name}.{column}"] = match.group(1)
                assert match.group(1) in node["columns"], (name, column, match.group(1))
    # the misleading names of issue 11 stay, as aliases of names that say what the number is
    assert deprecated == {
        "fct_gpu_jobs.total_cost_usd": "list_price_cost_usd",
        "rpt_gpu_efficiency.total_cost_usd": "list_price_cost_usd",
        "rpt_training_amortization.inference_cost_usd": "estimated_inference_cost_usd",
        "rpt_training_breakeven.inference_cost_usd": "estimated_inference_cost_usd",
        "rpt_training_breakeven.in_house_cost_usd": "depreciation_plus_estimated_inference_cost_usd",
        "rpt_reconciliation.billed_cost_usd": "bill_effective_cost_usd",
        "rpt_reconciliation_monthly.billed_cost_usd": "bill_effective_cost_usd",
    }


def test_incremental_marts_keep_a_contract_compatible_schema_policy(marts):
    incremental = {
        name: node["config"]["on_schema_change"]
        for name, node in marts.items()
        if node["config"]["materialized"] == "incremental"
    }
    assert set(incremental) == {"fct_costs", "rpt_showback", "fct_requests", "rpt_model_unit_costs"}
    assert set(incremental.values()) <= {"append_new_columns", "fail"}
