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

{#- Money divided by a whole number (a count, a token total), rounded half away from zero at 9 places;
    null when the divisor is 0 or null. DuckDB turns decimal division into DOUBLE, so it divides the
    amount in nano-dollars as a HUGEINT instead: exact, never float. -#}
{% macro money_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('money_divide', 'finops')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__money_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else cast(
            sign(cast(({{ numerator }}) * 1000000000 as hugeint)) * sign(cast({{ denominator }} as hugeint))
            * (
                (2 * abs(cast(({{ numerator }}) * 1000000000 as hugeint)) + abs(cast({{ denominator }} as hugeint)))
                // (2 * abs(cast({{ denominator }} as hugeint)))
            ) as decimal(38, 0)
        ) * cast(0.000000001 as decimal(18, 9))
    end
{%- endmacro %}

{% macro bigquery__money_divide(numerator, denominator) -%}
    round(safe_divide(cast({{ numerator }} as numeric), cast({{ denominator }} as numeric)), 9, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}
