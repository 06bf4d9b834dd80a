"""Request ledger, outcomes and LLM rate cards: the inputs of the request marts."""

from datetime import date, timedelta

import dagster as dg

from ingest.common import SourceFormatError
from ingest.ledger import discover_ledger_files
from ingest.outcomes import OUTCOMES_SCHEMA, parse_outcomes
from pipelines.checks.ledger_balance import ledger_day_balances
from pipelines.checks.ledger_expectations import sample_rows, validate_sample
from pipelines.partitions import daily_partitions, single_run_backfill
from pipelines.resources import LandingResource, WarehouseResource
from rate_cards.llm_cards import load_rate_cards
from warehouse.duckdb_store import (
    ensure_table,
    load_balance,
    record_load,
    replace_quarantine,
    replace_slice,
    transaction,
)
from warehouse.ledger_load import SOURCE as LEDGER_SOURCE
from warehouse.ledger_load import load_ledger_days
from warehouse.rate_card_load import load_llm_rate_cards

LLM_PRICES = dg.AssetKey(["rate_cards", "llm_prices"])
LLM_ALIASES = dg.AssetKey(["rate_cards", "llm_model_aliases"])
LEDGER_REQUESTS = dg.AssetKey(["ledger", "requests"])
OUTCOMES = dg.AssetKey(["outcomes", "conversations"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(LLM_PRICES, group_name="rate_cards", description="LLM token prices from rate_cards/llm/*.toml"),
        dg.AssetSpec(LLM_ALIASES, group_name="rate_cards", description="Explicit model aliases from the LLM cards"),
    ],
)
def llm_rate_cards(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Schema-check every LLM card and replace the price and alias tables."""
    cards = load_rate_cards(warehouse.settings.rate_cards_dir / "llm")
    with warehouse.connect() as con:
        prices, aliases = load_llm_rate_cards(con, cards)
    versions = sorted({price.card_version for price in cards.prices})
    yield dg.MaterializeResult(asset_key=LLM_PRICES, metadata={"rows": prices, "card_versions": ", ".join(versions)})
    yield dg.MaterializeResult(asset_key=LLM_ALIASES, metadata={"rows": aliases})


def _window_days(context: dg.AssetExecutionContext) -> list[date]:
    window = context.partition_time_window
    day, end = window.start.date(), window.end.date()
    days = []
    while day < end:
        days.append(day)
        day += timedelta(days=1)
    return days


@dg.asset(
    key=LEDGER_REQUESTS,
    group_name="ledger",
    deps=[LLM_PRICES, LLM_ALIASES],
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    check_specs=[
        dg.AssetCheckSpec(
            "row_balance",
            asset=LEDGER_REQUESTS,
            blocking=True,
            description="input records counted in the files = rows loaded + rows quarantined, every delivery day",
        ),
        dg.AssetCheckSpec(
            "gx_expectations",
            asset=LEDGER_REQUESTS,
            blocking=True,
            description="Great Expectations suite on the loaded rows of the partition",
        ),
    ],
    description="Ledger files of landing/ledger/YYYY-MM-DD/, validated and priced at the rate card in force at ts.",
)
def ledger_requests(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    days = _window_days(context)
    files = [f for f in discover_ledger_files(landing.local_folder("ledger")) if f.ingest_date in set(days)]
    context.log.info(f"loading {len(files)} ledger files for {days[0]}..{days[-1]}")
    with warehouse.connect() as con:
        loads = load_ledger_days(con, files, days)
        # counted again, from the files and the stored rows, not from what the loader says it did
        balances = ledger_day_balances(con, files, days)
        audit = load_balance(con, LEDGER_SOURCE, [d.isoformat() for d in days])
        gx_sample = sample_rows(con, days)
    gx_passed, gx_metadata = validate_sample(gx_sample)
    unbalanced = [b.ingest_date.isoformat() for b in balances if not b.balanced]
    unbalanced += [row[0] for row in audit if not row[5] and row[0] not in unbalanced]
    totals = {
        "input_rows": sum(b.input_rows for b in balances),
        "loaded_rows": sum(b.loaded_rows for b in balances),
        "quarantined_rows": sum(b.quarantined_rows for b in balances),
    }
    yield dg.MaterializeResult(
        asset_key=LEDGER_REQUESTS,
        metadata={
            **totals,
            "files": len(files),
            "days": len(days),
            "loader_input_rows": sum(x.input_rows for x in loads),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="row_balance",
                asset_key=LEDGER_REQUESTS,
                passed=not unbalanced and len(audit) == len(days),
                metadata={**totals, "unbalanced_days": ", ".join(unbalanced) or "none"},
            ),
            dg.AssetCheckResult(
                check_name="gx_expectations", asset_key=LEDGER_REQUESTS, passed=gx_passed, metadata=gx_metadata
            ),
        ],
    )


@dg.asset(
    key=OUTCOMES,
    group_name="ledger",
    check_specs=[
        dg.AssetCheckSpec("row_balance", asset=OUTCOMES, blocking=True, description="input rows = loaded + quarantined")
    ],
    description="Support-conversation outcomes from landing/outcomes/ (replaced whole on every run).",
)
def outcomes_conversations(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    folder = landing.local_folder("outcomes")
    if not folder.exists():  # no delivery: what was loaded stays (an empty outcomes/ folder empties it)
        context.log.warning(f"no outcomes delivery: {folder} does not exist; raw_outcomes.conversations left as it was")
        with warehouse.connect() as con:
            ensure_table(con, "raw_outcomes.conversations", OUTCOMES_SCHEMA)
        return dg.MaterializeResult(
            metadata={"delivery": f"none ({folder} does not exist)"},
            check_results=[dg.AssetCheckResult(check_name="row_balance", passed=True)],
        )
    links = [p for p in folder.glob("*") if p.is_symlink()]
    if links:  # never followed: a link could pull any file of the machine into the warehouse
        raise SourceFormatError(links[0], "is a symbolic link; outcome files must be regular files")
    files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    result = parse_outcomes(files)
    with warehouse.connect() as con:
        with transaction(con):
            replace_slice(con, "raw_outcomes.conversations", result.table, "true")
            replace_quarantine(con, "outcomes", "all", result.rejected)
            record_load(
                con,
                "outcomes",
                "all",
                input_rows=result.input_rows,
                loaded_rows=result.table.num_rows,
                quarantined_rows=len(result.rejected),
            )
        balance = load_balance(con, "outcomes", ["all"])
    return dg.MaterializeResult(
        metadata={
            "input_rows": result.input_rows,
            "loaded_rows": result.table.num_rows,
            "quarantined_rows": len(result.rejected),
            "files": len(files),
        },
        check_results=[dg.AssetCheckResult(check_name="row_balance", passed=bool(balance and balance[0][5]))],
    )
