{#- Blocks the run when fct_costs hands out a different amount than the bills hold, in any month x provider x
    source x currency (billed cost, effective cost, or USD). -#}
select *
from {{ ref('rpt_cost_conservation') }}
where difference_billed_cost <> 0 or difference_effective_cost <> 0 or difference_effective_cost_usd <> 0
