{#- GPU jobs no card prices (cost null in fct_gpu_jobs): one row per instance type x purchase option with
    the GPU-hours left unpriced. Warn-level: the data loads, the warning names what to add to a card. -#}
{{ config(severity='warn') }}

select
    instance_type,
    purchase_option,
    count(*) as unpriced_jobs,
    sum(gpu_hours) as unpriced_gpu_hours
from {{ ref('fct_gpu_jobs') }}
where not is_priced
group by instance_type, purchase_option
