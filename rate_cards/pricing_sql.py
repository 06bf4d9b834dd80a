"""The SQL twin of `rate_cards.pricing`, generated from `TOKEN_KINDS`: the one implementation of token pricing
in SQL, used by the ledger loader (DuckDB, in Python) and, through the generated macros in
`dbt/macros/token_pricing.sql`, by every dbt model that prices tokens (provider usage, Bedrock invocations,
the PTU pay-as-you-go comparison, the training break-even).

Regenerate the dbt macros after changing `TOKEN_KINDS` or a rule here: `python -m rate_cards.pricing_sql`
(a unit test fails while the committed file is stale).

Rounding, the one rule: a request (or an aggregate row) is priced exactly in integer pico-dollars and rounded
once to nano-dollars (9 places), half-even, as `pricing.price_request` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rate_cards.token_kinds import TOKEN_KINDS, TokenKind, part_kinds

DBT_MACROS_FILE = Path(__file__).resolve().parent.parent / "dbt" / "macros" / "token_pricing.sql"
_SELECT_SEPARATOR = ",\n    "
_FLAG = {"input": "cached_input_counted_in_input", "output": "reasoning_counted_in_output"}


@dataclass(frozen=True)
class Dialect:
    name: str
    bigint: str  # a 64-bit integer: pico-dollars per token
    wide_int: str  # exact integers beyond BIGINT: tokens x pico-dollars per token
    div: Callable[[str, str], str]
    mod: Callable[[str, str], str]


DUCKDB = Dialect("duckdb", "bigint", "hugeint", lambda a, b: f"({a} // {b})", lambda a, b: f"({a} % {b})")
BIGQUERY = Dialect("bigquery", "int64", "bignumeric", lambda a, b: f"div({a}, {b})", lambda a, b: f"mod({a}, {b})")


def price_in_force_sql(prices: str, at: str) -> str:
    """Join condition: the effective-dated entry of `prices` in force at `at` (from inclusive, to exclusive,
    open-ended when `effective_to` is null)."""
    return f"({at} >= {prices}.effective_from and ({prices}.effective_to is null or {at} < {prices}.effective_to))"


def pico_price_columns_sql(dialect: Dialect = DUCKDB) -> list[str]:
    """Select-list items over a prices relation (`<kind>_usd_per_mtok`, `lc_<kind>_usd_per_mtok`): whole
    pico-dollars per token for both tiers (exact: cards have at most 6 decimals per 1M tokens)."""
    columns = [
        f"cast({kind.name}_usd_per_mtok * 1000000 as {dialect.bigint}) as {kind.name}_pico" for kind in TOKEN_KINDS
    ]
    columns += [
        f"cast(coalesce(lc_{kind.name}_usd_per_mtok, {kind.name}_usd_per_mtok) * 1000000 as {dialect.bigint}) "
        f"as lc_{kind.name}_pico"
        for kind in TOKEN_KINDS
    ]
    return columns


def _kind(name: str) -> TokenKind:
    return next(kind for kind in TOKEN_KINDS if kind.name == name)


def _count(counts: Mapping[str, str], kind: TokenKind) -> str:
    return f"({counts[kind.name]})" if kind.name in counts else "0"


def prompt_tokens_sql(counts: Mapping[str, str], card: str, *, parts_beside_totals: bool = False) -> str:
    """The provider's whole prompt: input, plus the input parts when they are counted apart (by the
    provider's convention, or always when `parts_beside_totals`)."""
    total = _count(counts, _kind("input"))
    parts = " + ".join(_count(counts, kind) for kind in part_kinds("input")) or "0"
    if parts_beside_totals:
        return f"({total} + {parts})"
    return f"(case when {card}.{_FLAG['input']} then {total} else {total} + {parts} end)"


def is_long_context_sql(counts: Mapping[str, str], card: str, *, parts_beside_totals: bool = False) -> str:
    prompt = prompt_tokens_sql(counts, card, parts_beside_totals=parts_beside_totals)
    return f"({card}.long_context_threshold_tokens is not null and {prompt} > {card}.long_context_threshold_tokens)"


def _billed_sql(counts: Mapping[str, str], card: str, kind: TokenKind, parts_beside_totals: bool) -> str:
    """Tokens billed at `kind`'s price: a total less its parts when the provider counts them inside it."""
    own = _count(counts, kind)
    parts = part_kinds(kind.name) if kind.within is None and not parts_beside_totals else ()
    if not parts:
        return own
    less = " - ".join(_count(counts, part) for part in parts)
    return f"(case when {card}.{_FLAG[kind.name]} then {own} - {less} else {own} end)"


def token_cost_pico_sql(
    counts: Mapping[str, str],
    card: str,
    *,
    per_request: bool = True,
    parts_beside_totals: bool = False,
    dialect: Dialect = DUCKDB,
    integer_type: str | None = None,
    long_context: str | None = None,
) -> str:
    """SQL expression: exact cost in pico-dollars, computed in `integer_type` (the dialect's wide integer
    unless told; `dialect.bigint` only where `cost_fits_bigint_sql` holds). `long_context` is the SQL of the
    request's long-context flag when a column already holds it (computed once, not once per kind)."""
    integer_type = integer_type or dialect.wide_int
    is_long = (long_context or is_long_context_sql(counts, card)) if per_request else None

    def unit(kind: TokenKind) -> str:
        if is_long is None:
            return f"{card}.{kind.name}_pico"
        return f"(case when {is_long} then {card}.lc_{kind.name}_pico else {card}.{kind.name}_pico end)"

    def term(kind: TokenKind) -> str:
        billed = _billed_sql(counts, card, kind, parts_beside_totals)
        cost = f"cast({billed} as {integer_type}) * {unit(kind)}"
        if kind.optional_price:  # a kind the card does not sell costs 0 when unused, and is unpriced when used
            return f"coalesce({cost}, case when {billed} = 0 then 0 end)"
        return cost

    pico = "\n        + ".join(term(kind) for kind in TOKEN_KINDS)
    return f"({pico})"


def pico_to_nano_sql(pico: str, dialect: Dialect = DUCKDB) -> str:
    """Half-even rounding of a non-negative pico-dollar amount to nano-dollars (`pico` is read four times:
    pass a column, not a long expression)."""
    nano = dialect.div(pico, "1000")
    remainder = dialect.mod(pico, "1000")
    return (
        f"({nano} + case when {remainder} > 500 "
        f"or ({remainder} = 500 and {dialect.mod(nano, '2')} = 1) then 1 else 0 end)"
    )


# The bounds under which a request's cost is computed in 64-bit integers: every count within +-1e8 and every
# price at most 1e10 pico-dollars per unit ($10,000 per 1M) keep each product within 1e18 and the sum of all
# kinds below 2**63. Beyond them (up to the ledger's 1e12 tokens per request) the wide type takes over.
FAST_MAX_COUNT = 10**8
FAST_MAX_PICO = 10**10
assert len(TOKEN_KINDS) * FAST_MAX_COUNT * FAST_MAX_PICO < 2**63 - 1, "fewer kinds or lower bounds"


def cost_fits_bigint_sql(counts: Mapping[str, str], card: str, *, parts_beside_totals: bool = False) -> str:
    """Condition: the row's pico-dollar cost and every term of it fit the dialect's 64-bit integer, in which
    it is exact and several times cheaper than the wide type (null when a count or the card is missing)."""
    fits = [f"abs({_billed_sql(counts, card, kind, parts_beside_totals)}) <= {FAST_MAX_COUNT}" for kind in TOKEN_KINDS]
    # an absent price (a kind the card does not sell) fits: its product is null in either type
    fits += [
        f"coalesce({card}.{tier}{kind.name}_pico, 0) <= {FAST_MAX_PICO}" for kind in TOKEN_KINDS for tier in ("", "lc_")
    ]
    return "(" + " and ".join(fits) + ")"


def token_cost_nano_sql(
    counts: Mapping[str, str],
    card: str,
    *,
    per_request: bool = True,
    parts_beside_totals: bool = False,
    dialect: Dialect = DUCKDB,
) -> str:
    """SQL expression: cost in nano-dollars (wide integer), half-even from exact pico-dollars.

    `counts` maps kind name -> SQL expression of that count (missing kinds are 0), in the source's own
    convention (parts inside or beside the totals, as the card says); `card` is the alias of a prices
    relation with the `pico_price_columns_sql` columns, already matched on model, batch and time.
    `per_request=False` prices aggregates (a day, an hour) at the base tier: the long-context tier is a
    property of one request's prompt, which an aggregate cannot tell."""
    pico = token_cost_pico_sql(
        counts, card, per_request=per_request, parts_beside_totals=parts_beside_totals, dialect=dialect
    )
    return pico_to_nano_sql(pico, dialect)


def unpriced_kinds_sql(counts: Mapping[str, str], card: str) -> str:
    """Text naming the count columns a row uses that its card does not price (optional kinds), '' if none."""
    parts = [
        f"case when {_count(counts, kind)} > 0 and {card}.{kind.name}_pico is null then '{kind.count} ' else '' end"
        for kind in TOKEN_KINDS
        if kind.optional_price
    ]
    joined = " || ".join(parts) or "''"
    return f"trim({joined})"


def render_dbt_macros() -> str:
    """The text of `dbt/macros/token_pricing.sql`: the generated SQL for DuckDB and BigQuery, chosen by
    `target.type`, with the counts and the card alias as macro arguments."""
    # a kind the caller does not pass counts 0
    jinja_counts = {kind.name: f"{{{{ counts.get('{kind.name}', '0') }}}}" for kind in TOKEN_KINDS}
    kinds_literal = ", ".join(
        f"{{'name': '{kind.name}', 'count': '{kind.count}', 'usage_column': '{kind.usage_column}', "
        f"'within': {repr(kind.within) if kind.within else 'none'}}}"
        for kind in TOKEN_KINDS
    )

    def by_dialect(render: Callable[[Dialect], str]) -> str:
        return f"{{% if target.type == 'bigquery' %}}{render(BIGQUERY)}{{% else %}}{render(DUCKDB)}{{% endif %}}"

    def cost(per_request: bool, beside: bool) -> Callable[[Dialect], str]:
        def render(dialect: Dialect) -> str:
            return token_cost_nano_sql(
                jinja_counts, "{{ card }}", per_request=per_request, parts_beside_totals=beside, dialect=dialect
            )

        return render

    variants = "".join(
        f"{{% {'if' if index == 0 else 'elif'} per_request == {str(per_request).lower()} "
        f"and parts_beside_totals == {str(beside).lower()} %}}\n    {by_dialect(cost(per_request, beside))}\n    "
        for index, (per_request, beside) in enumerate([(True, False), (True, True), (False, False), (False, True)])
    )

    return f"""{{#- GENERATED by `python -m rate_cards.pricing_sql` from rate_cards/token_kinds.py and
    rate_cards/pricing_sql.py: do not edit by hand (a unit test fails when this file is stale).
    Token pricing, the one rule (see rate_cards/pricing.py for the Python reference). -#}}

{{#- The token kinds: name (card price key), count (its column in the ledger), usage_column (its column in
    provider usage and Bedrock invocations), within (a part of input or output). -#}}
{{% macro token_kinds() -%}}
    {{{{ return([{kinds_literal}]) }}}}
{{%- endmacro %}}

{{#- Select-list items over a prices relation: whole pico-dollars per token of every kind, base and
    long-context tier. -#}}
{{% macro token_price_pico_columns() -%}}
    {by_dialect(lambda d: _SELECT_SEPARATOR.join(pico_price_columns_sql(d)))}
{{%- endmacro %}}

{{#- Cost in nano-dollars (wide integer, half-even from exact pico-dollars) of `counts` (kind name -> SQL
    expression; missing kinds are 0) at the prices row `card` (with token_price_pico_columns). Aggregates
    (per_request=false) are priced at the base tier; parts_beside_totals=true when input is already uncached
    (provider usage). Wrap in nano_to_money() for a money column. -#}}
{{% macro token_cost_nano(counts, card, per_request=true, parts_beside_totals=false) -%}}
    {variants}{{% endif %}}
{{%- endmacro %}}

{{#- Join condition: the effective-dated row of `prices` in force at `at`. -#}}
{{% macro price_in_force(prices, at) -%}}
    {price_in_force_sql("{{ prices }}", "{{ at }}")}
{{%- endmacro %}}
"""


def main(argv: list[str] | None = None) -> int:
    """Write the dbt macros; `--check` exits 1 when the committed file is stale."""
    argv = sys.argv[1:] if argv is None else argv
    text = render_dbt_macros()
    current = DBT_MACROS_FILE.read_text() if DBT_MACROS_FILE.exists() else ""
    if "--check" in argv:
        if current != text:
            print(f"{DBT_MACROS_FILE} is stale: run `python -m rate_cards.pricing_sql`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        DBT_MACROS_FILE.write_text(text)
        print(f"wrote {DBT_MACROS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
