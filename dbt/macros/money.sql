{#- One money type for every cost column: DECIMAL(38,9) = BigQuery NUMERIC. -#}
{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'finops')()) }}
{%- endmacro %}

{% macro default__money_type() -%}decimal(38, 9){%- endmacro %}

{% macro bigquery__money_type() -%}numeric{%- endmacro %}

{% macro to_money(expression) -%}
    cast({{ expression }} as {{ money_type() }})
{%- endmacro %}

{#- Exact money sum; an empty group sums to 0, never null. -#}
{% macro sum_money(expression) -%}
    {{ to_money('coalesce(sum(' ~ expression ~ '), 0)') }}
{%- endmacro %}

{#- The one rounding rule of the warehouse: half-even (banker's), as the token pricing rounds each request
    (rate_cards/pricing.py) and Python's Decimal does. -#}
{% macro round_half_even(expression, places) -%}
    {{ return(adapter.dispatch('round_half_even', 'finops')(expression, places)) }}
{%- endmacro %}

{% macro default__round_half_even(expression, places) -%}
    round_even({{ expression }}, {{ places }})
{%- endmacro %}

{% macro bigquery__round_half_even(expression, places) -%}
    round({{ expression }}, {{ places }}, 'ROUND_HALF_EVEN')
{%- endmacro %}

{#- Money divided by a whole number (a count, a token total), rounded half-even at 9 places; null when the
    divisor is 0 or null. DuckDB turns decimal division into DOUBLE, so it divides the amount in
    nano-dollars as a HUGEINT instead: exact, never float. -#}
{% macro money_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('money_divide', 'finops')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__money_divide(numerator, denominator) -%}
    {%- set amount = 'abs(cast((' ~ numerator ~ ') * 1000000000 as hugeint))' -%}
    {%- set divisor = 'abs(cast(' ~ denominator ~ ' as hugeint))' -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else cast(
            sign(cast(({{ numerator }}) * 1000000000 as hugeint)) * sign(cast({{ denominator }} as hugeint))
            * (
                {{ amount }} // {{ divisor }}
                + case
                    when 2 * ({{ amount }} % {{ divisor }}) > {{ divisor }}
                        or (2 * ({{ amount }} % {{ divisor }}) = {{ divisor }} and ({{ amount }} // {{ divisor }}) % 2 = 1)
                        then 1
                    else 0
                end
            ) as decimal(38, 0)
        ) * cast(0.000000001 as decimal(18, 9))
    end
{%- endmacro %}

{#- BIGNUMERIC keeps 38 decimals, so the half-even rounding at 9 sees the exact quotient's digits. -#}
{% macro bigquery__money_divide(numerator, denominator) -%}
    cast(round(
        safe_divide(cast({{ numerator }} as bignumeric), cast({{ denominator }} as bignumeric)), 9, 'ROUND_HALF_EVEN'
    ) as numeric)
{%- endmacro %}
