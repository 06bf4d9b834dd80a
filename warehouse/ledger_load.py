"""Load ledger files into `raw_ledger.requests`: validate, price at the rate card in force at each `ts`,
split the bad rows into quarantine, and replace the delivery days atomically.

Pricing runs in exact integer arithmetic (pico-dollars per token, rounded once per request to nano-dollars)
over the whole batch in DuckDB; the result is stored as DECIMAL(38,9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from ingest.common import Rejected, SourceFormatError, sql_literal
from ingest.ledger import LedgerFile, read_text_file, typed_select_sql
from rate_cards.pricing import card_pico_columns_sql, cost_nano_sql
from warehouse.duckdb_store import record_load, replace_quarantine, transaction

SOURCE = "ledger"
REQUESTS_TABLE = "raw_ledger.requests"
PRICES_TABLE = "raw_rate_cards.llm_prices"
ALIASES_TABLE = "raw_rate_cards.llm_model_aliases"

_REQUESTS_DDL = f"""
create table if not exists {REQUESTS_TABLE} (
    request_id uuid not null,
    requested_at timestamp not null,
    ingest_date date not null,
    model_id varchar not null,
    model varchar not null,
    provider varchar not null,
    api_version varchar,
    feature_tag varchar,
    input_tokens bigint not null,
    output_tokens bigint not null,
    cached_input_tokens bigint not null,
    cache_write_tokens bigint not null,
    reasoning_tokens bigint not null,
    duration_ms bigint,
    is_batch boolean not null,
    team varchar,
    tenant_id varchar,
    environment varchar,
    conversation_id varchar,
    status varchar not null,
    retry_of varchar,
    cache_hit boolean,
    routing_reason varchar,
    prompt_tokens bigint not null,
    is_long_context boolean not null,
    total_cost_usd decimal(38, 9) not null,
    client_cost_usd decimal(38, 9),
    rate_card_version varchar not null,
    source_file varchar not null,
    source_line bigint not null
)
"""


@dataclass(frozen=True)
class DayLoad:
    ingest_date: date
    input_rows: int
    loaded_rows: int
    quarantined_rows: int


def _file_relation(
    con: duckdb.DuckDBPyConnection, file: LedgerFile, index: int
) -> tuple[str, dict[str, str], str, list]:
    """Register one file with the connection; returns (relation, column types, line expression, rejected)."""
    if file.format == "parquet":
        path = str(file.path).replace("'", "''")
        relation = f"read_parquet('{path}', file_row_number = true)"
        described = con.execute(f"describe select * from {relation}").fetchall()
        types = {name: kind for name, kind, *_ in described if name != "file_row_number"}
        return relation, types, "file_row_number + 1", []
    table, rejected = read_text_file(file)
    name = f"_ledger_file_{index}"
    con.register(name, table)
    return name, {field: "VARCHAR" for field in table.column_names if field != "source_line"}, "source_line", rejected


def load_ledger_days(
    con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date]
) -> list[DayLoad]:
    """Replace the ledger rows (and quarantine) of each delivery day in `days` with what `files` hold.

    Files whose date is outside `days` are ignored; a day with no files is emptied. Requires the rate card
    tables (`raw_rate_cards.*`) to be loaded. Re-running with the same files gives identical rows.
    A file the engine cannot decode is rejected by name (one quarantined row) and the others load.
    """
    unreadable: dict[str, str] = {}
    while True:
        try:
            return _load_days(con, files, days, unreadable)
        except duckdb.Error as exc:
            # A Parquet file whose data pages cannot be decoded fails the statement that streams it, after its
            # metadata read fine: the transaction rolled back, so reject that file by name and load again.
            message = str(exc)
            candidates = [f for f in files if str(f.path) not in unreadable]
            culprit = next((f for f in candidates if str(f.path) in message), None)
            if culprit is None:  # the engine's message does not always name the file (Thrift errors): probe
                culprit = next((f for f in candidates if f.format == "parquet" and _undecodable(con, f)), None)
            if culprit is None:
                raise
            first_line = message.splitlines()[0]
            unreadable[str(culprit.path)] = f"ledger file rejected: not readable as {culprit.format}: {first_line}"


def _undecodable(con: duckdb.DuckDBPyConnection, file: LedgerFile) -> bool:
    """True when reading every value of a Parquet file fails (only run after a load failed)."""
    try:
        reader = con.execute(f"select * from read_parquet({sql_literal(str(file.path))})").fetch_record_batch()
        for _ in reader:
            pass
    except duckdb.Error:
        return True
    return False


def _load_days(
    con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date], unreadable: dict[str, str]
) -> list[DayLoad]:
    days = sorted(set(days))
    files = [f for f in files if f.ingest_date in set(days)]
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema if not exists raw_ledger")
    con.execute(_REQUESTS_DDL)
    text_rejected: list[Rejected] = []
    selects = []
    registered = []
    relations = []
    for index, file in enumerate(files):
        # A file that cannot be read or typed at all is one rejected input (named, with the reason); the
        # other files and days still load.
        if str(file.path) in unreadable:
            text_rejected.append(Rejected(str(file.path), None, unreadable[str(file.path)]))
            continue
        try:
            relation, types, line_expression, rejected = _file_relation(con, file, index)
        except SourceFormatError as exc:
            text_rejected.append(Rejected(str(file.path), None, f"ledger file rejected: {exc.problem}"))
            continue
        except duckdb.Error as exc:
            problem = str(exc).splitlines()[0]
            text_rejected.append(
                Rejected(str(file.path), None, f"ledger file rejected: not readable as {file.format}: {problem}")
            )
            continue
        if relation.startswith("_ledger_file_"):
            registered.append(relation)
        select = typed_select_sql(
            relation, types, source_file=str(file.path), ingest_date=file.ingest_date, line_expression=line_expression
        )
        try:
            con.execute(f"select * from ({select}) limit 0").fetchall()  # binds only: columns the SQL cannot type
        except duckdb.Error as exc:
            problem = str(exc).splitlines()[0]
            text_rejected.append(
                Rejected(str(file.path), None, f"ledger file rejected: columns cannot be typed: {problem}")
            )
            continue
        relations.append(relation)
        text_rejected.extend(rejected)
        selects.append(select)
    if not selects:  # no files at all: an empty typed relation keeps the SQL below uniform
        from ingest.ledger import LEDGER_FIELDS

        selects.append(
            typed_select_sql(
                "(select 1 as source_line) as nothing where false",
                dict.fromkeys(LEDGER_FIELDS, "VARCHAR"),
                source_file="",
                ingest_date=days[0] if days else date(1970, 1, 1),
            )
        )
    day_list = ", ".join(f"date '{d.isoformat()}'" for d in days) or "null"
    typed = "\nunion all by name\n".join(selects)
    cost = cost_nano_sql("defaulted", "card")
    # Type, validate, resolve aliases, price: one streaming pipeline, read twice (valid rows into the table,
    # then the few invalid rows into quarantine) rather than materialized: a 20M-row batch never sits in memory.
    checked = f"""
        with typed as ({typed}),
        defaulted as (
            select
                typed.* replace (
                    coalesce(cached_input_tokens, 0) as cached_input_tokens,
                    coalesce(cache_write_tokens, 0) as cache_write_tokens,
                    coalesce(reasoning_tokens, 0) as reasoning_tokens,
                    coalesce(is_batch, false) as is_batch,
                    coalesce(status, 'ok') as status
                )
            from typed
        ),
        card_by_model as ({card_pico_columns_sql(PRICES_TABLE)}),
        -- every id a client may send (model or explicit alias) keyed to its prices: one join prices a row
        card as (
            select card_by_model.*, card_by_model.model as sent_id from card_by_model
            union all
            select card_by_model.*, aliases.alias as sent_id
            from card_by_model
            inner join {ALIASES_TABLE} as aliases on aliases.model = card_by_model.model
        ),
        priced as (
            select
                defaulted.*,
                coalesce(card.model, defaulted.model_id) as model,
                card.provider,
                card.card_version as rate_card_version,
                card.model is not null as is_priced,
                card.cached_input_counted_in_input as cached_is_subset,
                card.reasoning_counted_in_output as reasoning_is_subset,
                case when card.cached_input_counted_in_input then defaulted.input_tokens
                    else defaulted.input_tokens + defaulted.cached_input_tokens + defaulted.cache_write_tokens
                end as prompt_tokens,
                coalesce(card.long_context_threshold_tokens is not null and (case when card.cached_input_counted_in_input
                    then defaulted.input_tokens else defaulted.input_tokens + defaulted.cached_input_tokens
                    + defaulted.cache_write_tokens end) > card.long_context_threshold_tokens, false) as is_long_context,
                {cost} as cost_nano
            from defaulted
            left join card
                on card.sent_id = defaulted.model_id
                and card.is_batch = defaulted.is_batch
                and defaulted.requested_at >= card.effective_from
                and (card.effective_to is null or defaulted.requested_at < card.effective_to)
        )
        select
            * exclude (problem, is_priced, cached_is_subset, reasoning_is_subset),
            coalesce(problem, case
                when not is_priced then 'unpriced model ' || model_id || ' at '
                    || strftime(requested_at, '%Y-%m-%d %H:%M:%S') || ' (no rate card entry or alias)'
                when cached_is_subset and cached_input_tokens + cache_write_tokens > input_tokens
                    then 'cached_input_tokens exceed input_tokens'
                when reasoning_is_subset and reasoning_tokens > output_tokens
                    then 'reasoning_tokens exceed output_tokens'
            end) as invalid_reason
        from priced
        """
    # Row order inside the table means nothing (source_file + source_line locate a row): parallel writes.
    con.execute("set preserve_insertion_order = false")
    # rows the engine will read (Parquet from metadata, text files from their tables), to skip the second
    # pass when every row was valid
    engine_rows = sum(con.execute(f"select count(*) from {relation}").fetchone()[0] for relation in relations)
    with transaction(con):
        con.execute(f"delete from {REQUESTS_TABLE} where ingest_date in ({day_list})")
        (inserted,) = con.execute(
            f"""
            insert into {REQUESTS_TABLE} by name
            select
                request_id, requested_at, ingest_date, model_id, model, provider, api_version,
                feature_tag, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
                duration_ms, is_batch, team, tenant_id, environment, conversation_id, status, retry_of,
                cache_hit, routing_reason, prompt_tokens, is_long_context,
                cast(cast(cost_nano as decimal(38, 0)) * cast(0.000000001 as decimal(18, 9)) as decimal(38, 9))
                    as total_cost_usd,
                client_cost_usd, rate_card_version, source_file, source_line
            from ({checked}) as checked
            where invalid_reason is null
            """
        ).fetchone()
        invalid = []
        if inserted < engine_rows:
            invalid = con.execute(
                f"""
                select ingest_date, source_file, source_line, invalid_reason
                from ({checked}) as checked
                where invalid_reason is not null
                """
            ).fetchall()
        # Duplicates among the rows just loaded (a hash aggregate on the UUID column: cheap), or ids already
        # loaded on another delivery day (re-running the same day is not a duplicate). Only those few rows
        # are ranked; every occurrence but the first moves to quarantine.
        con.execute(
            f"""
            create or replace temp table _ledger_repeated as
            with batch as (
                select request_id, ingest_date, source_file, source_line
                from {REQUESTS_TABLE}
                where ingest_date in ({day_list})
            ),
            repeated_here as (
                select request_id from batch group by request_id having count(*) > 1
            ),
            loaded_elsewhere as (
                select request_id, min(ingest_date) as elsewhere_date
                from {REQUESTS_TABLE}
                where ingest_date not in ({day_list})
                  and request_id in (select request_id from batch)
                group by request_id
            ),
            ranked as (
                select
                    batch.*,
                    row_number() over (
                        partition by batch.request_id order by ingest_date, source_file, source_line
                    ) as occurrence,
                    first_value(source_file) over (
                        partition by batch.request_id order by ingest_date, source_file, source_line
                    ) as first_file,
                    first_value(source_line) over (
                        partition by batch.request_id order by ingest_date, source_file, source_line
                    ) as first_line
                from batch
                where batch.request_id in (
                    select request_id from repeated_here union select request_id from loaded_elsewhere
                )
            )
            select
                ranked.request_id,
                ranked.source_file,
                ranked.source_line,
                ranked.ingest_date,
                case
                    when loaded_elsewhere.request_id is not null
                        then 'duplicate request_id: already loaded from delivery day '
                            || cast(loaded_elsewhere.elsewhere_date as varchar)
                    else 'duplicate request_id: first seen in ' || ranked.first_file || ' line '
                        || cast(ranked.first_line as varchar)
                end as duplicate_reason
            from ranked
            left join loaded_elsewhere on loaded_elsewhere.request_id = ranked.request_id
            where loaded_elsewhere.request_id is not null or ranked.occurrence > 1
            """
        )
        duplicates = con.execute(
            "select ingest_date, source_file, source_line, duplicate_reason from _ledger_repeated"
        ).fetchall()
        if duplicates:
            con.execute(
                f"""
                delete from {REQUESTS_TABLE}
                using _ledger_repeated as repeated
                where {REQUESTS_TABLE}.request_id = repeated.request_id
                  and {REQUESTS_TABLE}.source_file = repeated.source_file
                  and {REQUESTS_TABLE}.source_line = repeated.source_line
                """
            )
        bad = sorted(invalid + duplicates, key=lambda row: (row[0], row[1], row[2]))
        by_day: dict[date, list[Rejected]] = {day: [] for day in days}
        for ingest_date, source_file, line, reason in bad:
            by_day[ingest_date].append(Rejected(source_file, line, reason))
        file_day = {str(f.path): f.ingest_date for f in files}
        for rejected in text_rejected:
            by_day[file_day[rejected.source_file]].append(rejected)
        loaded = dict(
            con.execute(
                f"select ingest_date, count(*) from {REQUESTS_TABLE} where ingest_date in ({day_list}) group by ingest_date"
            ).fetchall()
        )
        checked_rows: dict[date, int] = dict(loaded)
        for ingest_date, *_ in bad:
            checked_rows[ingest_date] = checked_rows.get(ingest_date, 0) + 1
        results = []
        for day in days:
            rejected = by_day[day]
            input_rows = checked_rows.get(day, 0) + sum(1 for r in text_rejected if file_day[r.source_file] == day)
            replace_quarantine(con, SOURCE, day.isoformat(), rejected)
            record_load(
                con,
                SOURCE,
                day.isoformat(),
                input_rows=input_rows,
                loaded_rows=loaded.get(day, 0),
                quarantined_rows=len(rejected),
            )
            results.append(DayLoad(day, input_rows, loaded.get(day, 0), len(rejected)))
    for name in registered:
        con.unregister(name)
    con.execute("drop table if exists _ledger_repeated")
    con.execute("reset preserve_insertion_order")
    return results
