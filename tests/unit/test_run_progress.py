"""What `finops run` shows (issue 13 items 4 and 6): a line per step, the cause of each failed step in one block at
the end (file, entry, field, expected), and nothing else: Dagster's logs and warnings and GX's progress bars do not
reach the screen. A small real Dagster job stands in for the main one; the failing step runs the real rate card
loader on a bad card."""

import io
from datetime import date

import dagster as dg
import duckdb

from pipelines.checks.ledger_expectations import sample_rows, validate_sample
from pipelines.progress import cause_block, execute_with_progress
from rate_cards.llm_cards import load_card_file

BAD_CARD = """\
provider = "openai"
version = "2026-01-01"
source = "test"
currency = "USD"
cached_input_counted_in_input = true
reasoning_counted_in_output = true

[[prices]]
model = "gpt-4o"
effective_from = "2024-10-02"
input = "-2.50"
cached_input = "1.25"
output = "10.00"
"""


def _job(card_path):
    @dg.asset
    def llm_rate_cards():
        load_card_file(card_path)

    @dg.asset(deps=[llm_rate_cards])
    def ledger__requests():
        pass

    @dg.asset
    def outcomes(context: dg.AssetExecutionContext):
        context.log.info("a log line the user does not need on screen")

    defs = dg.Definitions(assets=[llm_rate_cards, ledger__requests, outcomes])
    return defs.resolve_job_def("__ASSET_JOB")


def test_a_bad_rate_card_ends_the_output_with_its_cause(tmp_path):
    card = tmp_path / "openai.toml"
    card.write_text(BAD_CARD)
    out = io.StringIO()
    log = tmp_path / "logs" / "run.log"
    result, progress = execute_with_progress(
        _job(card), dg.DagsterInstance.ephemeral(), out=out, log_path=log, raise_on_error=False
    )
    assert not result.success
    expected = (
        f"RateCardError: {card}, prices entry 1 (model 'gpt-4o'), field 'input':"
        " expected a non-negative price, got '-2.50'"
    )
    assert progress.failures == {"llm_rate_cards": expected}
    assert progress.not_run() == ["ledger__requests"]
    block = cause_block(progress.failures, log, progress.not_run())
    assert block == [
        "Why the run failed:",
        f"  llm_rate_cards: {expected}",
        "Not run (they depend on a failed step): ledger__requests",
        f"Full log: {log}",
    ]

    lines = out.getvalue().splitlines()
    # one line when each step starts and one when it ends (the downstream step never starts), nothing else
    assert len(lines) == 4, lines
    assert all(line.startswith("[finops ") for line in lines)
    assert any("FAILED   llm_rate_cards" in line for line in lines)
    assert any("done     outcomes" in line and "/3)" in line for line in lines)
    assert "dagster - " not in out.getvalue() and "Traceback" not in out.getvalue()
    # Dagster's own log, with the traceback, is in the run log
    assert "a log line the user does not need on screen" in log.read_text()
    assert "Traceback" in log.read_text() or "RateCardError" in log.read_text()


def test_on_a_terminal_the_running_step_is_one_live_line(tmp_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    card = tmp_path / "openai.toml"
    card.write_text(BAD_CARD.replace('"-2.50"', '"2.50"'))
    out = Terminal()
    result, progress = execute_with_progress(
        _job(card), dg.DagsterInstance.ephemeral(), out=out, log_path=tmp_path / "run.log"
    )
    assert result.success and progress.failures == {}
    permanent = [line.split("\r")[-1] for line in out.getvalue().split("\n") if "[finops " in line]
    assert len(permanent) == 3 and all("done " in line for line in permanent)
    assert "running " in out.getvalue()  # the live status line, overwritten in place
    assert "started " not in out.getvalue()


def _ledger_rows(rows: int, request_id: str, ingest_date: str) -> duckdb.DuckDBPyConnection:
    """A connection holding `rows` valid ledger rows (the columns the GX sample reads); `request_id` and
    `ingest_date` are SQL over the row number `i`."""
    con = duckdb.connect()
    con.execute("create schema raw_ledger")
    con.execute(
        f"""
        create table raw_ledger.requests as
        select {request_id} as request_id, timestamp '2026-10-01 00:00:00' as requested_at, 'gpt-4o' as model,
               10 as input_tokens, 5 as output_tokens, 0 as cached_input_tokens, 0 as reasoning_tokens,
               100 as duration_ms, 'ok' as status, 0.01::decimal(38, 9) as total_cost_usd,
               {ingest_date} as ingest_date
        from range({rows}) as t(i)
        """
    )
    return con


def test_great_expectations_draws_no_progress_bars(capfd, recwarn):
    con = _ledger_rows(3, "'req-' || i", "date '2026-10-01'")
    passed, metadata = validate_sample(sample_rows(con, [date(2026, 10, 1)]))
    captured = capfd.readouterr()
    assert metadata["rows_validated"] == 3
    assert "Calculating Metrics" not in captured.err + captured.out
    # the sample reaches Arrow without DuckDB's extra copy of a DB-API result (it warns when it makes one)
    assert not [w for w in recwarn if "extra copy" in str(w.message)]


DBT_OUTPUT_IN_THE_RUN_LOG = """\
2026-12-02 03:01:14 +0000 - dagster - INFO - main - 1a2b - dbt_marts - Running dbt command: `dbt build`.
Running with dbt=1.11.16
1 of 2 START sql table model main.fct_costs ..................................... [RUN]
1 of 2 ERROR creating sql table model main.fct_costs ............................ [\x1b[31mERROR\x1b[0m in 0.20s]
2 of 2 SKIP relation main.rpt_showback .......................................... [\x1b[33mSKIP\x1b[0m]

\x1b[31mCompleted with 1 error, 0 partial successes, and 0 warnings:\x1b[0m

\x1b[31mFailure in model fct_costs (models/marts/fct_costs.sql)\x1b[0m
  Binder Error: Referenced column "x_cost_origin" not found in FROM clause!

  compiled code at target/dbt_marts-1a2b3c4-5d6e7f8/compiled/finops/models/marts/fct_costs.sql

Done. PASS=0 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=2
"""


def test_a_failed_dbt_step_shows_dbts_own_error_lines(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(DBT_OUTPUT_IN_THE_RUN_LOG)
    cause = "DbtCliInvocationError: The dbt CLI process with command `dbt build` failed with exit code `1`."
    block = cause_block({"dbt_marts": cause}, log)
    assert block == [
        "Why the run failed:",
        f"  dbt_marts: {cause}",
        "      dbt: Failure in model fct_costs (models/marts/fct_costs.sql)",
        '      dbt: Binder Error: Referenced column "x_cost_origin" not found in FROM clause!',
        "      dbt: compiled code at target/dbt_marts-1a2b3c4-5d6e7f8/compiled/finops/models/marts/fct_costs.sql",
        f"Full log: {log}",
    ]


def test_great_expectations_runs_in_a_child_process():
    """The run's process never imports GX (seconds, and ~190 MB it would keep through the dbt steps); a failing
    expectation still fails the check."""
    import ast
    import subprocess
    import sys

    script = """
import sys
from datetime import date
import duckdb
from pipelines.checks.ledger_expectations import sample_rows, validate_sample
con = duckdb.connect()
con.execute("create schema raw_ledger")
con.execute('''
    create table raw_ledger.requests as
    select '00000000-0000-0000-0000-00000000000' || (i % 2) as request_id,
           timestamp '2026-10-01 00:00:00' as requested_at, 'gpt-4o' as model, 10 as input_tokens,
           5 as output_tokens, 0 as cached_input_tokens, 0 as reasoning_tokens, 100 as duration_ms,
           'ok' as status, 0.01::decimal(38, 9) as total_cost_usd, date '2026-10-01' as ingest_date
    from range(3) as t(i)
''')
passed, metadata = validate_sample(sample_rows(con, [date(2026, 10, 1)]))
print(repr((passed, "great_expectations" in sys.modules, metadata["failed"])))
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    passed, imported, failed = ast.literal_eval(completed.stdout.strip().splitlines()[-1])
    assert (passed, imported) == (False, False)
    assert "unique:request_id" in failed


def test_the_gx_sample_of_a_large_partition_is_full_size_the_same_rows_every_run_and_only_the_partition():
    # unique ids over both days, half of the rows on each
    con = _ledger_rows(40000, "cast(md5(cast(i as varchar)) as uuid)", "date '2026-10-01' + cast(i % 2 as integer)")
    day = [date(2026, 10, 1)]
    sample = sample_rows(con, day, size=1000)  # 20,000 rows on the day: a stride of 10
    assert sample.num_rows == 1000
    assert sample.equals(sample_rows(con, day, size=1000))
    ids = [str(value) for value in sample.column("request_id").to_pylist()]
    (outside,) = con.execute(
        "select count(*) from raw_ledger.requests where ingest_date <> date '2026-10-01'"
        " and cast(request_id as varchar) in (select unnest(?))",
        [ids],
    ).fetchone()
    assert outside == 0
    assert sample_rows(con, day, size=30000).num_rows == 20000  # a small partition: every row
