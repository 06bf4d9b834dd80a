"""The one FOCUS-shaped row every cloud billing parser emits (AWS CUR, Azure, GCP, FOCUS files).

snake_case FOCUS names are the shared vocabulary. Each source lands these columns in its own raw table
(`raw_<source>.<table>`), so one dbt union builds `fct_cloud_costs`.
"""

from __future__ import annotations

import pyarrow as pa

from ingest.common import MONEY_TYPE, Rejected, table_keeping_storable_rows

QUANTITY_TYPE = pa.decimal128(38, 9)
TIMESTAMP_UTC = pa.timestamp("us", tz="UTC")

CLOUD_COST_SCHEMA = pa.schema(
    [
        ("provider_name", pa.string()),  # AWS, Microsoft, Google Cloud, or the FOCUS file's ProviderName
        ("billing_account_id", pa.string()),  # payer / billing account; always a string (leading zeros)
        ("sub_account_id", pa.string()),  # usage account / subscription / project
        ("sub_account_name", pa.string()),
        ("billing_period_start", pa.date32()),
        ("billing_period_end", pa.date32()),  # exclusive
        ("invoice_month", pa.string()),  # 'YYYY-MM' where the source has one (GCP), else billing period month
        ("charge_period_start", TIMESTAMP_UTC),
        ("charge_period_end", TIMESTAMP_UTC),
        ("charge_category", pa.string()),  # Usage, Purchase, Tax, Credit, Adjustment (FOCUS)
        ("charge_class", pa.string()),  # 'Correction' or null
        ("charge_description", pa.string()),
        ("line_item_type", pa.string()),  # the source's own type (CUR LineItemType, Azure ChargeType, GCP cost_type)
        ("service_name", pa.string()),
        ("service_category", pa.string()),
        ("resource_id", pa.string()),
        ("resource_name", pa.string()),
        ("region_id", pa.string()),
        ("sku_id", pa.string()),
        ("pricing_quantity", QUANTITY_TYPE),
        ("pricing_unit", pa.string()),
        ("billed_cost", MONEY_TYPE),  # invoiced (CUR unblended, Azure actual, GCP cost + credits)
        ("effective_cost", MONEY_TYPE),  # amortized commitments (CUR rules in formats.md, Azure amortized)
        ("list_cost", MONEY_TYPE),  # public on-demand
        ("billing_currency", pa.string()),
        ("tags", pa.string()),  # raw tags/labels as canonical JSON (ingest.tags.tags_json)
        ("team", pa.string()),  # normalized by ingest.tags.normalize_tags
        ("feature", pa.string()),
        ("environment", pa.string()),
        ("tenant", pa.string()),
        ("cost_center", pa.string()),
        ("delivery_id", pa.string()),  # CUR assemblyId, Azure run id, GCP export_time, file hash
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
    ]
)


def cloud_table(rows: list[dict], extra: pa.Schema | None = None) -> pa.Table:
    """Arrow table in CLOUD_COST_SCHEMA (+ `extra` source-specific columns) from row dicts; missing keys are null."""
    schema = CLOUD_COST_SCHEMA if extra is None else pa.schema(list(CLOUD_COST_SCHEMA) + list(extra))
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)


def cloud_rows_table(rows: list[dict], extra: pa.Schema | None = None) -> tuple[pa.Table, list[Rejected]]:
    """`cloud_table`, with the rows holding a value the schema cannot store returned as Rejected (by line)."""
    schema = CLOUD_COST_SCHEMA if extra is None else pa.schema(list(CLOUD_COST_SCHEMA) + list(extra))
    return table_keeping_storable_rows(rows, schema, source_key="source_file", line_key="source_line")


# FOCUS ServiceCategory from words in a provider's service or meter category (first match wins).
_SERVICE_CATEGORIES = (
    (
        (
            "openai",
            "cognitive services",
            "foundry",
            "bedrock",
            "vertex ai",
            "sagemaker",
            "machine learning",
            "ai platform",
        ),
        "AI and Machine Learning",
    ),
    (
        (
            "virtual machines",
            "compute engine",
            "ec2",
            "elastic compute",
            "kubernetes",
            "container",
            "functions",
            "lambda",
            "app service",
        ),
        "Compute",
    ),
    (("storage", "s3", "disk", "backup"), "Storage"),
    (("sql", "database", "bigquery", "cosmos", "redshift", "dynamodb", "rds"), "Databases"),
    (("network", "bandwidth", "egress", "vpn", "load balanc", "cdn", "dns", "peering", "cloudfront"), "Networking"),
    (("monitor", "logging", "cloudwatch", "stackdriver", "log analytics"), "Management and Governance"),
    (("security", "defender", "key vault", "kms", "guardduty"), "Security"),
)


def service_category(*names: str | None) -> str:
    text = " ".join(name.lower() for name in names if name)
    for words, category in _SERVICE_CATEGORIES:
        if any(word in text for word in words):
            return category
    return "Other"


def service_category_sql(expression: str) -> str:
    """The same rules as `service_category`, as a SQL CASE over a text expression (for engine-side parsers)."""
    lowered = f"lower(coalesce({expression}, ''))"
    branches = []
    for words, category in _SERVICE_CATEGORIES:
        condition = " or ".join(f"{lowered} like '%{word}%'" for word in words)
        branches.append(f"when {condition} then '{category}'")
    return "case " + " ".join(branches) + " else 'Other' end"
