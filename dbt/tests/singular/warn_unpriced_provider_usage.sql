{#- Provider usage no rate card prices (cost null in fct_provider_usage): one row per provider x model with
    the quantities left unpriced. Warn-level: the data loads, the warning names what to add to a card. -#}
{{ config(severity='warn') }}

select
    provider,
    model,
    count(*) as unpriced_rows,
    sum(requests) as unpriced_requests,
    sum(prompt_tokens) as unpriced_prompt_tokens,
    sum(output_tokens) as unpriced_output_tokens
from {{ ref('fct_provider_usage') }}
where not is_priced
group by provider, model
