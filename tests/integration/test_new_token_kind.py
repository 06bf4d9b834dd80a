"""A pricing rule changed once reaches every priced source: in a copy of the code, ONE line adds a token kind
(audio input tokens, at their own price) to rate_cards/token_kinds.py; after regenerating the dbt macros, a
ledger request, a provider usage day and a Bedrock invocation day that carry the new count are all priced
with it, by the real ledger loader and the real dbt models."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

NEW_KIND = '    TokenKind("audio_input", "audio_input_tokens", within="input", price_default="input"),\n'

CARD = """
provider = "anthropic"
version = "test"
source = "test"
cached_input_counted_in_input = false
reasoning_counted_in_output = false

[[prices]]
model = "claude-test"
effective_from = "2026-01-01"
input = "3.00"
cached_input = "0.30"
cache_write = "3.75"
audio_input = "40.00"
output = "15.00"
"""

SCRIPT = """
import json, sys
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa

from ingest.ledger import discover_ledger_files
from ingest.provider_usage import USAGE_SCHEMA
from rate_cards.llm_cards import load_rate_cards
from warehouse.duckdb_store import connect, ensure_table
from warehouse.ledger_load import load_ledger_days
from warehouse.rate_card_load import load_llm_rate_cards

work = Path(sys.argv[1])
con = connect(work / "w.duckdb")
load_llm_rate_cards(con, load_rate_cards(work / "cards"))
files = discover_ledger_files(work / "landing" / "ledger")
load_ledger_days(con, files, [date(2026, 10, 1)])
day = datetime(2026, 10, 1, tzinfo=timezone.utc)
for table, provider, audio in (("usage", "anthropic", 2000), ("bedrock_invocations", "bedrock", 4000)):
    row = dict.fromkeys(USAGE_SCHEMA.names)
    row |= {"provider": provider, "endpoint": "messages", "bucket_start": day, "bucket_end": day, "model": "claude-test",
            "input_uncached_tokens": 1000, "output_tokens": 100, "audio_input_tokens": audio, "requests": 1,
            "source": "test"}
    ensure_table(con, f"raw_llm_providers.{table}", USAGE_SCHEMA)
    con.register("_row", pa.Table.from_pylist([row], schema=USAGE_SCHEMA))
    con.execute(f"insert into raw_llm_providers.{table} select * from _row")
    con.unregister("_row")
print(json.dumps({"ledger": str(con.execute("select total_cost_usd from raw_ledger.requests").fetchone()[0])}))
"""


def _run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def test_one_new_token_kind_prices_ledger_usage_and_bedrock(tmp_path):
    code = tmp_path / "code"
    for folder in ("ingest", "warehouse", "rate_cards"):
        shutil.copytree(PROJECT_ROOT / folder, code / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "dbt", code / "dbt", ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    kinds_file = code / "rate_cards" / "token_kinds.py"
    text = kinds_file.read_text()
    anchor = next(line for line in text.splitlines(keepends=True) if line.strip().startswith('TokenKind("output"'))
    assert "audio_input" not in text
    kinds_file.write_text(text.replace(anchor, NEW_KIND + anchor))  # the one change

    work = tmp_path / "work"
    (work / "cards").mkdir(parents=True)
    (work / "cards" / "anthropic.toml").write_text(CARD)
    day = work / "landing" / "ledger" / "2026-10-01"
    day.mkdir(parents=True)
    request = {
        "request_id": "6f1f2c8e-2b7a-4a52-9a55-0c2f4b8e9d10",
        "ts": "2026-10-01T12:00:00Z",
        "model_id": "claude-test",
        "api_version": "2023-06-01",
        "feature_tag": "support",
        "input_tokens": 1000,
        "output_tokens": 100,
        "audio_input_tokens": 2000,
        "duration_ms": 900,
    }
    (day / "requests.jsonl").write_text(json.dumps(request) + "\n")

    env = {**os.environ, "PYTHONPATH": str(code), "FINOPS_WAREHOUSE_PATH": str(work / "w.duckdb")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    _run([sys.executable, "-m", "rate_cards.pricing_sql"], code, env)
    assert "audio_input_pico" in (code / "dbt" / "macros" / "token_pricing.sql").read_text()
    loaded = json.loads(_run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(work)], code, env).stdout)
    dbt = Path(sys.executable).with_name("dbt")
    select = ["--select", "+int_provider_usage__priced"]
    _run([str(dbt), "run", "--project-dir", "dbt", "--profiles-dir", "dbt", "--quiet", *select], code, env)

    with duckdb.connect(str(work / "w.duckdb"), read_only=True) as con:
        priced = dict(
            con.execute(
                "select provider, usage_priced_cost_usd from main_intermediate.int_provider_usage__priced"
            ).fetchall()
        )

    # 1,000 input x $3 + 100 output x $15 + the audio tokens at $40 per 1M (additive, as this card counts parts)
    assert Decimal(loaded["ledger"]) == (1000 * 3 + 100 * 15 + 2000 * 40) / Decimal(10**6) == Decimal("0.0845")
    assert priced["anthropic"] == Decimal("0.0845")
    assert priced["bedrock"] == (1000 * 3 + 100 * 15 + 4000 * 40) / Decimal(10**6) == Decimal("0.1645")
