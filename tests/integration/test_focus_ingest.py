"""FOCUS 1.3 and 1.4 files, written here from the spec's column lists, loaded through the real Dagster asset
into a DuckDB warehouse; totals computed from the written rows (csv + Decimal), not from the loader.

1.3 made ServiceProviderName / HostProviderName the provider columns; 1.4 drops ProviderName and PublisherName
and adds InvoiceDetailId and CommitmentProgramEligibilityDetails. Columns the cloud schema has no place for are
kept per row as JSON (extra_columns); each row records the version its file was detected as.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.common import SourceFormatError
from ingest.focus import detect_version, parse_focus_file
from pipelines.assets.cloud_billing import focus_cost_rows
from tests.cloud_billing_fixture import materialize_cloud_asset

pytestmark = pytest.mark.integration

# FOCUS 1.2 columns (formats.md, checked against the FOCUS_Spec v1.2 tag)
COLUMNS_1_2 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId",
    "CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
    "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags",
]  # fmt: skip
ADDED_1_3 = [
    "AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags",
    "ContractApplied", "HostProviderName", "ServiceProviderName",
]  # fmt: skip
COLUMNS_1_3 = COLUMNS_1_2 + ADDED_1_3
COLUMNS_1_4 = [c for c in COLUMNS_1_3 if c not in ("ProviderName", "PublisherName")] + [
    "CommitmentProgramEligibilityDetails",
    "InvoiceDetailId",
]


def _row(columns: list[str], **values) -> dict:
    base = {
        "BillingAccountId": "acct-1",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "BillingPeriodEnd": "2026-11-01T00:00:00Z",
        "ChargePeriodStart": "2026-10-03T00:00:00Z",
        "ChargePeriodEnd": "2026-10-04T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based",
        "ServiceName": "Serverless vector index",
        "ServiceCategory": "Databases",
        "PricingUnit": "Requests",
        "PricingQuantity": "1000",
        "Tags": json.dumps({"team": "search"}),
    }
    row = {column: "" for column in columns}
    row.update({key: value for key, value in {**base, **values}.items() if key in columns})
    return row


ROWS_1_3 = [
    dict(ServiceProviderName="Vercel", HostProviderName="AWS", BilledCost="12.345678901", EffectiveCost="12.3",
         ListCost="13", InvoiceIssuerName="Vercel", ProviderName="Vercel", PublisherName="Vercel",
         AllocatedMethodId="proportional", SkuPriceDetails='{"tier": "pro"}'),
    dict(ServiceProviderName="Vercel", HostProviderName="AWS", BilledCost="-0.000000001", EffectiveCost="0",
         ListCost="0", ChargeCategory="Credit", InvoiceIssuerName="Vercel", ProviderName="Vercel",
         PublisherName="Vercel", ContractApplied="contract-7"),
]  # fmt: skip
ROWS_1_4 = [
    dict(ServiceProviderName="Pinecone", HostProviderName="Google Cloud", BilledCost="7.5", EffectiveCost="7.25",
         ListCost="8", InvoiceDetailId="inv-9/line-1", CommitmentProgramEligibilityDetails='{"eligible": true}'),
    dict(ServiceProviderName="Databricks", HostProviderName="Microsoft", BilledCost="100.000000009",
         EffectiveCost="99", ListCost="120", InvoiceDetailId="inv-9/line-2"),
    dict(ServiceProviderName="Databricks", HostProviderName="Microsoft", BilledCost="3.21", EffectiveCost="3.21",
         ListCost="3.21", ChargeCategory="Tax", PricingQuantity=""),
]  # fmt: skip


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, "x_ResourceGroup"])
        writer.writeheader()
        for values in rows:
            writer.writerow({**_row(columns, **values), "x_ResourceGroup": "rg-1"})


def _write_parquet(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [_row(columns, **values) for values in rows]
    table = pa.table({column: [record[column] or None for record in records] for column in columns})
    pq.write_table(table, path)


def _expected(rows: list[dict], column: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for values in rows:
        provider = values["ServiceProviderName"]
        totals[provider] = totals.get(provider, Decimal(0)) + Decimal(values[column])
    return totals


def test_focus_1_3_and_1_4_files_load_with_their_version_providers_and_extra_columns(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    _write_csv(landing / "focus" / "vercel" / "2026-10.csv", COLUMNS_1_3, ROWS_1_3)
    _write_parquet(landing / "focus" / "saas" / "2026-10.parquet", COLUMNS_1_4, ROWS_1_4)
    materialize_cloud_asset(focus_cost_rows, landing, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute(
            "select provider_name, sum(billed_cost), sum(effective_cost), sum(list_cost), count(*),"
            " string_agg(distinct focus_version), string_agg(distinct host_provider_name)"
            " from raw_focus.cost_rows group by 1"
        ).fetchall()
        extras = con.execute(
            "select source_line, focus_version, extra_columns from raw_focus.cost_rows order by source_file, source_line"
        ).fetchall()
        quarantined = con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0]
    rows = ROWS_1_3 + ROWS_1_4
    billed, effective, listed = (_expected(rows, c) for c in ("BilledCost", "EffectiveCost", "ListCost"))
    hosts = {values["ServiceProviderName"]: values["HostProviderName"] for values in rows}
    versions = {
        **{values["ServiceProviderName"]: "1.3" for values in ROWS_1_3},
        **{values["ServiceProviderName"]: "1.4" for values in ROWS_1_4},
    }
    counts = {provider: sum(v["ServiceProviderName"] == provider for v in rows) for provider in billed}
    assert quarantined == 0
    assert sorted(loaded) == sorted(
        (p, billed[p], effective[p], listed[p], counts[p], versions[p], hosts[p]) for p in billed
    )
    by_version = {version: [json.loads(extra) for _, v, extra in extras if v == version] for version in ("1.3", "1.4")}
    # 1.3 CSV: the unknown x_ column, and FOCUS columns the cloud schema has no place for, kept by name
    assert [extra["x_ResourceGroup"] for extra in by_version["1.3"]] == ["rg-1", "rg-1"]
    assert by_version["1.3"][0]["AllocatedMethodId"] == "proportional"
    assert by_version["1.3"][1]["ContractApplied"] == "contract-7"
    assert by_version["1.3"][0]["SkuPriceDetails"] == '{"tier": "pro"}'
    assert [extra["InvoiceDetailId"] for extra in by_version["1.4"]] == ["inv-9/line-1", "inv-9/line-2", None]
    assert by_version["1.4"][0]["CommitmentProgramEligibilityDetails"] == '{"eligible": true}'
    assert "ProviderName" not in by_version["1.4"][0]


def test_version_is_detected_from_the_columns():
    assert detect_version(COLUMNS_1_4) == "1.4"
    assert detect_version(COLUMNS_1_3) == "1.3"
    assert detect_version(COLUMNS_1_2) == "1.2"
    assert detect_version([c for c in COLUMNS_1_2 if c not in ("InvoiceId", "BillingAccountType", "SubAccountType",
                                                              "PricingCurrency")]) == "1.1"  # fmt: skip


def test_a_file_that_is_not_focus_fails_with_the_columns_it_lacks():
    content = b"Date,Cost,Account\n2026-10-01,1.00,a\n"
    with pytest.raises(SourceFormatError) as raised:
        parse_focus_file(content, "focus/not-focus.csv")
    message = str(raised.value)
    assert "focus/not-focus.csv" in message and "not a FOCUS file" in message
    for column in ("ServiceProviderName or ProviderName", "BillingAccountId", "ChargeCategory", "BilledCost"):
        assert column in message, message


def test_a_1_4_file_without_a_service_provider_fails_naming_it():
    columns = [c for c in COLUMNS_1_4 if c != "ServiceProviderName"]
    header = ",".join(columns).encode()
    with pytest.raises(SourceFormatError, match="missing required FOCUS 1.4 column.*ServiceProviderName"):
        parse_focus_file(header + b"\n", "focus/f.csv")
