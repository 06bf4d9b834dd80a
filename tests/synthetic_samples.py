"""Small synthetic files in the real formats of ../shared/samples, written by the tests themselves, so the parser
tests run on a fresh clone too (issue 13 item 9). Same folder and file names as the shared samples, same layouts
and quirks (CUR slash and snake_case headers, gzip, a legacy manifest; Azure EA with M/D/YYYY dates, exponent
costs and brace-less tags, MCA, legacy PreTaxCost with a BOM and braced tags; GCP flattened exports with credits
as Python literals; provider API pages; a DCGM exporter scrape; Kubeflow runs and IR; a GPU pod); the values are
made up, chosen so the numbers the tests assert can be worked out by hand.

`write_synthetic_samples(root)` writes the whole tree; the shared samples stay an extra layer where present."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

# --- AWS CUR -----------------------------------------------------------------------------------------------------


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def cur_legacy_savings_plan() -> bytes:
    """Legacy CUR (slash headers), cost categories with spaces in their names, Savings Plan covered usage in NOK,
    account ids with a leading zero."""
    header = [
        "bill/BillType",
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
        "bill/PayerAccountId",
        "costCategory/Charge type",
        "costCategory/CostCenter",
        "identity/LineItemId",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/UsageAccountId",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/CurrencyCode",
        "lineItem/UnblendedCost",
        "lineItem/BlendedCost",
        "savingsPlan/SavingsPlanARN",
        "savingsPlan/SavingsPlanEffectiveCost",
        "savingsPlan/SavingsPlanRate",
        "resourceTags/user:team",
    ]
    rows = []
    for hour, (unblended, effective) in enumerate(
        [("0.0928", "0.0561"), ("0.0928", "0.0561"), ("1.1136", "0.6732"), ("0", "0")]
    ):
        rows.append(
            [
                "Anniversary",
                "2021-01-01T00:00:00Z",
                "2021-02-01T00:00:00Z",
                "012345678901",
                "Usage",
                "CC-1",
                f"line-{hour}",
                "SavingsPlanCoveredUsage",
                f"2021-01-05T{hour:02d}:00:00Z",
                f"2021-01-05T{hour + 1:02d}:00:00Z",
                "012345678901",
                "AmazonEC2",
                "EUN1-BoxUsage:m5.large",
                "NOK",
                unblended,
                unblended,
                "arn:aws:savingsplans::012345678901:savingsplan/sp-1",
                effective,
                "0.0561",
                "search" if hour % 2 else "",
            ]
        )
    return _csv_text(header, rows).encode()


def cur_athena_snake_case() -> bytes:
    """CUR as the Athena integration names its columns; quoted commas and non-ASCII in product names."""
    header = [
        "identity_line_item_id",
        "bill_billing_entity",
        "bill_bill_type",
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
        "line_item_usage_account_id",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_product_code",
        "line_item_usage_type",
        "line_item_currency_code",
        "line_item_unblended_cost",
        "line_item_blended_cost",
        "line_item_legal_entity",
        "product_product_name",
        "resource_tags_user_team",
    ]
    rows = [
        [
            f"id-{n}",
            "AWS Marketplace",
            "Anniversary",
            "999999",
            "2022-07-01 00:00:00.000",
            "2022-08-01 00:00:00.000",
            "999999",
            "Usage",
            f"2022-07-01 {n:02d}:00:00.000",
            f"2022-07-01 {n + 1:02d}:00:00.000",
            "mra",
            "SoftwareUsage:t2.nano",
            "USD",
            cost,
            cost,
            "Red Hat, Inc.",
            "Red Hat® Enterprise Linux®",
            "ml",
        ]
        for n, cost in enumerate(["0", "0.0116", "0.0116", "2.5E-3", "0.123456789012"])
    ]
    return _csv_text(header, rows).encode()


def cur_gzip() -> bytes:
    """Gzipped legacy CUR with costs of 17 decimals (the warehouse keeps 9)."""
    header = [
        "identity/LineItemId",
        "bill/BillType",
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
        "lineItem/UsageAccountId",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/ResourceId",
        "lineItem/UsageAmount",
        "lineItem/CurrencyCode",
        "lineItem/UnblendedRate",
        "lineItem/UnblendedCost",
        "lineItem/BlendedCost",
        "lineItem/LineItemDescription",
    ]
    costs = ["0.00165303109242778", "0.10000000050000001", "0.00000000049999999", "12.5", "0.33333333333333333"]
    rows = [
        [
            f"e4b85f{n}",
            "Anniversary",
            "6838635603105",
            "2018-08-01T00:00:00Z",
            "2018-09-01T00:00:00Z",
            "6838635603105",
            "Usage",
            "2018-08-01 00:00:00",
            "2018-08-01 01:00:00",
            "AmazonEC2",
            "USE1-DataTransfer-Out-Bytes",
            f"i-{n:08d}",
            "0.01001837025713806",
            "USD",
            "0.165",
            cost,
            cost,
            "$0.165 per GB - US East (N. Virginia) data transfer",
        ]
        for n, cost in enumerate(costs)
    ]
    return gzip.compress(_csv_text(header, rows).encode(), mtime=0)


def cur_legacy_manifest() -> bytes:
    """A legacy CUR manifest: its report key starts with a slash (empty prefix)."""
    assembly = "16e57707-0000-4000-8000-000000000001"
    return json.dumps(
        {
            "assemblyId": assembly,
            "account": "6838635603105",
            "columns": [{"category": "lineItem", "name": "UnblendedCost"}],
            "charset": "UTF-8",
            "compression": "GZIP",
            "contentType": "text/csv",
            "reportId": "0" * 64,
            "reportName": "koku-local",
            "billingPeriod": {"start": "20180801T000000.000Z", "end": "20180901T000000.000Z"},
            "bucket": "",
            "reportKeys": [f"/koku-local/20180801-20180901/{assembly}/koku-local-1.csv.gz"],
        },
        indent=2,
    ).encode()


# --- Azure -------------------------------------------------------------------------------------------------------

_AZURE_EA_HEADER = [
    "AccountName",
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroup",
    "ResourceLocation",
    "Date",
    "ProductName",
    "MeterCategory",
    "MeterSubCategory",
    "MeterName",
    "UnitOfMeasure",
    "Quantity",
    "EffectivePrice",
    "CostInBillingCurrency",
    "ConsumedService",
    "ResourceId",
    "Tags",
    "AdditionalInfo",
    "ChargeType",
    "PricingModel",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrencyCode",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
]


def azure_ea_export() -> bytes:
    """Enterprise Agreement export: M/D/YYYY dates, CAD, a cost in exponent notation, tags without braces."""
    tags = '"tagA": "valueA","tagB": "valueB","tagC": "valueC"'
    info = '{  "additional": "meta-data",  "key": "value pairs"}'
    rows = []
    for n, (day, cost) in enumerate([(2, "0.000305367"), (2, "5.64902E-05"), (3, "1.2345678901234"), (30, "0")]):
        rows.append(
            [
                "example.com",
                f"e18e1552-c6dd-45d1-973c-00000000000{n}",
                "sub-example",
                "rg-example",
                "CentralUS",
                f"9/{day}/2023",
                "Virtual Network Peering - Intra-Region Ingress",
                "Virtual Network",
                "Peering",
                "Intra-Region Ingress",
                "1 GB",
                "0.027265128",
                "0.011199923",
                cost,
                "microsoft.compute",
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet",
                tags,
                info,
                "Usage",
                "OnDemand",
                "12345678",
                "Example LTD.",
                "CAD",
                "9/1/2023",
                "9/30/2023",
            ]
        )
    return _csv_text(_AZURE_EA_HEADER, rows).encode()


def azure_mca_export() -> bytes:
    """Microsoft Customer Agreement style export (ISO dates, CostInBillingCurrency), one row without tags."""
    rows = []
    for n, (cost, tags) in enumerate(
        [("0.114455", ""), ("4.5", '"team": "search"'), ("0.00000000049", '"team": "ml","env": "prod"')]
    ):
        rows.append(
            [
                "account-ocp",
                "7269128e-efae-4646-a2d7-8b3fec4751fb",
                "Openshift",
                "ARO-RG",
                "usnorth",
                f"2020-09-{22 + n}",
                "Standard HDD Managed Disks - S4 - Disks - US North",
                "Storage",
                "Standard HDD Managed Disks",
                "S4 Disks",
                "1 /Month",
                "0.04004",
                "1.5",
                cost,
                "Microsoft.Compute",
                f"/subscriptions/rsid{n}",
                tags,
                "",
                "Usage",
                "OnDemand",
                "99999999",
                "MY Company",
                "USD",
                "2020-09-01",
                "2020-09-30",
            ]
        )
    return _csv_text(_AZURE_EA_HEADER, rows).encode()


def azure_legacy_pretaxcost() -> bytes:
    """The legacy usage export: a byte-order mark, SubscriptionGuid, UsageDateTime, PreTaxCost, braced tags."""
    header = [
        "SubscriptionGuid",
        "ResourceGroup",
        "ResourceLocation",
        "UsageDateTime",
        "MeterCategory",
        "MeterSubcategory",
        "MeterName",
        "UsageQuantity",
        "ResourceRate",
        "PreTaxCost",
        "ConsumedService",
        "ResourceType",
        "InstanceId",
        "Tags",
        "ServiceName",
        "Currency",
        "UnitOfMeasure",
    ]
    rows = [
        [
            "0039de71-ca37-4a17-a104-17665a50e7fc",
            "COSTMGMT",
            "US East 2",
            f"2019-07-{29 + n} 00:00:00",
            "Bandwidth" if n == 0 else "Virtual Machines",
            "",
            "Data Transfer Out - Free" if n == 0 else "D2 v3",
            "0.000004",
            "0",
            cost,
            "Microsoft.Compute",
            "Microsoft.Compute/virtualMachines",
            "/subscriptions/x/resourceGroups/COSTMGMT/providers/Microsoft.Compute/virtualMachines/test-vm-1",
            '{"project":"p1"}',
            "Bandwidth",
            "USD",
            "GB",
        ]
        for n, cost in enumerate(["0", "2.3040000000000003"])
    ]
    return b"\xef\xbb\xbf" + _csv_text(header, rows).encode()


def azure_list_deployments() -> bytes:
    """The REST API spec example of Cognitive Services 'Deployments - List' (2024-10-01): request and response."""
    return json.dumps(
        {
            "parameters": {
                "api-version": "2024-10-01",
                "subscriptionId": "subscriptionId",
                "resourceGroupName": "resourceGroupName",
                "accountName": "accountName",
            },
            "responses": {
                "200": {
                    "body": {
                        "value": [
                            {
                                "id": "/subscriptions/subscriptionId/resourceGroups/resourceGroupName/providers/"
                                "Microsoft.CognitiveServices/accounts/accountName/deployments/deploymentName",
                                "name": "deploymentName",
                                "type": "Microsoft.CognitiveServices/accounts/deployments",
                                "sku": {"name": "Standard", "capacity": 1},
                                "properties": {
                                    "model": {"format": "OpenAI", "name": "ada", "version": "1"},
                                    "provisioningState": "Succeeded",
                                },
                            }
                        ]
                    }
                }
            },
        },
        indent=2,
    ).encode()


# --- GCP ---------------------------------------------------------------------------------------------------------

_GCP_HEADER = [
    "billing_account_id",
    "service.id",
    "service.description",
    "sku.id",
    "sku.description",
    "usage_start_time",
    "usage_end_time",
    "project.id",
    "project.name",
    "project.labels",
    "labels",
    "system_labels",
    "location.location",
    "location.region",
    "export_time",
    "cost",
    "currency",
    "currency_conversion_rate",
    "usage.amount",
    "usage.unit",
    "credits",
    "invoice.month",
    "cost_type",
]


def _gcp_row(hour: int, cost: str, credits: list, labels: list, month: str, day: str) -> list[str]:
    return [
        "000000-B0BBA4-940A77",
        "FBF2-FC68-171A",
        "Security Command Center",
        "D5A4-0C3E-4DA4",
        "Event Threat Detection Log Ingest Bytes",
        f"{day} {hour:02d}:00:00+00:00",
        f"{day} {hour + 1:02d}:00:00+00:00",
        "billing-example-00000",
        "cloud-billing",
        "[]",
        repr(labels),  # the flattened export writes records as Python literals
        "[]",
        "global",
        "",
        f"{day} 05:49:32.199000+00:00",
        cost,
        "USD",
        "1.0",
        "24909.0",
        "bytes",
        repr(credits),
        month,
        "regular",
    ]


def gcp_flattened_2020() -> bytes:
    """Free-trial promotion credits cancel every cost: list 0.000032, net 0; one row labelled for BigQuery."""
    rows = []
    for hour, cost in enumerate([5e-06, 5e-06, 5e-06, 5e-06, 6e-06, 6e-06]):
        credit = {"name": "FreeTrial:Credit", "amount": -cost, "full_name": None, "id": "FT", "type": "PROMOTION"}
        labels = [{"key": "goog-resource-type", "value": "bigquery_resource"}] if hour == 2 else []
        rows.append(_gcp_row(hour, repr(cost), [credit], labels, "202011", "2020-11-09"))
    rows.append(_gcp_row(7, "0.0", [], [], "202011", "2020-11-09"))
    return _csv_text(_GCP_HEADER, rows).encode()


def gcp_flattened_resource_2022() -> bytes:
    """An export with resource columns; a committed-use credit on one row, none on the others."""
    header = [*_GCP_HEADER, "resource.name", "resource.global_name"]
    rows = []
    for hour, (cost, credits) in enumerate(
        [
            ("0.0", []),
            (
                "1.25",
                [{"name": "CUD", "amount": -0.5, "full_name": None, "id": "C1", "type": "COMMITTED_USAGE_DISCOUNT"}],
            ),
            ("0.000123", []),
        ]
    ):
        rows.append([*_gcp_row(hour, cost, credits, [], "202208", "2022-08-01"), f"instance-{hour}", "//example"])
    return _csv_text(header, rows).encode()


# --- provider usage and cost APIs ----------------------------------------------------------------------------------


def _openai_page(result: dict, *, has_more: bool = False, next_page: str | None = None) -> bytes:
    page = {
        "object": "page",
        "data": [{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600, "results": [result]}],
        "has_more": has_more,
        "next_page": next_page,
    }
    return json.dumps(page, indent=2).encode()


def openai_completions() -> bytes:
    return _openai_page(
        {
            "object": "organization.usage.completions.result",
            "input_tokens": 1000,
            "input_cached_tokens": 400,
            "input_cache_write_tokens": 100,
            "input_uncached_tokens": 500,
            "output_tokens": 500,
            "input_audio_tokens": 50,
            "output_audio_tokens": 50,
            "num_model_requests": 5,
            "project_id": None,
            "user_id": None,
            "api_key_id": None,
            "model": None,
            "batch": None,
            "service_tier": None,
        },
        has_more=True,
        next_page="page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=",
    )


def openai_embeddings() -> bytes:
    return _openai_page(
        {
            "object": "organization.usage.embeddings.result",
            "input_tokens": 16,
            "num_model_requests": 2,
            "project_id": None,
            "user_id": None,
            "api_key_id": None,
            "model": None,
        }
    )


def openai_images() -> bytes:
    return _openai_page(
        {
            "object": "organization.usage.images.result",
            "images": 2,
            "num_model_requests": 2,
            "size": None,
            "source": None,
            "project_id": None,
            "model": None,
        }
    )


def openai_costs() -> bytes:
    return _openai_page(
        {
            "object": "organization.costs.result",
            "amount": {"value": 0.06, "currency": "usd"},
            "line_item": None,
            "project_id": None,
        }
    )


def _anthropic_page(bucket_start: str, bucket_end: str, result: dict) -> bytes:
    page = {
        "data": [{"starting_at": bucket_start, "ending_at": bucket_end, "results": [result]}],
        "has_more": True,
        "next_page": "page_MjAyNS0wNS0xNFQwMDowMDowMFo=",
    }
    return json.dumps(page, indent=2).encode()


def anthropic_usage() -> bytes:
    return _anthropic_page(
        "2023-11-07T05:31:56Z",
        "2023-11-07T05:31:56Z",
        {
            "uncached_input_tokens": 123,
            "cache_creation": {"ephemeral_1h_input_tokens": 123, "ephemeral_5m_input_tokens": 123},
            "cache_read_input_tokens": 123,
            "output_tokens": 123,
            "server_tool_use": {"web_search_requests": 123},
            "api_key_id": "apikey_01Rj2N8SVvo6BePZj99NhmiT",
            "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
            "model": "claude-sonnet-4-20250514",
            "service_tier": "standard",
            "context_window": "0-200k",
        },
    )


def anthropic_costs() -> bytes:
    return _anthropic_page(
        "2025-08-01T00:00:00Z",
        "2025-08-02T00:00:00Z",
        {
            "currency": "USD",
            "amount": "123.78912",  # cents, as a decimal string
            "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
            "description": "Claude Sonnet 4 Usage - Input Tokens",
            "cost_type": "tokens",
            "context_window": "0-200k",
            "model": "claude-sonnet-4-20250514",
            "service_tier": "standard",
            "token_type": "uncached_input_tokens",
        },
    )


# --- GPU: DCGM, Kubeflow, Kubernetes ---------------------------------------------------------------------------------


def dcgm_readme_scrape() -> bytes:
    """dcgm-exporter's text format; the memory temperature reports DCGM's 'not supported' sentinel (line 9)."""
    uuid = "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52"
    lines = [
        "# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).",
        "# TYPE DCGM_FI_DEV_SM_CLOCK gauge",
        "# HELP DCGM_FI_DEV_MEM_CLOCK Memory clock frequency (in MHz).",
        "# TYPE DCGM_FI_DEV_MEM_CLOCK gauge",
        "# HELP DCGM_FI_DEV_MEMORY_TEMP Memory temperature (in C).",
        "# TYPE DCGM_FI_DEV_MEMORY_TEMP gauge",
        f'DCGM_FI_DEV_SM_CLOCK{{gpu="0", UUID="{uuid}"}} 139',
        f'DCGM_FI_DEV_MEM_CLOCK{{gpu="0", UUID="{uuid}"}} 405',
        f'DCGM_FI_DEV_MEMORY_TEMP{{gpu="0", UUID="{uuid}"}} 9223372036854775794',
    ]
    return ("\n".join(lines) + "\n").encode()


def dcgm_counters(profiling: bool) -> bytes:
    """dcgm-exporter's counters CSV: `DCGM FIELD, Prometheus metric type, help message`, comments with #."""
    lines = [
        "# Format",
        "# If line starts with a '#' it is considered a comment",
        "# DCGM FIELD, Prometheus metric type, help message",
        "",
        "# Clocks",
        "DCGM_FI_DEV_SM_CLOCK,  gauge, SM clock frequency (in MHz).",
        "DCGM_FI_DEV_MEM_CLOCK, gauge, Memory clock frequency (in MHz).",
        "# Utilization (the sampling period varies depending on the product),,",
        "DCGM_FI_DEV_GPU_UTIL,      gauge, GPU utilization (in %).",
        "DCGM_FI_DEV_MEM_COPY_UTIL, gauge, Memory utilization (in %).",
        "DCGM_FI_DEV_POWER_USAGE,   gauge, Power draw (in W).",
        "DCGM_FI_DEV_FB_USED,       gauge, Frame buffer memory used (in MiB).",
    ]
    if profiling:
        lines += [
            "# DCP metrics",
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE,   gauge, Ratio of time the graphics engine is active.",
            "DCGM_FI_PROF_SM_ACTIVE,          gauge, The ratio of cycles an SM has at least 1 warp assigned.",
            "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, gauge, Ratio of cycles the tensor (HMMA) pipe is active.",
        ]
    return ("\n".join(lines) + "\n").encode()


def kubeflow_run(*, run_id: str, state: str, with_spec: bool = False, parameters: dict | None = None) -> bytes:
    """A Kubeflow Pipelines v2beta1 run, as `GET /apis/v2beta1/runs/{id}` returns it."""
    run: dict = {
        "experiment_id": "exp-456",
        "run_id": run_id,
        "display_name": "Production Pipeline Run",
        "storage_state": "AVAILABLE",
        "runtime_config": {"parameters": parameters, "pipeline_root": ""} if parameters is not None else None,
        "service_account": "sa1",
        "created_at": "2024-01-01T12:00:00Z",
        "scheduled_at": "2024-01-01T12:00:00Z",
        "finished_at": "2024-01-01T12:00:00Z",
        "state": state,
        "error": {"code": 1, "message": "This was a Failed Run.", "details": []} if state == "FAILED" else None,
        "run_details": None,
        "recurring_run_id": "",
        "state_history": [],
    }
    if with_spec:
        run["pipeline_spec"] = {
            "components": {"comp-hello-world": {"executorLabel": "exec-hello-world"}},
            "deploymentSpec": {"executors": {"exec-hello-world": {"container": {"image": "python:3.11"}}}},
            "pipelineInfo": {"name": "pipeline-hello-world"},
            "root": {"dag": {"tasks": {"hello-world": {"componentRef": {"name": "comp-hello-world"}}}}},
            "schemaVersion": "2.1.0",
        }
    return json.dumps(run, indent=2).encode()


KFP_IR_YAML = """\
# PIPELINE DEFINITION
# Name: gpu-scheduling-check
components:
  comp-verify-gpu-scheduled:
    executorLabel: exec-verify-gpu-scheduled
deploymentSpec:
  executors:
    exec-verify-gpu-scheduled:
      container:
        command: [sh, -c]
        args: ['echo "GPU scheduling check: PASS"']
        image: python:3.11
        resources:
          accelerator:
            count: '1'
            resourceCount: '1'
            resourceType: nvidia.com/gpu
            type: nvidia.com/gpu
pipelineInfo:
  name: gpu-scheduling-check
root:
  dag:
    tasks:
      verify-gpu-scheduled:
        componentRef:
          name: comp-verify-gpu-scheduled
schemaVersion: 2.1.0
---
platforms:
  kubernetes:
    deploymentSpec:
      executors:
        exec-verify-gpu-scheduled:
          tolerations:
          - effect: NoSchedule
            key: nvidia.com/gpu
            operator: Exists
"""

GPU_POD_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  name: nbody-pod
spec:
  restartPolicy: OnFailure
  containers:
    - name: nbody
      image: "nvcr.io/nvidia/k8s/cuda-sample:nbody"
      resources:
        limits:
          cpu: 200m
          nvidia.com/gpu: 1
        requests:
          cpu: 100m
"""


SYNTHETIC_FILES = {
    "aws_cur/koku_cur_legacy_savingsplan_costcategory.csv": cur_legacy_savings_plan,
    "aws_cur/koku_cur_athena_snake_case.csv": cur_athena_snake_case,
    "aws_cur/koku_test_cur.csv.gz": cur_gzip,
    "aws_cur/koku_legacy_cur_Manifest.json": cur_legacy_manifest,
    "azure/focusconv_anonymous_ea_export.csv": azure_ea_export,
    "azure/koku_azure_export_v2.csv": azure_mca_export,
    "azure/koku_azure_export_legacy_pretaxcost.csv": azure_legacy_pretaxcost,
    "azure/azure-rest-api-specs_cognitiveservices_2024-10-01_ListDeployments.json": azure_list_deployments,
    "gcp/koku_gcp_billing_export_flattened_2020-11.csv": gcp_flattened_2020,
    "gcp/koku_gcp_billing_export_flattened_resource_2022-08.csv": gcp_flattened_resource_2022,
    "openai/usage_completions_response_example.json": openai_completions,
    "openai/usage_embeddings_response_example.json": openai_embeddings,
    "openai/usage_images_response_example.json": openai_images,
    "openai/costs_response_example.json": openai_costs,
    "anthropic/usage_report_messages_response_example.json": anthropic_usage,
    "anthropic/cost_report_response_example.json": anthropic_costs,
    "dcgm/nvidia_readme_sample_output.prom": dcgm_readme_scrape,
    "dcgm/nvidia_default-counters.csv": lambda: dcgm_counters(profiling=False),
    "dcgm/nvidia_dcp-metrics-included.csv": lambda: dcgm_counters(profiling=True),
    "kubeflow/kfp_v2beta1_run_completed.json": lambda: kubeflow_run(
        run_id="completed-run-123", state="SUCCEEDED", parameters={"batch_size": 1000, "learning_rate": "foo"}
    ),
    "kubeflow/kfp_v2beta1_run_completed_with_spec.json": lambda: kubeflow_run(
        run_id="completed-run-123", state="SUCCEEDED", with_spec=True, parameters={"batch_size": 1000}
    ),
    "kubeflow/kfp_v2beta1_run_failed.json": lambda: kubeflow_run(run_id="failed-run-456", state="FAILED"),
    "kubeflow/kfp_ir_nvidia_gpu_scheduling_check.yaml": lambda: KFP_IR_YAML.encode(),
    "k8s/nvidia_dcgm_exporter_gpu-pod.yaml": lambda: GPU_POD_YAML.encode(),
}


def write_synthetic_samples(root: Path) -> Path:
    """Write every synthetic sample under `root` (same relative paths as ../shared/samples); returns `root`."""
    for relative, make in SYNTHETIC_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
    return root
