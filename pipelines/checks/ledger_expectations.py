"""Great Expectations suite on the ledger rows of a partition (pandas path: GX's SQL datasource is broken
on DuckDB, see stack.md). Validates up to SAMPLE_ROWS rows per run; exact row counts are checked in SQL.

The suite runs in a child process: importing GX costs seconds and ~190 MB that the run's process would keep to
its end, through the dbt steps where a big night peaks (issue 12: 100M requests under 3 GiB)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import duckdb
import pyarrow as pa

SAMPLE_ROWS = 200_000
REQUESTS_TABLE = "raw_ledger.requests"


def validate_sample(rows: pa.Table) -> tuple[bool, dict]:
    """Run the suite on a sample of loaded rows (`sample_rows`); returns (passed, metadata for the check
    result). Call it with the warehouse closed: DuckDB then gives its buffers back before the child starts, so
    the child's memory does not add to what a big load left in this process."""
    if rows.num_rows == 0:
        return True, {"rows_validated": 0, "note": "no rows in the partition"}
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(validate_rows, rows).result()


def sample_rows(con: duckdb.DuckDBPyConnection, days: list[date], size: int = SAMPLE_ROWS) -> pa.Table:
    """Up to `size` rows of `days`, the same every run: all of them when the partition is small, else the lowest
    request_ids among the rows whose id hashes into one residue class of a stride that leaves about twice `size`
    candidates. Ids are random, so this is a pseudo-random sample; the top-N runs over the candidates only (over
    the 100M ids of a backfilled month, a top-N over all of them took 26 s)."""
    day_list = ", ".join(f"date '{d.isoformat()}'" for d in days)
    where = f"ingest_date in ({day_list})"
    ((count,),) = con.execute(f"select count(*) from {REQUESTS_TABLE} where {where}").fetchall()
    stride = max(1, count // (2 * size))
    # con.sql: DuckDB hands a relation's result to Arrow without the extra copy a DB-API result makes
    return con.sql(
        f"""
        select request_id, requested_at, model, input_tokens, output_tokens, cached_input_tokens,
               reasoning_tokens, duration_ms, status, total_cost_usd >= 0 as is_cost_non_negative
        from {REQUESTS_TABLE}
        where {where} and hash(request_id) % {stride} = 0
        order by request_id
        limit {int(size)}
        """
    ).to_arrow_table()


def validate_rows(rows: pa.Table) -> tuple[bool, dict]:
    """The suite on these rows (in the child process)."""
    import great_expectations as gx  # imported here: 3-8 s, never at Definitions load
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = rows.to_pandas()
    context = gx.get_context(mode="ephemeral")
    # GX draws tqdm bars on stderr for every metric: noise in `finops run`'s output and its log
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("ledger")
        .add_dataframe_asset("requests")
        .add_batch_definition_whole_dataframe("partition")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(
        name="ledger_requests",
        expectations=[
            gx.expectations.ExpectColumnValuesToBeUnique(column="request_id"),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="request_id"),
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="request_id", regex=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
            ),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="requested_at"),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="model"),
            gx.expectations.ExpectColumnValuesToBeBetween(column="input_tokens", min_value=0),
            gx.expectations.ExpectColumnValuesToBeBetween(column="output_tokens", min_value=0),
            gx.expectations.ExpectColumnValuesToBeBetween(column="duration_ms", min_value=0),
            gx.expectations.ExpectColumnValuesToBeInSet(column="status", value_set=["ok", "error"]),
            # the DECIMAL cost itself never leaves the warehouse as float: its sign is checked in SQL
            gx.expectations.ExpectColumnValuesToBeInSet(column="is_cost_non_negative", value_set=[True]),
        ],
    )
    result = batch.validate(suite)
    failed = [
        r.expectation_config.type + ":" + str(r.expectation_config.kwargs.get("column"))
        for r in result.results
        if not r.success
    ]
    return bool(result.success), {
        "rows_validated": len(frame),
        "expectations": len(result.results),
        "failed": ", ".join(failed) or "none",
    }
