"""Azure, GCP and FOCUS parsers on the shared samples and on hand-made files; totals computed independently
with the csv module and Decimal."""

import ast
import csv
import io
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from ingest.azure_exports import parse_azure_export, parse_tags
from ingest.common import SourceFormatError
from ingest.focus import detect_version, parse_focus_file
from ingest.gcp_billing import parse_export_file

NANO = Decimal("0.000000001")
CENT = Decimal("0.01")


def _csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _total(table, column: str) -> Decimal:
    return sum((value for value in table.column(column).to_pylist() if value is not None), Decimal(0))


@pytest.mark.parametrize(
    ("name", "cost_column"),
    [
        ("focusconv_anonymous_ea_export.csv", "CostInBillingCurrency"),
        ("koku_azure_export_v2.csv", "CostInBillingCurrency"),
        ("koku_azure_export_legacy_pretaxcost.csv", "PreTaxCost"),
    ],
)
def test_azure_samples_total_to_the_source(name, cost_column, samples_root):
    path = samples_root.joinpath("azure", name)
    source_costs = [Decimal(row[cost_column]) for row in _csv(path)]
    # the warehouse keeps 9 decimals per line (some exports carry 14): the sum of the lines so rounded,
    # and the source total to the cent
    expected = sum(cost.quantize(NANO, rounding=ROUND_HALF_EVEN) for cost in source_costs)
    result = parse_azure_export(path.read_bytes(), str(path))
    assert result.rejected == []
    assert result.table.num_rows == len(source_costs)
    assert _total(result.table, "billed_cost") == expected
    assert _total(result.table, "billed_cost").quantize(CENT) == sum(source_costs).quantize(CENT)
    assert _total(result.table, "effective_cost") == expected  # actual only: same amount, never summed


def test_azure_ea_sample_details(samples_root):
    path = samples_root.joinpath("azure", "focusconv_anonymous_ea_export.csv")
    table = parse_azure_export(path.read_bytes(), str(path)).table
    first = table.slice(0, 1).to_pylist()[0]
    assert first["billing_period_start"] == date(2023, 9, 1)  # from 9/1/2023
    assert first["charge_period_start"] == datetime(2023, 9, 2, tzinfo=UTC)  # from 9/2/2023
    assert first["billed_cost"] == Decimal("0.000305367")
    assert first["billing_currency"] == "CAD"
    assert first["tags"] == '{"tagA": "valueA", "tagB": "valueB", "tagC": "valueC"}'
    assert first["billing_account_id"] == "12345678"
    # scientific notation parses exactly
    costs = {
        row["CostInBillingCurrency"]
        for row in _csv(samples_root.joinpath("azure", "focusconv_anonymous_ea_export.csv"))
    }
    assert any("E" in cost for cost in costs)


def test_azure_legacy_sample_has_bom_and_braced_tags(samples_root):
    path = samples_root.joinpath("azure", "koku_azure_export_legacy_pretaxcost.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = parse_azure_export(path.read_bytes(), str(path)).table
    assert table.column("tags").to_pylist()[0] == '{"project": "p1"}'
    assert table.column("sub_account_id").to_pylist()[0] == "0039de71-ca37-4a17-a104-17665a50e7fc"


def test_azure_actual_and_amortized_are_never_summed():
    header = "SubscriptionId,Date,CostInBillingCurrency,ChargeType,MeterCategory,Tags\n"
    actual = (
        header
        + 'sub-1,10/1/2026,100.00,Purchase,Reservations,\nsub-1,10/1/2026,0,Usage,Virtual Machines,"""team"": ""ml"""\n'
    )
    amortized = header + 'sub-1,10/1/2026,3.25,Usage,Virtual Machines,"""team"": ""ml"""\n'
    a = parse_azure_export(actual.encode(), "azure/actual/oct.csv", both_kinds_delivered=True).table
    m = parse_azure_export(amortized.encode(), "azure/amortized/oct.csv", both_kinds_delivered=True).table
    assert _total(a, "billed_cost") + _total(m, "billed_cost") == Decimal("100.00")
    assert _total(a, "effective_cost") + _total(m, "effective_cost") == Decimal("3.25")
    assert m.column("team").to_pylist() == ["ml"]


def test_azure_tags_with_and_without_braces():
    assert parse_tags('"a": "1","b": "2"') == {"a": "1", "b": "2"}
    assert parse_tags('{"a": "1"}') == {"a": "1"}
    assert parse_tags("") == {}


def test_azure_missing_cost_column_names_file_and_column():
    with pytest.raises(SourceFormatError, match=r"azure/x.csv, field 'costinbillingcurrency': missing required column"):
        parse_azure_export(b"SubscriptionId,Date\ns,1/1/2026\n", "azure/x.csv")


@pytest.mark.parametrize(
    "name", ["koku_gcp_billing_export_flattened_2020-11.csv", "koku_gcp_billing_export_flattened_resource_2022-08.csv"]
)
def test_gcp_samples_net_cost_is_cost_plus_credits(name, samples_root):
    path = samples_root.joinpath("gcp", name)
    rows = _csv(path)
    gross = sum(Decimal(row["cost"]) for row in rows)
    credits = sum(Decimal(repr(credit["amount"])) for row in rows for credit in ast.literal_eval(row["credits"]))
    result = parse_export_file(path.read_bytes(), str(path))
    assert result.rejected == [] and result.table.num_rows == len(rows)
    assert _total(result.table, "billed_cost") == gross + credits
    assert _total(result.table, "list_cost") == gross


def test_gcp_2020_sample_promotion_credits_cancel_the_gross_cost(samples_root):
    path = samples_root.joinpath("gcp", "koku_gcp_billing_export_flattened_2020-11.csv")
    table = parse_export_file(path.read_bytes(), str(path)).table
    assert _total(table, "list_cost") == Decimal("0.000032")
    assert _total(table, "billed_cost") == 0
    assert set(table.column("invoice_month").to_pylist()) == {"2020-11"}
    assert '{"goog-resource-type": "bigquery_resource"}' in table.column("tags").to_pylist()


def test_gcp_json_export_with_nested_records_and_labels():
    line = (
        '{"billing_account_id": "01A-02B", "service": {"description": "Vertex AI"}, "sku": {"id": "S1"},'
        ' "usage_start_time": "2026-10-03T10:00:00Z", "usage_end_time": "2026-10-03T11:00:00Z",'
        ' "project": {"id": "ml-1", "labels": [{"key": "team", "value": "platform"}]},'
        ' "labels": [{"key": "feature", "value": "eval"}], "cost": 12.34,'
        ' "credits": [{"name": "CUD", "amount": -2.30, "type": "COMMITTED_USAGE_DISCOUNT"}],'
        ' "invoice": {"month": "202610"}, "cost_type": "regular", "currency": "USD"}'
    )
    table = parse_export_file(line.encode(), "gcp/export.jsonl").table
    row = table.to_pylist()[0]
    assert row["billed_cost"] == Decimal("10.04")
    assert (row["team"], row["feature"], row["service_category"]) == ("platform", "eval", "AI and Machine Learning")


def test_gcp_unreadable_credits_reason_is_the_same_on_every_run():
    # `[CUD]` is neither JSON nor a Python literal: the quarantine reason must not carry a memory address
    # (Python's own message names an `ast.Name object at 0x...`), or re-running changes the quarantine table
    content = (
        b"billing_account_id,cost,usage_start_time,invoice.month,credits\nA,1.00,2026-10-01T00:00:00Z,202610,[CUD]\n"
    )
    result = parse_export_file(content, "gcp/credits.csv")
    assert result.table.num_rows == 0
    [rejected] = result.rejected
    assert rejected.line == 2
    assert rejected.reason == "unreadable row: credits: expected a list of records (JSON or a Python literal): '[CUD]'"


def test_gcp_csv_missing_invoice_month_is_a_clear_error():
    with pytest.raises(SourceFormatError, match="missing required column 'invoice.month'"):
        parse_export_file(b"billing_account_id,cost,usage_start_time\nA,1,2026-10-01\n", "gcp/bad.csv")


def test_focus_version_detection():
    assert detect_version(["BilledCost", "ChargeCategory", "InvoiceId"]) == "1.2"
    assert detect_version(["BilledCost", "ChargeCategory", "ServiceSubcategory"]) == "1.1"
    assert detect_version(["BilledCost", "ChargeCategory"]) == "1.0"
    assert detect_version(["BilledCost", "ChargeType"]) == "1.0-preview"


def test_focus_nulls_timestamps_and_exact_totals():
    content = (
        "BillingAccountId,BillingCurrency,BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,"
        "ProviderName,ServiceName,SubAccountId,BilledCost,EffectiveCost,ListCost,Tags,ServiceSubcategory\n"
        '000123,USD,2024-09-01 00:00:00,2024-09-18 22:00:00,NULL,Usage,AWS,EC2,000987,12.5,10.25,15,"{""team"": ""x""}",VM\n'
        "000123,USD,2024-09-01 00:00:00,2024-09-18 22:00:00,,Credit,AWS,EC2,000987,-1.5E-1,NULL,,NULL,VM\n"
    )
    rows = list(csv.DictReader(io.StringIO(content)))
    table = parse_focus_file(content.encode(), "focus/f.csv").table
    assert _total(table, "billed_cost") == sum(Decimal(r["BilledCost"]) for r in rows)
    assert table.column("charge_period_end").to_pylist() == [None, None]
    assert table.column("billing_account_id").to_pylist() == ["000123", "000123"]
    assert table.column("team").to_pylist() == ["x", None]


def test_focus_missing_required_column():
    with pytest.raises(SourceFormatError, match=r"missing required FOCUS 1.0 column\(s\): BillingAccountId"):
        parse_focus_file(b"ChargeCategory,ProviderName\nUsage,AWS\n", "focus/x.csv")
