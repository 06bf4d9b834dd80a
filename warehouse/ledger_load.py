"""Load ledger files into `raw_ledger.requests`: validate, price at the rate card in force at each `ts`,
split the bad rows into quarantine, and replace the delivery days atomically.

Pricing runs in exact integer arithmetic (pico-dollars per token, rounded once per request to nano-dollars)
over the whole batch in DuckDB; the result is stored as DECIMAL(38,9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import duckdb
import pyarrow as pa

from ingest.common import Rejected, SourceFormatError, sql_literal
from ingest.ledger import LEDGER_FIELDS, LedgerFile, read_text_file, typed_select_sql
from ingest.record_counts import file_input_records
from rate_cards.pricing_sql import (
    DUCKDB,
    cost_fits_bigint_sql,
    is_long_context_sql,
    pico_price_columns_sql,
    pico_to_nano_sql,
    price_in_force_sql,
    prompt_tokens_sql,
    token_cost_pico_sql,
    unpriced_kinds_sql,
)
from rate_cards.token_kinds import TOKEN_KINDS, TOTAL_KINDS, part_kinds
from warehouse.duckdb_store import (
    LOAD_AUDIT_TABLE,
    QUARANTINE_TABLE,
    duckdb_settings,
    record_load,
    replace_quarantine,
    transaction,
)

SOURCE = "ledger"
REQUESTS_TABLE = "raw_ledger.requests"
# valid copies that lost to an earlier copy of the same request_id: kept whole, so restating the day of the
# winner promotes the next copy instead of losing the request
DUPLICATES_TABLE = "raw_ledger.duplicate_requests"
DUPLICATE_REASON = "duplicate request_id: first seen in "
PRICES_TABLE = "raw_rate_cards.llm_prices"
ALIASES_TABLE = "raw_rate_cards.llm_model_aliases"

_TABLE_DDL = """
create table if not exists {table} (
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
    {part_count_columns},
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
    service_tier varchar,
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

    Days load in date order, in batches of consecutive days of at most BATCH_BYTES of files (a day larger than
    that alone), so one statement never holds a month of a large ledger (100M requests over a month ran out of a
    2 GB memory limit in one statement); each batch is its own transaction, as a night of those days would be.
    """
    loads: list[DayLoad] = []
    for batch in day_batches(files, days):
        loads.extend(_load_batch(con, files, batch))
    return loads


# Row groups each thread of the insert buffers before writing them (DuckDB's default is 5).
WRITE_BUFFER_ROW_GROUPS = 2
# Files (bytes on disk) loaded by one statement: ~10M requests of zstd Parquet, ~1 GB of DuckDB memory.
BATCH_BYTES = 256 * 2**20


def day_batches(files: Sequence[LedgerFile], days: Sequence[date], limit: int = BATCH_BYTES) -> list[list[date]]:
    """`days` in date order, cut into runs of consecutive days whose files total at most `limit` bytes."""
    size_by_day: dict[date, int] = {}
    for file in files:
        try:
            size = file.path.stat().st_size
        except OSError:  # unreadable files are rejected by the load itself, with their reason
            size = 0
        size_by_day[file.ingest_date] = size_by_day.get(file.ingest_date, 0) + size
    batches: list[list[date]] = []
    batch_bytes = 0
    for day in sorted(set(days)):
        size = size_by_day.get(day, 0)
        if batches and batch_bytes + size <= limit:
            batches[-1].append(day)
            batch_bytes += size
        else:
            batches.append([day])
            batch_bytes = size
    return batches


def _load_batch(con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date]) -> list[DayLoad]:
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
        reader = con.execute(f"select * from read_parquet({sql_literal(str(file.path))})").to_arrow_reader()
        for _ in reader:
            pass
    except duckdb.Error:
        return True
    return False


# the counts of the parts of input and output (cache reads and writes, reasoning, any kind added later)
_PART_COUNTS = tuple(kind.count for kind in TOKEN_KINDS if kind.name not in TOTAL_KINDS)


def _parts_sum(total: str) -> str:
    """The counts of the parts of `total` added up (e.g. cached_input_tokens + cache_write_tokens + ...)."""
    return " + ".join(kind.count for kind in part_kinds(total)) or "0"


def create_ledger_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The requests and duplicates tables, with a count column per token kind; a kind added to the cards
    after the warehouse was created gets its column (0 for the rows already loaded)."""
    part_columns = ",\n    ".join(f"{column} bigint not null" for column in _PART_COUNTS)
    for table in (REQUESTS_TABLE, DUPLICATES_TABLE):
        con.execute(_TABLE_DDL.format(table=table, part_count_columns=part_columns))
        for column in _PART_COUNTS:
            con.execute(f"alter table {table} add column if not exists {column} bigint default 0")
        con.execute(f"alter table {table} add column if not exists service_tier varchar default 'default'")


def _load_days(
    con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date], unreadable: dict[str, str]
) -> list[DayLoad]:
    days = sorted(set(days))
    files = [f for f in files if f.ingest_date in set(days)]
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema if not exists raw_ledger")
    create_ledger_tables(con)
    inputs = _typed_inputs(con, files, days, unreadable)
    day_list = _date_list(days)
    checked = _checked_sql("\nunion all by name\n".join(inputs.selects))
    # rows the engine will read (Parquet from metadata, text files from their tables), to skip the second
    # pass when every row was valid
    engine_rows = sum(con.execute(f"select count(*) from {relation}").fetchone()[0] for relation in inputs.relations)
    # Row order inside the table means nothing (source_file + source_line locate a row): parallel writes. The
    # insert buffers WRITE_BUFFER_ROW_GROUPS row groups per thread before writing them: our rows are twice as
    # wide as the file's, and DuckDB's default of 5 took a 20M-row load 250 MB higher than 2, at the same speed.
    with (
        duckdb_settings(con, preserve_insertion_order=False, write_buffer_row_group_count=WRITE_BUFFER_ROW_GROUPS),
        transaction(con),
    ):
        inserted, invalid = _replace_day_rows(con, day_list, checked, engine_rows)
        touched_days = _settle_duplicates(con, day_list, inserted)
        results = _record_days(con, files, days, touched_days, invalid, inputs.rejected)
    for name in inputs.registered:
        con.unregister(name)
    for temp in ("_ledger_orphaned", "_ledger_contested", "_ledger_copies"):
        con.execute(f"drop table if exists {temp}")
    return results


@dataclass
class _TypedInputs:
    selects: list[str] = field(default_factory=list)  # one typed SELECT per readable file
    relations: list[str] = field(default_factory=list)  # what the engine reads, to count its rows
    registered: list[str] = field(default_factory=list)  # Arrow tables registered on the connection
    rejected: list[Rejected] = field(default_factory=list)  # whole files and text lines rejected before SQL


def _typed_inputs(
    con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date], unreadable: dict[str, str]
) -> _TypedInputs:
    """One typed SELECT per file; a file that cannot be read or typed at all is one rejected input (named,
    with the reason) and the other files and days still load."""
    inputs = _TypedInputs()
    text_rejected, selects, registered, relations = inputs.rejected, inputs.selects, inputs.registered, inputs.relations
    for index, file in enumerate(files):
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
    if not selects:  # a delivery day without files is empty: an empty all-text relation keeps the SQL uniform
        empty = pa.table(
            {name: pa.array([], pa.string()) for name in LEDGER_FIELDS} | {"source_line": pa.array([], pa.int64())}
        )
        con.register("_ledger_file_none", empty)
        registered.append("_ledger_file_none")
        selects.append(
            typed_select_sql(
                "_ledger_file_none",
                dict.fromkeys(LEDGER_FIELDS, "VARCHAR"),
                source_file="",
                ingest_date=days[0] if days else date(1970, 1, 1),
            )
        )
    return inputs


# the card's columns a matched row carries to the pricing step (prices per unit of both tiers, conventions)
_CARD_PRICING_COLUMNS = (
    *(f"{tier}{kind.name}_pico" for kind in TOKEN_KINDS for tier in ("", "lc_")),
    "cached_input_counted_in_input",
    "reasoning_counted_in_output",
)


def _checked_sql(typed: str) -> str:
    """Type, validate, resolve aliases, price: one streaming pipeline over the typed files, with
    `invalid_reason` (null for a row that loads). The pricing is the generated SQL of `rate_cards.pricing_sql`."""
    counts = {kind.name: f"defaulted.{kind.count}" for kind in TOKEN_KINDS}
    matched_counts = {kind.name: f"matched.{kind.count}" for kind in TOKEN_KINDS}
    defaults = ",\n                    ".join(f"coalesce({column}, 0) as {column}" for column in _PART_COUNTS)
    carried = ", ".join(f"card.{column}" for column in _CARD_PRICING_COLUMNS)

    def pico(integer_type: str) -> str:
        return token_cost_pico_sql(
            matched_counts, "matched", integer_type=integer_type, long_context="matched.is_long_context"
        )

    # Type, validate, resolve aliases, price: one streaming pipeline, read twice (valid rows into the table,
    # then the few invalid rows into quarantine) rather than materialized: a 20M-row batch never sits in memory.
    # Each step is its own projection so that what it computes (the long-context flag, the cost in
    # pico-dollars) is computed once per row and read by the next step as a column.
    return f"""
        with typed as ({typed}),
        defaulted as (
            select
                typed.* replace (
                    {defaults},
                    coalesce(is_batch, false) as is_batch,
                    coalesce(status, 'ok') as status
                )
            from typed
        ),
        card_by_model as (
            select *, {", ".join(pico_price_columns_sql())} from {PRICES_TABLE}
        ),
        -- every id a client may send (model or explicit alias) keyed to its prices: one join prices a row
        card as (
            select card_by_model.*, card_by_model.model as sent_id from card_by_model
            union all
            select card_by_model.*, aliases.alias as sent_id
            from card_by_model
            inner join {ALIASES_TABLE} as aliases on aliases.model = card_by_model.model
        ),
        matched as (
            select
                defaulted.*,
                coalesce(card.model, defaulted.model_id) as model,
                card.provider,
                card.card_version as rate_card_version,
                card.model is not null as is_priced,
                {prompt_tokens_sql(counts, "card")} as prompt_tokens,
                coalesce({is_long_context_sql(counts, "card")}, false) as is_long_context,
                {unpriced_kinds_sql(counts, "card")} as unpriced_kinds,
                -- exact in 64-bit integers for all but extreme rows, which take the wide type
                coalesce({cost_fits_bigint_sql(counts, "card")}, false) as cost_fits_bigint,
                {carried}
            from defaulted
            left join card
                on card.sent_id = defaulted.model_id
                and card.is_batch = defaulted.is_batch
                and card.service_tier = defaulted.service_tier
                and {price_in_force_sql("card", "defaulted.requested_at")}
        ),
        costed as (
            select
                matched.*,
                case when cost_fits_bigint then {pico(DUCKDB.bigint)} end as pico_bigint,
                case when not cost_fits_bigint then {pico(DUCKDB.wide_int)} end as pico_wide
            from matched
        ),
        priced as (
            select
                * exclude (pico_bigint, pico_wide, cost_fits_bigint),
                coalesce({pico_to_nano_sql("pico_bigint")}, {pico_to_nano_sql("pico_wide")}) as cost_nano
            from costed
        )
        select
            * exclude (problem, is_priced, unpriced_kinds, {", ".join(_CARD_PRICING_COLUMNS)}),
            coalesce(problem, case
                when not is_priced then 'unpriced model ' || model_id || ' at '
                    || strftime(requested_at, '%Y-%m-%d %H:%M:%S')
                    || case when service_tier = 'default' then '' else ' in service tier ' || service_tier end
                    || ' (no rate card entry or alias)'
                when cost_nano is null then 'unpriced usage of model ' || model || ': its card has no price for '
                    || unpriced_kinds
                when cached_input_counted_in_input and {_parts_sum("input")} > input_tokens
                    then '{_parts_sum("input")} exceed input_tokens'
                when reasoning_counted_in_output and {_parts_sum("output")} > output_tokens
                    then '{_parts_sum("output")} exceed output_tokens'
            end) as invalid_reason
        from priced
        """


def _replace_day_rows(
    con: duckdb.DuckDBPyConnection, day_list: str, checked: str, engine_rows: int
) -> tuple[int, list[tuple]]:
    """In the caller's transaction: the days' rows replaced by the valid checked rows; returns how many were
    inserted and the invalid rows (ingest_date, source_file, source_line, invalid_reason), read only when
    some row did not load."""
    # requests of these days that won over a copy delivered on another day: if the restated days drop
    # them, that other copy takes their place (dedup is decided over the whole history)
    con.execute(
        f"""
        create or replace temp table _ledger_orphaned as
        select distinct request_id from {DUPLICATES_TABLE}
        where ingest_date not in ({day_list})
          and request_id in (select request_id from {REQUESTS_TABLE} where ingest_date in ({day_list}))
        """
    )
    con.execute(f"delete from {REQUESTS_TABLE} where ingest_date in ({day_list})")
    con.execute(f"delete from {DUPLICATES_TABLE} where ingest_date in ({day_list})")
    (inserted,) = con.execute(
        f"""
        insert into {REQUESTS_TABLE} by name
        select
            request_id, requested_at, ingest_date, model_id, model, provider, api_version,
            feature_tag, input_tokens, output_tokens, {", ".join(_PART_COUNTS)},
            duration_ms, is_batch, team, tenant_id, environment, conversation_id, status, retry_of,
            cache_hit, routing_reason, service_tier, prompt_tokens, is_long_context,
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
    return inserted, invalid


def _record_days(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[LedgerFile],
    days: Sequence[date],
    touched_days: set[date],
    invalid: list[tuple],
    text_rejected: list[Rejected],
) -> list[DayLoad]:
    """Quarantine and audit of each loaded day (input records = loaded + quarantined, duplicates included),
    and the duplicates restated on the other days the load touched."""
    by_day: dict[date, list[Rejected]] = {day: [] for day in days}
    for ingest_date, source_file, line, reason in invalid:
        by_day[ingest_date].append(Rejected(source_file, line, reason))
    file_day = {str(f.path): f.ingest_date for f in files}
    records_of_file = {str(file.path): file_input_records(file.path, file.format) for file in files}
    for rejected in text_rejected:
        if rejected.line is None:  # the file rejected whole stands for every record it holds
            rejected = replace(rejected, records=records_of_file[rejected.source_file])
        by_day[file_day[rejected.source_file]].append(rejected)
    duplicates = _duplicate_rejections(con, sorted(set(days) | touched_days))
    loaded = _loaded_rows(con, sorted(set(days) | touched_days))
    input_by_day: dict[date, int] = dict.fromkeys(days, 0)
    for file in files:
        input_by_day[file.ingest_date] += records_of_file[str(file.path)]
    results = []
    for day in days:
        rejected = sorted(by_day[day] + duplicates.get(day, []), key=lambda r: (r.source_file, r.line or 0))
        replace_quarantine(con, SOURCE, day.isoformat(), rejected)
        quarantined = sum(row.records for row in rejected)
        record_load(
            con,
            SOURCE,
            day.isoformat(),
            input_rows=input_by_day[day],
            loaded_rows=loaded.get(day, 0),
            quarantined_rows=quarantined,
        )
        results.append(DayLoad(day, input_by_day[day], loaded.get(day, 0), quarantined))
    for day in sorted(touched_days - set(days)):
        _restate_duplicates_of_day(con, day, duplicates.get(day, []), loaded.get(day, 0))
    return results


# Rows per pass of the search for contested request_ids: its hash table holds about 75 bytes per row searched,
# so a 20M-row day is searched in parts of a few hundred MB (each part one hash bucket of the ids) instead of
# a 1.5 GB table at once; a day of up to this many rows is searched in one pass.
_CONTESTED_SEARCH_ROWS = 4_000_000


def _settle_duplicates(con: duckdb.DuckDBPyConnection, day_list: str, loaded_rows: int) -> set[date]:
    """Decide, over the whole history, which copy of each request_id the just-loaded days touch is kept: the
    earliest (ingest_date, source_file, source_line). Winners go to the requests table, the other valid copies
    to the duplicates table. Only contested ids are ranked (a cheap hash aggregate finds them). Returns the
    delivery days outside `day_list` holding a copy of a contested id: a copy there may have been promoted or
    demoted, or now loses to another copy (its quarantine reason names the copy kept)."""
    parts = max(1, -(-loaded_rows // _CONTESTED_SEARCH_ROWS))
    con.execute("create or replace temp table _ledger_contested (request_id uuid)")
    for part in range(parts):
        in_part = f"hash(request_id) % {parts} = {part}" if parts > 1 else "true"
        con.execute(
            f"""
            insert into _ledger_contested
            with batch as (
                select request_id from {REQUESTS_TABLE} where ingest_date in ({day_list}) and {in_part}
            )
            select request_id from batch group by request_id having count(*) > 1
            union
            select request_id from {REQUESTS_TABLE}
            where ingest_date not in ({day_list}) and {in_part} and request_id in (select request_id from batch)
            union
            select request_id from {DUPLICATES_TABLE}
            where {in_part} and request_id in (select request_id from batch)
            union
            select request_id from _ledger_orphaned where {in_part}
            """
        )
    con.execute(
        f"""
        create or replace temp table _ledger_copies as
        with copies as (
            select * from {REQUESTS_TABLE}
            where request_id in (select request_id from _ledger_contested)
            union all by name
            select * from {DUPLICATES_TABLE}
            where request_id in (select request_id from _ledger_contested)
        )
        select
            *,
            row_number() over (
                partition by request_id order by ingest_date, source_file, source_line
            ) = 1 as is_kept
        from copies
        """
    )
    (contested,) = con.execute("select count(*) from _ledger_contested").fetchone()
    if not contested:
        return set()
    for table in (REQUESTS_TABLE, DUPLICATES_TABLE):
        con.execute(f"delete from {table} where request_id in (select request_id from _ledger_contested)")
    con.execute(f"insert into {REQUESTS_TABLE} by name select * exclude (is_kept) from _ledger_copies where is_kept")
    con.execute(
        f"insert into {DUPLICATES_TABLE} by name select * exclude (is_kept) from _ledger_copies where not is_kept"
    )
    moved = con.execute(
        f"""
        select distinct ingest_date from _ledger_copies
        where ingest_date not in ({day_list})
        """
    ).fetchall()
    return {row[0] for row in moved}


def _date_list(days: Sequence[date]) -> str:
    return ", ".join(f"date '{d.isoformat()}'" for d in days) or "null"


def _duplicate_rejections(con: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dict[date, list[Rejected]]:
    """Quarantine rows of the duplicate copies delivered on `days`, each naming the copy that was kept."""
    rows = con.execute(
        f"""
        select copy.ingest_date, copy.source_file, copy.source_line, kept.source_file, kept.source_line
        from {DUPLICATES_TABLE} as copy
        inner join {REQUESTS_TABLE} as kept on kept.request_id = copy.request_id
        where copy.ingest_date in ({_date_list(days)})
        order by copy.ingest_date, copy.source_file, copy.source_line
        """
    ).fetchall()
    by_day: dict[date, list[Rejected]] = {}
    for ingest_date, source_file, line, kept_file, kept_line in rows:
        by_day.setdefault(ingest_date, []).append(
            Rejected(source_file, line, f"{DUPLICATE_REASON}{kept_file} line {kept_line}")
        )
    return by_day


def _loaded_rows(con: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dict[date, int]:
    return dict(
        con.execute(
            f"select ingest_date, count(*) from {REQUESTS_TABLE} where ingest_date in ({_date_list(days)})"
            " group by ingest_date"
        ).fetchall()
    )


def _restate_duplicates_of_day(
    con: duckdb.DuckDBPyConnection, day: date, duplicates: list[Rejected], loaded_rows: int
) -> None:
    """A day not reloaded whose copies were promoted or demoted: its duplicate quarantine rows and its audit
    row follow; its other quarantine rows and its input count (from its files) stay."""
    scope = day.isoformat()
    kept = [
        Rejected(source_file, line, reason, raw, records)
        for source_file, line, reason, raw, records in con.execute(
            f"""
            select source_file, line, reason, raw, records from {QUARANTINE_TABLE}
            where source = ? and load_scope = ? and not starts_with(reason, ?)
            """,
            [SOURCE, scope, DUPLICATE_REASON],
        ).fetchall()
    ]
    rejected = sorted(kept + duplicates, key=lambda r: (r.source_file, r.line or 0))
    replace_quarantine(con, SOURCE, scope, rejected)
    audit = con.execute(
        f"select input_rows from {LOAD_AUDIT_TABLE} where source = ? and load_scope = ?",
        [SOURCE, scope],
    ).fetchone()
    if audit is None:  # every day with rows was loaded here, and each load records its audit row
        raise RuntimeError(f"ledger day {scope} has rows but no load audit row")
    record_load(
        con,
        SOURCE,
        scope,
        input_rows=audit[0],
        loaded_rows=loaded_rows,
        quarantined_rows=sum(row.records for row in rejected),
    )
