"""Straight-line depreciation of a model version's training cost, to the cent (rpt_training_amortization).

The capitalized amount is $100.01 = training GPU cost $2.745 (2 GPU-h spot p4d) + fine-tune $1.006 (1 GPU-h
g5.xlarge) + other capitalized costs $96.259 (see tests/gpu_marts_fixture.py). 10001 cents over 12 months:
10001 = 12 x 833 + 5, so months 1-5 carry $8.34 and months 6-12 carry $8.33.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.gpu_marts_fixture import shared_gpu_marts_build


@pytest.fixture(scope="module")
def schedule() -> list[tuple]:
    build = shared_gpu_marts_build()
    assert build.returncode == 0, build.output[-4000:]
    return build.query(
        """
        select month_number, schedule_month, capitalized_amount_usd, depreciation_usd,
            accumulated_depreciation_usd, net_book_value_usd, gpu_training_cost_usd, training_jobs
        from main.rpt_training_amortization
        where model_version = 'support-ranker-v3'
        order by month_number
        """
    )


def test_capitalized_amount_is_training_plus_other_costs(schedule: list[tuple]) -> None:
    gpu_training = Decimal("2") * Decimal("1.3725") + Decimal("1") * Decimal("1.0060")
    assert schedule[0][6] == gpu_training == Decimal("3.751")
    assert schedule[0][7] == 2
    assert {row[2] for row in schedule} == {Decimal("100.01")}


def test_twelve_months_from_the_service_month(schedule: list[tuple]) -> None:
    assert [row[0] for row in schedule] == list(range(1, 13))
    assert schedule[0][1] == date(2026, 10, 1)
    assert schedule[-1][1] == date(2027, 9, 1)


def test_cents_distributed_not_lost(schedule: list[tuple]) -> None:
    expected = [Decimal("8.34")] * 5 + [Decimal("8.33")] * 7
    assert [row[3] for row in schedule] == expected
    assert sum(row[3] for row in schedule) == Decimal("100.01")


def test_accumulated_and_net_book_value_reach_exactly_zero(schedule: list[tuple]) -> None:
    running = Decimal(0)
    for row in schedule:
        running += row[3]
        assert row[4] == running
        assert row[5] == Decimal("100.01") - running
    assert schedule[4][5] == Decimal("100.01") - Decimal("41.70")
    assert schedule[-1][4] == Decimal("100.01")
    assert schedule[-1][5] == 0


def test_month_depreciation_spread_over_served_requests() -> None:
    build = shared_gpu_marts_build()
    rows = build.query(
        """
        select schedule_month, requests, total_tokens, amortized_training_cost_per_request_usd,
            amortized_training_cost_per_1k_tokens_usd, inference_cost_per_request_usd, fully_loaded_cost_per_request_usd
        from main.rpt_training_amortization
        where model_version = 'support-ranker-v3' and month_number <= 3
        order by month_number
        """
    )
    # October: 4 support_chat requests from 2026-10-01 on (the 2026-09-30 one predates service), 1000 tokens each
    october, november, december = rows
    assert october[1:3] == (4, 4000)
    assert october[3] == Decimal("8.34") / 4 == Decimal("2.085")
    assert october[4] == Decimal("8.34") * 1000 / 4000
    assert october[5] == Decimal("0.0003")
    assert october[6] == Decimal("2.085") + Decimal("0.0003")
    assert november[1] == 1 and november[3] == Decimal("8.34")
    assert december[1] == 0 and december[3] is None
