{#- Job type: an explicit tag naming a known type wins; else the first rule (lowest priority number) whose
    pattern matches the job name or user; else 'unclassified'. -#}
with jobs as (
    select * from {{ ref('int_gpu_jobs__unioned') }}
),

rules as (
    select * from {{ ref('stg_gpu__job_type_rules') }}
),

known_types as (
    select distinct job_type from rules
),

rule_matches as (
    select
        jobs.job_id,
        rules.job_type,
        row_number() over (partition by jobs.job_id order by rules.priority) as match_rank
    from jobs
    inner join rules
        on
            rules.pattern is not null
            and {{ regex_matches_ci(
                "case when rules.match_field = 'user' then jobs.user_name else jobs.job_name end",
                'rules.pattern'
            ) }}
),

final as (
    select
        jobs.*,
        case
            when known_types.job_type is not null then known_types.job_type
            when rule_matches.job_type is not null then rule_matches.job_type
            else 'unclassified'
        end as job_type,
        case
            when known_types.job_type is not null then 'tag'
            when rule_matches.job_type is not null then 'rule'
            else 'none'
        end as job_type_origin
    from jobs
    left join known_types on lower(jobs.job_type_tag) = known_types.job_type
    left join rule_matches on jobs.job_id = rule_matches.job_id and rule_matches.match_rank = 1
)

select * from final
