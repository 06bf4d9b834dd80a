"""The FOCUS export's rules on hand-made fct_cloud_costs / fct_costs rows: unused commitment apart from its
Purchase, no quantity on Tax, ListCost never null, units in the FOCUS format, UTC billing periods, 1.2 vs 1.3."""

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from tests.csv_reference import reference_csv
from tests.showback_fixture import fct_costs_from_cloud_lines
from warehouse import focus_export
from warehouse.duckdb_store import connect
from warehouse.focus_export import EXPORT_BATCH_ROWS, EXPORT_CHUNK_ROWS, export_focus, focus_unit

_LINES = [
    # id, category, line item type, quantity, unit, billed, effective, list
    ("fee", "Purchase", "SavingsPlanRecurringFee", "720", "Hrs", "100.5", "30.25", None),
    ("tax", "Tax", "Tax", "2", None, "5", "5", None),
    ("use", "Usage", "Usage", "1.5", "1 GB/Month", "12.345678901", "10", "15"),
]


@pytest.fixture
def exported(tmp_path):
    def run(version, batch_rows=EXPORT_BATCH_ROWS, chunk_rows=EXPORT_CHUNK_ROWS, extra_lines=0):
        warehouse = tmp_path / f"w{version}-{batch_rows}-{chunk_rows}-{extra_lines}.duckdb"
        with connect(warehouse) as con:
            con.execute(
                "create table fct_cloud_costs (cloud_cost_id varchar, provider_name varchar, billing_account_id"
                " varchar, sub_account_id varchar, sub_account_name varchar, billing_period_start date,"
                " billing_period_end date, charge_period_start timestamptz, charge_period_end timestamptz,"
                " charge_category varchar, charge_class varchar, charge_description varchar, line_item_type varchar,"
                " service_name varchar, service_category varchar, resource_id varchar, resource_name varchar,"
                " region_id varchar, sku_id varchar, pricing_quantity decimal(38, 9), pricing_unit varchar,"
                " billed_cost decimal(38, 9), effective_cost decimal(38, 9), list_cost decimal(38, 9),"
                " billing_currency varchar, tags varchar, team varchar, environment varchar)"
            )
            for line_id, category, item, quantity, unit, billed, effective, listed in _LINES:
                con.execute(
                    "insert into fct_cloud_costs values (?, 'AWS', 'acct', 's1', null, date '2026-10-01',"
                    " date '2026-11-01', timestamptz '2026-10-02 00:00:00+00', timestamptz '2026-10-03 00:00:00+00',"
                    " ?, null, ?, ?, 'EC2', 'Compute', 'i-1', null, 'us-east-1', 'sku', ?, ?, ?, ?, ?, 'USD', '{}',"
                    " 'search', 'prod')",
                    [line_id, category, item, item, quantity, unit, billed, effective, listed],
                )
            if extra_lines:  # usage lines `use-0`..`use-N` (ids that sort apart from their numbers) and Purchases
                con.execute(
                    "insert into fct_cloud_costs select 'use-' || cast(i as varchar) || case when i % 7 = 0 then"
                    " '' else 'x' end, fct_cloud_costs.* exclude (cloud_cost_id) replace (case when i % 5 = 0 then"
                    " 'Purchase' else 'Usage' end as charge_category) from fct_cloud_costs cross join range(?) as t(i)"
                    " where cloud_cost_id = 'fee'",
                    [extra_lines],
                )
            fct_costs_from_cloud_lines(con)
        # read-only, as the Dagster asset and `finops export focus` open it
        with connect(warehouse, read_only=True) as con:
            folder = tmp_path / f"focus-{version}-{batch_rows}-{chunk_rows}-{extra_lines}"
            return export_focus(con, folder, version, batch_rows=batch_rows, chunk_rows=chunk_rows)

    return run


def test_export_follows_the_focus_rules(exported):
    export = exported("1.3")
    rows = pq.read_table(export.parquet).to_pylist()
    purchase = [r for r in rows if r["ChargeCategory"] == "Purchase"]
    unused = [r for r in rows if r["CommitmentDiscountStatus"] == "Unused"]
    assert [(r["BilledCost"], r["EffectiveCost"], r["ChargeFrequency"]) for r in purchase] == [
        (Decimal("100.5"), Decimal(0), "Recurring")
    ]
    assert [(r["ChargeCategory"], r["BilledCost"], r["EffectiveCost"]) for r in unused] == [
        ("Usage", Decimal(0), Decimal("30.25"))
    ]
    # money unchanged by the split: 100.5 + 5 + 12.345678901 billed, 30.25 + 5 + 10 effective
    assert sum(r["BilledCost"] for r in rows) == Decimal("117.845678901")
    assert sum(r["EffectiveCost"] for r in rows) == Decimal("45.25")
    tax = next(r for r in rows if r["ChargeCategory"] == "Tax")
    assert tax["PricingQuantity"] is None and tax["PricingUnit"] is None and tax["ListCost"] == Decimal(5)
    usage = next(r for r in rows if r["ChargeCategory"] == "Usage" and r["CommitmentDiscountStatus"] is None)
    assert (usage["ListCost"], usage["ContractedCost"], usage["PricingUnit"]) == (Decimal(15), Decimal(15), "GB-Months")
    assert purchase[0]["PricingUnit"] == "Hours" and purchase[0]["x_SourcePricingUnit"] == "Hrs"
    assert all(r["ListCost"] is not None and r["ContractedCost"] is not None for r in rows)
    assert rows[0]["BillingPeriodStart"] == datetime(2026, 10, 1, tzinfo=UTC)
    assert pq.read_schema(export.parquet).field("BillingPeriodEnd").type.tz == "UTC"
    header, first = export.csv.read_text().splitlines()[:2]
    assert first.split(",")[header.split(",").index("BillingPeriodStart")] == "2026-10-01T00:00:00Z"
    assert {"ServiceProviderName", "HostProviderName", "AllocatedMethodDetails", "ContractApplied"} <= set(
        header.split(",")
    )


def test_export_streamed_one_row_at_a_time_is_the_export_in_one_piece(exported):
    whole, streamed = exported("1.3"), exported("1.3", batch_rows=1)
    table = pq.read_table(streamed.parquet)
    assert table.equals(pq.read_table(whole.parquet)) and table.schema.equals(pq.read_schema(whole.parquet))
    assert pq.ParquetFile(streamed.parquet).metadata.num_row_groups == 4  # 3 lines + the unused commitment
    assert streamed.csv.read_bytes() == whole.csv.read_bytes()
    # the CSV is the Parquet's values by the cell-by-cell rules the export used before it streamed
    expected = reference_csv(table.column_names, [tuple(row.values()) for row in table.to_pylist()])
    assert streamed.csv.read_bytes() == expected
    assert (streamed.rows, streamed.billed_cost) == (4, Decimal("117.845678901"))
    assert [row["PricingUnit"] for row in table.to_pylist()] == ["Hours", "Hours", None, "GB-Months"]
    assert sorted(path.name for path in streamed.csv.parent.iterdir()) == [
        "focus_costs.csv", "focus_costs.csv.sha256", "focus_costs.parquet",
    ]  # fmt: skip


def test_export_sorted_chunk_by_chunk_is_the_export_sorted_at_once(exported, monkeypatch):
    # 303 lines (+ their unused commitments) sorted in ranges of ~7 rows, re-cut into batches of 10 rows, their CSV
    # text made 3 rows at a time: the same bytes as one sort, which the default chunk size still does on so few rows
    whole = exported("1.3", batch_rows=10, extra_lines=300)
    monkeypatch.setattr(focus_export, "CSV_SLICE_ROWS", 3)
    chunked = exported("1.3", batch_rows=10, chunk_rows=7, extra_lines=300)
    assert whole.rows == chunked.rows > 303
    assert chunked.csv.read_bytes() == whole.csv.read_bytes()
    assert chunked.parquet.read_bytes() == whole.parquet.read_bytes()
    ids = pq.read_table(chunked.parquet, columns=["x_CostId"]).column("x_CostId").to_pylist()
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert pq.ParquetFile(chunked.parquet).metadata.num_row_groups == -(-chunked.rows // 10)
    # the scratch database is gone
    assert sorted(path.name for path in chunked.csv.parent.iterdir()) == [
        "focus_costs.csv", "focus_costs.csv.sha256", "focus_costs.parquet",
    ]  # fmt: skip


def test_focus_1_2_has_no_1_3_columns(exported):
    names = pq.read_schema(exported("1.2").parquet).names
    assert "ProviderName" in names and "ServiceProviderName" not in names and "AllocatedTags" not in names


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("Hrs", "Hours"), ("hour", "Hours"), ("1 Hour", "Hours"), ("1 GB/Month", "GB-Months"), ("1K", "1000 Units"),
     ("10K Tokens", "10000 Tokens"), ("1 /Month", "Months"), ("Requests", "Requests"), ("%odd", "Units"), (None, None)],
)  # fmt: skip
def test_units_in_the_focus_format(unit, expected):
    assert focus_unit(unit) == expected
