"""PTU effective rate, utilization and break-even on a tiny month, numbers worked out by hand."""

import json
from decimal import Decimal

import dagster as dg
import duckdb
import pytest

from pipelines.assets.azure_openai_ptu import AzureOpenAiResource, azure_openai_ptu
from pipelines.assets.ledger import llm_rate_cards
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource
from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration


def test_hand_computed_ptu_month(tmp_path):
    landing = tmp_path / "landing" / "azure_openai"
    (landing / "deployments").mkdir(parents=True)
    (landing / "metrics").mkdir(parents=True)
    (landing / "deployments" / "d.json").write_text(
        json.dumps(
            {
                "value": [
                    {
                        "name": "d1",
                        "sku": {"name": "ProvisionedManaged", "capacity": 10},
                        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}},
                    }
                ]
            }
        )
    )

    def series(metric, points):
        return {
            "name": {"value": metric},
            "timeseries": [
                {"metadatavalues": [{"name": {"value": "ModelDeploymentName"}, "value": "d1"}], "data": points}
            ],
        }

    hours = ["2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z"]
    (landing / "metrics" / "m.json").write_text(
        json.dumps(
            {
                "value": [
                    series(
                        "AzureOpenAIProvisionedManagedUtilizationV2",
                        [
                            {"timeStamp": hours[0], "average": 50},
                            {"timeStamp": hours[1]},
                            {"timeStamp": hours[2], "average": 100},
                        ],
                    ),
                    series(
                        "ProcessedPromptTokens",
                        [
                            {"timeStamp": h, "total": t}
                            for h, t in zip(hours, (1_000_000, 2_000_000, 1_000_000), strict=True)
                        ],
                    ),
                    series("GeneratedTokens", [{"timeStamp": h, "total": 100_000} for h in hours]),
                ]
            }
        )
    )
    warehouse = tmp_path / "w.duckdb"
    result = dg.materialize(
        [azure_openai_ptu, llm_rate_cards],
        resources={
            "landing": LandingResource(location=str(tmp_path / "landing")),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
            "rate_cards": RateCardsResource(),
            "azure_openai": AzureOpenAiResource(),
        },
    )
    assert result.success
    dbt_build(warehouse, tmp_path, "+rpt_ptu_effective_rate_monthly")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        hourly = con.execute(
            "select utilization, tokens_served, ptu_cost_usd, effective_usd_per_mtok, payg_cost_usd"
            " from rpt_ptu_effective_rate order by hour_start"
        ).fetchall()
        monthly = con.execute(
            "select ptu_cost_usd, tokens_served, effective_usd_per_mtok, average_utilization,"
            " payg_cost_usd, break_even_utilization, hours_with_utilization"
            " from rpt_ptu_effective_rate_monthly"
        ).fetchone()
    # 10 PTU x $2.00/hour = $20 an hour (ProvisionedManaged, hourly: no reservation for d1)
    # hour 1: 1.1M tokens -> $20 / 1.1 = $18.181818182 per 1M; PAYG 1M x $2.50 + 0.1M x $10 = $3.50
    # hour 2: utilization missing (null, not 0); 2.1M tokens -> $9.523809524; PAYG $5 + $1 = $6
    assert hourly == [
        (Decimal("0.5"), 1_100_000, Decimal("20"), Decimal("18.181818182"), Decimal("3.5")),
        (None, 2_100_000, Decimal("20"), Decimal("9.523809524"), Decimal("6")),
        (Decimal("1"), 1_100_000, Decimal("20"), Decimal("18.181818182"), Decimal("3.5")),
    ]
    ptu_cost, tokens, effective, utilization, payg, break_even, hours_with = monthly
    assert (ptu_cost, tokens, effective, payg, hours_with) == (
        Decimal("60"),
        4_300_000,
        Decimal("13.953488372"),
        Decimal("13"),
        2,
    )
    assert utilization == pytest.approx(0.75)  # (0.5 + 1.0) / 2: the missing hour is not a zero
    assert break_even == pytest.approx(0.75 * 60 / 13)  # 3.46: at this price PTU never beats pay-as-you-go
