"""GPU price cards and job-type rules: the shipped files load; bad files fail naming file, entry and field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rate_cards.gpu_cards import (
    GpuCardError,
    gpu_prices_table,
    load_gpu_card_file,
    load_gpu_cards,
    load_job_type_rules,
)

GOOD_ENTRY = """
[[prices]]
instance_type = "g5.xlarge"
gpu_type = "A10G"
gpus_per_instance = 1
effective_from = 2025-01-01
on_demand = "1.0060"
spot = "0.4024"
"""


def _card(tmp_path: Path, body: str, header: str | None = None) -> Path:
    path = tmp_path / "aws.toml"
    header = header if header is not None else 'provider = "aws"\nversion = "t1"\nsource = "test"\n'
    path.write_text(header + body)
    return path


def test_shipped_cards_load_and_are_effective_dated() -> None:
    prices = {(p.instance_type, p.effective_from): p for p in load_gpu_cards()}
    p5_old = prices[("p5.48xlarge", date(2025, 1, 1))]
    p5_new = prices[("p5.48xlarge", date(2025, 6, 1))]
    assert p5_old.effective_to == date(2025, 6, 1) and p5_new.effective_to is None
    assert p5_new.gpus_per_instance == 8
    assert p5_new.usd_per_gpu_hour["on_demand"] == Decimal("6.8800")
    assert {"a2-highgpu-1g", "a3-highgpu-8g", "p4d.24xlarge", "g5.xlarge"} <= {k[0] for k in prices}
    table = gpu_prices_table(list(prices.values()))
    options = set(table.column("purchase_option").to_pylist())
    assert options == {"on_demand", "spot", "reserved"}
    assert str(table.schema.field("usd_per_gpu_hour").type) == "decimal128(38, 9)"


def test_good_card_parses(tmp_path: Path) -> None:
    (price,) = load_gpu_card_file(_card(tmp_path, GOOD_ENTRY))
    assert price.usd_per_gpu_hour == {"on_demand": Decimal("1.0060"), "spot": Decimal("0.4024")}


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ('on_demand = "1.0060"', "on_demand = 1.006", "field 'on_demand': write prices as quoted decimal strings"),
        ('on_demand = "1.0060"', 'on_demand = "one dollar"', "field 'on_demand': expected a decimal string"),
        ('on_demand = "1.0060"', 'on_demand = "-1"', "field 'on_demand': expected a positive"),
        ('on_demand = "1.0060"', "", "missing required field 'on_demand'"),
        ("gpus_per_instance = 1", 'gpus_per_instance = "1"', "field 'gpus_per_instance': expected a whole number"),
        ("effective_from = 2025-01-01", 'effective_from = "Jan 2025"', "field 'effective_from': expected a date"),
        ('spot = "0.4024"', 'preemptible = "0.4024"', "unknown fields ['preemptible']"),
        ('gpu_type = "A10G"', 'gpu_type = ""', "field 'gpu_type': expected a non-empty string"),
    ],
)
def test_bad_entry_names_file_entry_and_field(tmp_path: Path, replace: str, by: str, expected: str) -> None:
    path = _card(tmp_path, GOOD_ENTRY.replace(replace, by))
    with pytest.raises(GpuCardError) as error:
        load_gpu_card_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "prices entry 1" in message and "'g5.xlarge'" in message
    assert expected in message


def test_bad_card_level_errors(tmp_path: Path) -> None:
    with pytest.raises(GpuCardError, match="missing required top-level key 'version'"):
        load_gpu_card_file(_card(tmp_path, GOOD_ENTRY, header='provider = "aws"\nsource = "s"\n'))
    with pytest.raises(GpuCardError, match="currency"):
        load_gpu_card_file(
            _card(tmp_path, GOOD_ENTRY, header='provider="aws"\nversion="1"\nsource="s"\ncurrency="EUR"\n')
        )
    with pytest.raises(GpuCardError, match="not valid TOML"):
        load_gpu_card_file(_card(tmp_path, "[[prices]\n"))
    with pytest.raises(GpuCardError, match="two entries for 'g5.xlarge' effective from 2025-01-01"):
        load_gpu_card_file(_card(tmp_path, GOOD_ENTRY + GOOD_ENTRY))


def test_instance_type_in_two_cards_is_refused(tmp_path: Path) -> None:
    _card(tmp_path, GOOD_ENTRY)
    (tmp_path / "other.toml").write_text('provider = "x"\nversion = "1"\nsource = "s"\n' + GOOD_ENTRY)
    with pytest.raises(GpuCardError, match="already priced in"):
        load_gpu_cards(tmp_path)


def test_job_type_rules_load_and_bad_rules_fail(tmp_path: Path) -> None:
    job_types, rules = load_job_type_rules()
    assert job_types == ["training", "fine_tune", "batch_inference", "etl"]
    assert [rule.priority for rule in rules] == sorted(rule.priority for rule in rules)
    bad = tmp_path / "rules.toml"
    bad.write_text(
        'job_types = ["training"]\n[[rules]]\npriority = 1\nfield = "job_name"\npattern = "(train"\njob_type = "training"\n'
    )
    with pytest.raises(GpuCardError, match=r"rules entry 1, field 'pattern': not a valid regular expression"):
        load_job_type_rules(bad)
    bad.write_text(
        'job_types = ["training"]\n[[rules]]\npriority = 1\nfield = "job_name"\npattern = "x"\njob_type = "x"\n'
    )
    with pytest.raises(GpuCardError, match=r"field 'job_type': expected one of \['training'\]"):
        load_job_type_rules(bad)
