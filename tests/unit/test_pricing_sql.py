"""The SQL token-pricing rule (generated once, in rate_cards/pricing_sql.py) against the Python reference, in
every variant the loader and the dbt models use, plus the committed dbt macros being current."""

import random
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from rate_cards import pricing_sql
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_aggregate, price_request
from rate_cards.token_kinds import TOKEN_KINDS, part_kinds

CARDS = load_rate_cards()
OCT = datetime(2026, 10, 10, 12, 0)
MODELS = ("gpt-4o", "claude-sonnet-4-5", "gpt-5", "bedrock/claude-sonnet-4-5", "claude-haiku-4-5")


def test_committed_dbt_macros_are_generated_from_the_current_rule():
    assert pricing_sql.main(["--check"]) == 0, "run `python -m rate_cards.pricing_sql`"
    text = pricing_sql.DBT_MACROS_FILE.read_text()
    for kind in TOKEN_KINDS:
        assert f"{kind.name}_pico" in text


def _prices_relation(con: duckdb.DuckDBPyConnection) -> None:
    con.register("_prices", CARDS.prices_table())
    in_force = pricing_sql.price_in_force_sql("_prices", "timestamp '2026-10-10 12:00:00'")
    columns = ", ".join(pricing_sql.pico_price_columns_sql())
    con.execute(f"create table card as select *, {columns} from _prices where {in_force} and service_tier = 'default'")


def _random_rows(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        parts = {kind.count: rng.choice([0, rng.randint(0, 40_000)]) for kind in TOKEN_KINDS if kind.within}
        inside = parts["cached_input_tokens"] + parts["cache_write_tokens"]
        model = rng.choice(MODELS)
        rows.append(
            {
                "id": index,
                "model": model,
                "is_batch": rng.random() < 0.3,
                # around long-context thresholds (200k / 272k) too, and always >= the parts counted inside
                "input_tokens": inside + rng.choice([rng.randint(0, 5_000), rng.randint(150_000, 300_000)]),
                "output_tokens": parts["reasoning_tokens"] + rng.randint(0, 20_000),
                **parts,
                # per-call tools where the card sells them (gpt-5, sonnet 4.5), else none (unpriced when used)
                **{
                    kind.count: rng.randint(0, 3) if model in ("gpt-5", "claude-sonnet-4-5") else 0
                    for kind in TOKEN_KINDS
                    if kind.optional_price
                },
            }
        )
    return rows


def _priced_by_sql(rows: list[dict], **variant) -> dict[int, Decimal]:
    con = duckdb.connect()
    _prices_relation(con)
    con.execute(
        "create table usage (id int, model varchar, is_batch boolean, "
        + ", ".join(f"{kind.count} bigint" for kind in TOKEN_KINDS)
        + ")"
    )
    con.executemany(
        f"insert into usage values (?, ?, ?, {', '.join('?' for _ in TOKEN_KINDS)})",
        [[row["id"], row["model"], row["is_batch"], *(row[kind.count] for kind in TOKEN_KINDS)] for row in rows],
    )
    counts = {kind.name: f"usage.{kind.count}" for kind in TOKEN_KINDS}
    cost = pricing_sql.token_cost_nano_sql(counts, "card", **variant)
    result = con.execute(
        f"select usage.id, cast({cost} as decimal(38, 0)) from usage "
        "join card on card.model = usage.model and card.is_batch = usage.is_batch"
    ).fetchall()
    assert len(result) == len(rows)
    return {row_id: Decimal(nano).scaleb(-9) for row_id, nano in result}


def _counts(row: dict) -> dict[str, int]:
    return {kind.count: row[kind.count] for kind in TOKEN_KINDS}


def test_per_request_sql_equals_the_python_reference():
    rows = _random_rows(1, 600)
    by_sql = _priced_by_sql(rows)
    for row in rows:
        reference = price_request(CARDS.lookup(row["model"], OCT), is_batch=row["is_batch"], **_counts(row))
        assert by_sql[row["id"]] == reference, row
    # the sample crosses a long-context threshold both ways, or the comparison proves less than it says
    long_prompts = [r for r in rows if r["model"] == "claude-sonnet-4-5" and r["input_tokens"] > 200_000]
    assert long_prompts and len(long_prompts) < len(rows)


def _aggregate_reference(row: dict, *, parts_beside_totals: bool) -> Decimal:
    """An aggregate is priced at the base tier; counts given beside their totals are first put back into the
    card's own convention, then priced by the reference."""
    price = CARDS.lookup(row["model"], OCT)
    counts = _counts(row)
    if parts_beside_totals:
        for total in ("input", "output"):
            inside = price.cached_input_counted_in_input if total == "input" else price.reasoning_counted_in_output
            if inside:
                counts[f"{total}_tokens"] += sum(counts[part.count] for part in part_kinds(total))
    return price_aggregate(price, is_batch=row["is_batch"], **counts)


@pytest.mark.parametrize("parts_beside_totals", [False, True])
def test_aggregate_sql_prices_at_the_base_tier(parts_beside_totals):
    rows = _random_rows(2, 400)
    if parts_beside_totals:  # usage reports: input uncached, output without reasoning
        for row in rows:
            row["input_tokens"] -= row["cached_input_tokens"] + row["cache_write_tokens"]
            row["output_tokens"] -= row["reasoning_tokens"]
    by_sql = _priced_by_sql(rows, per_request=False, parts_beside_totals=parts_beside_totals)
    for row in rows:
        assert by_sql[row["id"]] == _aggregate_reference(row, parts_beside_totals=parts_beside_totals), row


def test_hand_computed_aggregate_of_an_anthropic_day():
    # claude-sonnet-4-5, a day of 300,000 uncached input (above the 200k threshold: an aggregate stays at the
    # base tier), 10,000 cache reads, 2,000 writes, 50,000 output:
    # 300,000 x $3 + 10,000 x $0.30 + 2,000 x $3.75 + 50,000 x $15 = $0.9 + $0.003 + $0.0075 + $0.75 = $1.6605
    row = {"id": 0, "model": "claude-sonnet-4-5", "is_batch": False} | {kind.count: 0 for kind in TOKEN_KINDS}
    row |= {"input_tokens": 300_000, "cached_input_tokens": 10_000, "cache_write_tokens": 2_000}
    row |= {"output_tokens": 50_000}
    by_sql = _priced_by_sql([row], per_request=False, parts_beside_totals=True)
    assert by_sql[0] == Decimal("1.6605")
    # the same day with 4,000 1-hour cache writes on top, at $6 (2x input): + $0.024
    row["cache_write_1h_tokens"] = 4_000
    assert _priced_by_sql([row], per_request=False, parts_beside_totals=True)[0] == Decimal("1.6845")


def test_price_in_force_is_from_inclusive_to_exclusive():
    con = duckdb.connect()
    con.execute(
        "create table p as select * from (values (timestamp '2026-10-01', timestamp '2026-11-01', 'oct'), "
        "(timestamp '2026-11-01', null, 'nov')) as t(effective_from, effective_to, label)"
    )
    for at, expected in [
        ("2026-09-30 23:59:59", []),
        ("2026-10-01 00:00:00", ["oct"]),
        ("2026-10-31 23:59:59", ["oct"]),
        ("2026-11-01 00:00:00", ["nov"]),
        ("2030-01-01 00:00:00", ["nov"]),
    ]:
        condition = pricing_sql.price_in_force_sql("p", f"timestamp '{at}'")
        assert [row[0] for row in con.execute(f"select label from p where {condition}").fetchall()] == expected
