"""AWS CUR parser on the shared samples (totals recomputed with the csv module), amortization rules on a
hand-made file, manifests, and clear errors."""

import csv
import gzip
import io
import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

import pytest

from ingest.aws_cur import canonical_column, find_deliveries, parse_cur_file
from ingest.common import SourceFormatError
from ingest.storage import LocalStore

NANO = Decimal("0.000000001")


def _rows(path) -> list[dict]:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _total(table, column):
    return sum((value for value in table.column(column).to_pylist() if value is not None), Decimal(0))


@pytest.mark.parametrize(
    ("name", "cost_column"),
    [
        ("koku_cur_legacy_savingsplan_costcategory.csv", "lineItem/UnblendedCost"),
        ("koku_cur_athena_snake_case.csv", "line_item_unblended_cost"),
        ("koku_test_cur.csv.gz", "lineItem/UnblendedCost"),
    ],
)
def test_samples_load_with_exact_totals(name, cost_column, samples_root):
    path = samples_root.joinpath("aws_cur", name)
    rows = _rows(path)
    expected = sum(Decimal(r[cost_column] or "0").quantize(NANO, rounding=ROUND_HALF_EVEN) for r in rows)
    result = parse_cur_file(path, str(path))
    assert result.rejected == [] and result.table.num_rows == len(rows)
    assert _total(result.table, "billed_cost") == expected
    assert _total(result.table, "billed_cost").quantize(Decimal("0.01")) == sum(
        Decimal(r[cost_column] or "0") for r in rows
    ).quantize(Decimal("0.01"))


def test_savings_plan_sample_amortizes_and_keeps_account_ids_as_text(samples_root):
    path = samples_root.joinpath("aws_cur", "koku_cur_legacy_savingsplan_costcategory.csv")
    rows = _rows(path)
    table = parse_cur_file(path, str(path)).table
    assert set(table.column("line_item_type").to_pylist()) == {"SavingsPlanCoveredUsage"}
    assert _total(table, "effective_cost") == sum(Decimal(r["savingsPlan/SavingsPlanEffectiveCost"]) for r in rows)
    assert table.column("sub_account_id").to_pylist()[0] == rows[0]["lineItem/UsageAccountId"]  # leading zeros kept
    assert table.column("sub_account_id").to_pylist()[0].startswith("0")
    assert set(table.column("billing_currency").to_pylist()) == {"NOK"}


def test_amortization_by_line_item_type(tmp_path):
    header = (
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageAccountId,lineItem/LineItemType,"
        "lineItem/UnblendedCost,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,"
        "savingsPlan/UsedCommitment,reservation/EffectiveCost,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,"
        "reservation/UnusedRecurringFee,reservation/ReservationARN,resourceTags/user:team\n"
    )
    lines = [
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,Usage,10.00,,,,,,,,ml",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,SavingsPlanCoveredUsage,8.00,5.00,,,,,,,ml",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,SavingsPlanNegation,-8.00,,,,,,,,ml",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,SavingsPlanRecurringFee,6.00,,6.00,5.00,,,,,",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,DiscountedUsage,0,,,,3.50,,,arn:ri,ml",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,RIFee,4.00,,,,,1.25,0.75,arn:ri,",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,Fee,100.00,,,,,,,arn:ri,",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,Credit,-1.81E-1,,,,,,,,",
        "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,000111,Tax,0,,,,,,,,",
    ]
    path = tmp_path / "cur.csv"
    path.write_text(header + "\n".join(lines) + "\n")
    table = parse_cur_file(path, str(path)).table
    effective = dict(
        zip(table.column("line_item_type").to_pylist(), table.column("effective_cost").to_pylist(), strict=True)
    )
    assert effective == {
        "Usage": Decimal("10"),
        "SavingsPlanCoveredUsage": Decimal("5"),
        "SavingsPlanNegation": 0,
        "SavingsPlanRecurringFee": Decimal("1"),
        "DiscountedUsage": Decimal("3.5"),
        "RIFee": Decimal("2"),
        "Fee": 0,
        "Credit": Decimal("-0.181"),
        "Tax": 0,
    }
    # billed: 10 + 8 - 8 + 6 + 0 + 4 + 100 - 0.181 + 0
    assert _total(table, "billed_cost") == Decimal("119.819")
    categories = dict(
        zip(table.column("line_item_type").to_pylist(), table.column("charge_category").to_pylist(), strict=True)
    )
    assert (categories["Credit"], categories["Tax"], categories["RIFee"]) == ("Credit", "Tax", "Purchase")
    assert table.column("team").to_pylist()[0] == "ml"


def test_missing_required_column_names_file_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "lineItem/LineItemType,lineItem/UsageStartDate,bill/BillingPeriodStartDate\nUsage,2026-10-01,2026-10-01\n"
    )
    with pytest.raises(
        SourceFormatError, match=r"bad.csv, field 'line_item_unblended_cost': missing required CUR column"
    ):
        parse_cur_file(path, str(path))


def test_unparseable_cost_is_quarantined_with_its_line(tmp_path):
    path = tmp_path / "cur.csv"
    path.write_text(
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UnblendedCost\n"
        "2026-10-01,2026-10-01,Usage,1.5\n2026-10-01,2026-10-01,Usage,twelve\n"
    )
    result = parse_cur_file(path, str(path))
    assert result.table.num_rows == 1 and [(r.line, r.reason) for r in result.rejected] == [
        (3, "lineItem/UnblendedCost is not a number: twelve")
    ]


def test_lines_after_a_cut_row_keep_their_own_line_numbers(tmp_path):
    # DuckDB drops the cut row (line 4) from the scan: rows after it must not move up a line
    path = tmp_path / "cur.csv"
    path.write_text(
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UnblendedCost\n"
        "2026-10-01,2026-10-01,Usage,1.5\n"  # 2
        "2026-10-01,2026-10-01,Usage,twelve\n"  # 3
        "2026-10-01,2026-10-01\n"  # 4: cut mid-line
        "2026-10-01,2026-10-01,Usage,\n"  # 5: empty cost
        "2026-10-01,2026-10-01,Usage,2.5\n"  # 6
        "2026-10-01,2026-10-01\n"  # 7: cut mid-line
        "2026-10-01,2026-10-01,Usage,abc\n"  # 8
        "2026-10-01,2026-10-01,Usage,4\n"  # 9
    )
    result = parse_cur_file(path, str(path))
    assert [(r.line, r.reason.split(":")[0].split(" (")[0]) for r in result.rejected] == [
        (3, "lineItem/UnblendedCost is not a number"),
        (5, "lineItem/UnblendedCost is empty"),
        (8, "lineItem/UnblendedCost is not a number"),
        (4, "CSV line is not a complete row of the header's columns"),
        (7, "CSV line is not a complete row of the header's columns"),
    ]
    assert list(
        zip(result.table.column("source_line").to_pylist(), result.table.column("billed_cost").to_pylist(), strict=True)
    ) == [
        (2, Decimal("1.5")),
        (6, Decimal("2.5")),
        (9, Decimal("4")),
    ]
    assert result.input_rows == 8  # every line after the header


def test_header_names_normalize_to_cur2_snake_case():
    assert canonical_column("lineItem/UnblendedCost") == "line_item_unblended_cost"
    assert canonical_column("savingsPlan/SavingsPlanEffectiveCost") == "savings_plan_savings_plan_effective_cost"
    assert canonical_column("reservation/ReservationARN") == "reservation_reservation_a_r_n"
    assert canonical_column("line_item_usage_account_id") == "line_item_usage_account_id"


def test_legacy_manifest_lists_the_files_to_read(tmp_path, samples_root):
    manifest = json.loads(samples_root.joinpath("aws_cur", "koku_legacy_cur_Manifest.json").read_text())
    report, period, (key,) = manifest["reportName"], "20180801-20180901", manifest["reportKeys"]
    folder = tmp_path / "aws_cur" / "prefix" / report / period
    (folder / manifest["assemblyId"]).mkdir(parents=True)
    (folder / f"{report}-Manifest.json").write_text(json.dumps(manifest))
    (folder / manifest["assemblyId"] / key.rsplit("/", 1)[1]).write_bytes(
        samples_root.joinpath("aws_cur", "koku_test_cur.csv.gz").read_bytes()
    )
    (folder / "old-assembly").mkdir()
    (folder / "old-assembly" / "koku-local-1.csv.gz").write_bytes(b"stale")  # not in the manifest: never read
    (delivery,) = find_deliveries(LocalStore(tmp_path))
    assert delivery.delivery_id == manifest["assemblyId"]
    assert delivery.data_keys == (f"aws_cur/prefix/{report}/{period}/{manifest['assemblyId']}/koku-local-1.csv.gz",)


def test_listed_keys_resolve_exactly_inside_the_manifests_period_folder(tmp_path):
    from ingest.aws_cur import scan_deliveries

    def manifest(folder, keys):
        folder.mkdir(parents=True, exist_ok=True)
        body = {"assemblyId": "a1", "billingPeriod": {"start": folder.name[:8] + "T000000.000Z"}, "reportKeys": keys}
        (folder / "report-x-Manifest.json").write_text(json.dumps(body))

    root = tmp_path / "aws_cur" / "renamed-folder"  # synced under another name than the report's S3 folder
    october, september = root / "20261001-20261101", root / "20260901-20261001"
    for period in (october, september):
        (period / "a1").mkdir(parents=True)
    (october / "a1" / "report-x-1.csv").write_text("x")
    (september / "a1" / "report-x-2.csv").write_text("x")
    manifest(october, ["s3://bucket/cur/report-x/20261001-20261101/a1/report-x-1.csv"])
    # September lists report-x-1.csv, which only October holds: never bound to October's file
    manifest(september, ["cur/report-x/20260901-20261001/a1/report-x-1.csv"])
    scan = scan_deliveries(LocalStore(tmp_path))
    (delivery,) = scan.deliveries
    assert delivery.data_keys == ("aws_cur/renamed-folder/20261001-20261101/a1/report-x-1.csv",)
    assert delivery.report == "aws_cur/renamed-folder" and delivery.billing_period_start.isoformat() == "2026-10-01"
    (rejected,) = scan.rejected
    assert rejected.manifest_key.endswith("20260901-20261001/report-x-Manifest.json")
    assert "lists cur/report-x/20260901-20261001/a1/report-x-1.csv, which is not in the landing area" in rejected.reason
    assert scan.warnings == []  # report-x-2.csv sits in a period folder its manifest owns: not read without it


def _cur_file(tmp_path, lines: list[str]):
    path = tmp_path / "cur.csv"
    header = (
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UnblendedCost,"
        "pricing/publicOnDemandCost\n"
    )
    path.write_text(header + "\n".join(lines) + "\n")
    return path


def test_money_text_parses_exactly_whatever_its_form(tmp_path):
    # each value against Python's Decimal rounded to 9 places, ties away from zero (as DuckDB's cast rounds):
    # exponent notation (an 18-digit cast drops a digit of the first two), beyond 1e9, ties, padding
    values = [
        "585.4950746034162676483992E+6",
        "-9151017.459848501134673399013E+3",
        "12345678901.123456789",
        "999999999.9999999995",
        "-999999999.999999999",
        "0.0000000025",
        "-0.0000000025",
        "1.81E-8",
        "1e9",
        " 2.5 ",
        "5.",
        ".5",
        "-0",
        "99999999999999999999999999999",
        "123.4567890125",
    ]
    path = _cur_file(tmp_path, [f"2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,{v},{v}" for v in values])
    result = parse_cur_file(path, str(path))
    assert result.rejected == []
    wide = Context(prec=60)
    expected = [Decimal(v.strip()).quantize(NANO, rounding=ROUND_HALF_UP, context=wide) for v in values]
    assert result.table.column("billed_cost").to_pylist() == expected
    assert result.table.column("list_cost").to_pylist() == expected
    assert expected[0] == Decimal("585495074.603416268") and expected[5] == Decimal("0.000000003")


def test_timestamps_convert_to_utc_and_broken_ones_keep_their_reason(tmp_path):
    lines = [
        "2026-09-30T23:30:00-02:00,2026-10-01T05:00:00+14:00,Usage,1,1",  # 2: both cross midnight into UTC
        "2026-10-01,2026-10-01 12:00:00,Usage,1,1",  # 3: naive = UTC
        "2026-10-01T00:00:00Z,2099-12-31T23:59:59.999999Z,Usage,1,1",  # 4: the last accepted instant
        "infinity,2026-10-01T00:00:00Z,Usage,1,1",  # 5
        "2026-10-01T00:00:00Z,-infinity,Usage,1,1",  # 6
        "1999-12-31T23:59:59Z,2026-10-01T00:00:00Z,Usage,1,1",  # 7
        "2026-10-01T00:00:00Z,2100-01-01T00:00:00Z,Usage,1,1",  # 8
        "0001-01-01T00:00:00Z,2026-10-01T00:00:00Z,Usage,1,1",  # 9
        "garbage,2026-10-01T00:00:00Z,Usage,1,1",  # 10
        "2026-10-01T00:00:00Z,2026-10-01T00:00:00+25:00,Usage,1,1",  # 11
    ]
    result = parse_cur_file(_cur_file(tmp_path, lines), "cur.csv")
    rows = [(r["source_line"], r["billing_period_start"], r["charge_period_start"]) for r in result.table.to_pylist()]
    assert rows == [
        (2, date(2026, 10, 1), datetime(2026, 9, 30, 15, tzinfo=UTC)),
        (3, date(2026, 10, 1), datetime(2026, 10, 1, 12, tzinfo=UTC)),
        (4, date(2026, 10, 1), datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ]
    out_of_range = "timestamp outside the accepted range 2000-01-01 to 2100-01-01 UTC (end excluded)"
    assert [(r.line, r.reason) for r in result.rejected] == [
        (5, out_of_range),
        (6, out_of_range),
        (7, out_of_range),
        (8, out_of_range),
        (9, out_of_range),
        (10, "bill/BillingPeriodStartDate is not a timestamp"),
        (11, "timestamp has an impossible UTC offset (accepted: -14:00 to +14:00)"),
    ]


def test_tag_columns_are_trimmed_and_empty_ones_left_out_of_the_tags_json(tmp_path):
    path = tmp_path / "cur.csv"
    path.write_text(
        "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UnblendedCost,"
        "resourceTags/user:team,resourceTags/user:feature,resourceTags/user:note\n"
        '2026-10-01,2026-10-01,Usage,1,  ml ,,"say ""hi"" \\ bye"\n'
        "2026-10-01,2026-10-01,Usage,1,,   ,\n"
        "2026-10-01,2026-10-01,Usage,1,\u00a0search\u00a0,chat,x\n"
    )
    rows = parse_cur_file(path, str(path)).table.to_pylist()
    assert [(r["team"], r["feature"], r["tags"]) for r in rows] == [
        ("ml", None, '{"user:team":"ml","user:note":"say \\"hi\\" \\\\ bye"}'),
        (None, None, None),
        ("search", "chat", '{"user:team":"search","user:feature":"chat","user:note":"x"}'),
    ]
