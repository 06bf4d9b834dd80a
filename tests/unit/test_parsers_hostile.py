"""Hostile values in every non-ledger parser (issue 8, items 5 and 6): a quarantined row with file, line and
reason, or a one-line SourceFormatError naming the file; never a bare traceback, never a row moved in time."""

import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import bedrock_logs, dcgm, kubeflow, provider_usage, spark_eventlog
from ingest.aws_cur import parse_cur_file
from ingest.azure_exports import parse_azure_export
from ingest.common import SourceFormatError
from ingest.focus import parse_focus_file
from ingest.gcp_billing import parse_export_file
from ingest.storage import LocalStore

T0 = 1_790_000_000_000  # 2026-09-21 UTC, epoch ms


def reasons(result) -> dict:
    result.check_balance()
    return {r.line: r.reason for r in result.rejected}


def test_azure_values(tmp_path):
    rows = [
        "Date,CostInBillingCurrency,SubscriptionId",
        "10/01/2026,1.5,sub",  # 2: fine
        ",1.5,sub",  # 3: blank date
        "10/01/2026,10000000000000000000,sub",  # 4: 1e19 fits DECIMAL(38,9): loads exactly
        "10/01/2026,1e30,sub",  # 5: beyond DECIMAL(38,9)
        "12/31/9999,1.5,sub",  # 6: out of range
        "2026-10-01T10:00:00+25:00,1.5,sub",  # 7: impossible offset
    ]
    result = parse_azure_export("\n".join(rows).encode(), "azure/x.csv")
    got = reasons(result)
    assert set(got) == {3, 5, 6, 7}
    assert "date is empty" in got[3] and "too large" in got[5]
    assert "outside the accepted range" in got[6] and "date is not an ISO" in got[7] or "offset" in got[7]
    assert result.table.column("billed_cost").to_pylist() == [Decimal("1.5"), Decimal("1e19")]
    with pytest.raises(SourceFormatError, match=r"^azure/bad\.csv: expected UTF-8"):
        parse_azure_export(b"Date,Cost,SubscriptionId\n10/01/2026,\xff,sub\n", "azure/bad.csv")


def test_gcp_values():
    header = "billing_account_id,cost,usage_start_time,invoice.month,credits"
    rows = [
        header,
        "acct,1.5,2026-10-01T00:00:00Z,202610,[]",  # 2: fine
        "acct,1.5,2026-10-01T00:00:00Z, ,[]",  # 3: blank billing period
        'acct,1.5,2026-10-01T00:00:00Z,202610,"[1, 2]"',  # 4: credits not records
        "acct,1.5,2026-10-01T00:00:00+99:99,202610,[]",  # 5: impossible offset
        "acct,1e19,2026-10-01T00:00:00Z,202610,[]",  # 6: loads
        "acct,1.5,9999-10-01T00:00:00Z,202610,[]",  # 7: out of range
        "acct,1.5,2026-10-01T00:00:00Z,999912,[]",  # 8: invoice month out of range
    ]
    result = parse_export_file("\n".join(rows).encode(), "gcp/x.csv")
    got = reasons(result)
    assert set(got) == {3, 4, 5, 7, 8}, got
    assert "missing required field invoice.month" in got[3] and "credits is not a list of records" in got[4]
    assert "usage_start_time" in got[5] and "outside the accepted range" in got[7]
    assert result.table.num_rows == 2
    jsonl = b'{"billing_account_id": "a", "cost": 1, "usage_start_time": "2026-10-01T00:00:00Z", "invoice": {"month": "202610"}}\n{"cost": \n'
    lines = parse_export_file(jsonl, "gcp/x.jsonl")
    assert (lines.table.num_rows, reasons(lines)) == (1, {2: "not JSON: Expecting value"})
    with pytest.raises(SourceFormatError, match=r"^gcp/bad\.csv: expected UTF-8"):
        parse_export_file(header.encode() + b"\n\xff\n", "gcp/bad.csv")


def test_focus_values():
    header = "ProviderName,BillingAccountId,BillingPeriodStart,ChargePeriodStart,ChargeCategory,BilledCost,BillingCurrency,Tags"
    good = "AWS,1,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,1.5,USD"
    rows = [
        header,
        good + ',"{""team"": ""a""}"',  # 2: fine
        good + ',"[1, 2]"',  # 3: Tags not an object
        "AWS,1,,2026-10-02T00:00:00Z,Usage,1.5,USD,",  # 4: blank billing period
        "AWS,1,2026-10-01T00:00:00Z,2026-10-02T00:00:00+25:00,Usage,1.5,USD,",  # 5: impossible offset
        "AWS,1,2026-10-01T00:00:00Z,9999-10-02T00:00:00Z,Usage,1.5,USD,",  # 6: out of range
        "AWS,1,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,10000000000000000000,USD,",  # 7: loads
    ]
    result = parse_focus_file("\n".join(rows).encode(), "focus/x.csv")
    got = reasons(result)
    assert set(got) == {3, 4, 5, 6}, got
    assert "Tags is not a JSON object" in got[3] and "BillingPeriodStart is empty" in got[4]
    assert "ChargePeriodStart" in got[5] and "outside the accepted range" in got[6]
    assert result.table.column("billed_cost").to_pylist() == [Decimal("1.5"), Decimal("1e19")]
    with pytest.raises(SourceFormatError, match=r"^focus/bad\.csv: expected UTF-8"):
        parse_focus_file(header.encode() + b"\n\xff\n", "focus/bad.csv")


def test_spark_bad_timestamps_quarantine_the_event(tmp_path):
    events = [
        {"Event": "SparkListenerApplicationStart", "App ID": "app-x", "App Name": "n", "Timestamp": T0},
        {"Event": "SparkListenerExecutorAdded", "Timestamp": T0 + 1000, "Executor ID": "1", "Executor Info": {}},
        {"Event": "SparkListenerExecutorAdded", "Timestamp": "soon", "Executor ID": "2", "Executor Info": {}},
        {"Event": "SparkListenerJobEnd", "Completion Time": 10**20},
        {"Event": "SparkListenerTaskEnd", "Task Info": ["not", "a", "dict"]},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + 61_000},
    ]
    (tmp_path / "spark").mkdir()
    (tmp_path / "spark" / "app-x").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    results = spark_eventlog.parse_landing(LocalStore(tmp_path), "spark")
    (app,) = results["spark_apps"].table.to_pylist()
    assert app["ended_at"] == datetime(2026, 9, 21, 14, 14, 21)
    got = {r.line: r.reason for r in results["spark_apps"].rejected}
    assert set(got) == {3, 4, 5} and "Timestamp is not integer epoch milliseconds" in got[3]
    assert "outside the accepted range" in got[4]
    results["spark_apps"].check_balance()


def test_dcgm_sample_time_out_of_range_is_quarantined():
    lines = [
        'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 50 ' + str(T0),
        'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 50 ' + str(10**20),
        'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 50 1',
    ]
    result = dcgm.parse_scrape(lines, "dcgm/x.prom")
    got = reasons(result)
    assert set(got) == {2, 3} and all("outside the accepted range" in reason for reason in got.values())
    assert dcgm.time_from_name("dcgm_9999-01-01T00:00:00Z.prom") is None


def test_kubeflow_impossible_times_reject_the_run_or_pod():
    runs = {
        "runs": [
            {"run_id": "a", "created_at": "2026-10-01T00:00:00Z", "finished_at": "1970-01-01T00:00:00Z"},
            {"run_id": "b", "created_at": "2026-13-01T00:00:00Z"},
            {"run_id": "c", "created_at": "2026-10-01T00:00:00+25:00"},
            {"run_id": "d", "created_at": "9999-10-01T00:00:00Z"},
            {"run_id": "e", "pipeline_version_reference": "not an object"},
        ]
    }
    result = kubeflow.parse_runs([("kfp/runs.json", runs)])
    got = reasons(result)
    assert set(got) == {2, 3, 4, 5}, got
    assert result.table.column("run_id").to_pylist() == ["a"]
    assert result.table.column("finished_at").to_pylist() == [None]  # the zero time of an active run
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "status": {"startTime": "9999-01-01T00:00:00Z"}}
    pods = kubeflow.parse_pods([("k8s/pod.json", pod)])
    assert "outside the accepted range" in reasons(pods)[1]


def test_bedrock_bad_values_are_quarantined_lines():
    def record(**overrides) -> bytes:
        row = {"timestamp": "2026-10-01T00:00:00Z", "modelId": "anthropic.claude", "input": {"inputTokenCount": 10}}
        row.update(overrides)
        return json.dumps(row).encode()

    lines = [
        record(),  # 1
        b"[1, 2]",  # 2
        record(input={"inputTokenCount": "12.5"}),  # 3
        record(input={"inputTokenCount": 2**70}),  # 4
        record(timestamp="2026-10-01T00:00:00+25:00"),  # 5
        b'{"timestamp": "\xff"}',  # 6
        record(modelId="\ud800"),  # 7: lone surrogate (json.dumps escapes it)
        record(input="not an object"),  # 8
    ]
    result = bedrock_logs.parse_invocation_log(gzip.compress(b"\n".join(lines)), "bedrock/x.json.gz")
    got = reasons(result)
    assert set(got) == {2, 3, 4, 5, 6, 7, 8}, got
    assert result.table.num_rows == 1
    with pytest.raises(SourceFormatError, match=r"^bedrock/y\.json\.gz: cannot decompress"):
        bedrock_logs.parse_invocation_log(b"not gzip", "bedrock/y.json.gz")


def test_provider_pages_with_bad_values_fail_naming_the_page():
    page = {"data": [{"start_time": 10**15, "end_time": 10**15 + 1, "results": []}]}
    with pytest.raises(SourceFormatError, match=r"^openai/p1\.json: unreadable bucket.*outside the accepted range"):
        provider_usage.openai_usage_rows(page, "openai/p1.json")
    start = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
    page = {"data": [{"start_time": start, "end_time": start + 60, "results": [{"model": "\ud800"}]}]}
    with pytest.raises(SourceFormatError, match=r"^openai/p2\.json: field model"):
        provider_usage.openai_usage_rows(page, "openai/p2.json")
    page = {
        "data": [
            {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [{"amount": "NaN"}]}
        ]
    }
    with pytest.raises(SourceFormatError, match=r"^anthropic/c\.json: unreadable bucket.*not a finite amount"):
        provider_usage.anthropic_cost_rows(page, "anthropic/c.json")
    page = {"data": [{"start_time": start, "end_time": start + 60, "results": [{"input_tokens": 1.5}]}]}
    with pytest.raises(SourceFormatError, match=r"not a whole number"):
        provider_usage.openai_usage_rows(page, "openai/p3.json")


def test_cur_impossible_timestamps_and_unreadable_file(tmp_path: Path):
    header = "lineItem/LineItemType,lineItem/UnblendedCost,lineItem/UsageStartDate,bill/BillingPeriodStartDate"
    rows = [
        header,
        "Usage,1.5,2026-10-01T00:00:00Z,2026-10-01T00:00:00Z",  # 2
        "Usage,1.5,2026-10-01T00:00:00+99:99,2026-10-01T00:00:00Z",  # 3
        "Usage,1.5,9999-10-01T00:00:00Z,2026-10-01T00:00:00Z",  # 4
        "Usage,1.5,2026-10-01T00:00:00Z,infinity",  # 5
    ]
    path = tmp_path / "cur.csv"
    path.write_text("\n".join(rows) + "\n")
    result = parse_cur_file(path, "aws_cur/cur.csv")
    got = reasons(result)
    assert set(got) == {3, 4, 5}, got
    assert "offset" in got[3] and "outside the accepted range" in got[4] and "outside the accepted range" in got[5]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(header.encode() + b"\nUsage,\xff\xfe,2026-10-01T00:00:00Z,2026-10-01T00:00:00Z\n")
    # a line that is not UTF-8 is that line's problem: quarantined with its line number, the file still reads
    unreadable = parse_cur_file(bad, "aws_cur/bad.csv")
    assert unreadable.table.num_rows == 0 and unreadable.input_rows == 1
    assert [(r.line, "invalid encoding" in r.reason) for r in unreadable.rejected] == [(2, True)]


def test_the_shared_text_rule_is_trim_then_blank_to_null_for_every_character():
    """text_or_null_sql (every text field of CUR and ledger files) skips trim for values with nothing to trim;
    it must give what nullif(trim(x), '') gives for each code point alone, padding either side, inside a
    value, and repeated: DuckDB's trim strips Unicode space separators (NBSP, U+3000...), not tabs."""
    import duckdb

    from ingest.common import text_or_null_sql

    forms = "[c, c || 'a', 'a' || c, 'a' || c || 'b', c || c, ' ' || c || ' ', '', ' ', 'a', null]"
    mismatches = duckdb.execute(
        f"""
        with characters as (
            select chr(cast(i as integer)) as c from range(0, 1114112) as t(i) where i not between 55296 and 57343
        ), values_ as (select unnest({forms}) as x from characters)
        select count(*), any_value(x) from values_
        where {text_or_null_sql("x")} is distinct from nullif(trim(x), '')
        """
    ).fetchone()
    assert mismatches == (0, None)
