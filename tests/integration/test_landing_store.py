"""The landing store never follows a link, and an S3 folder prefix means that folder only (moto_server)."""

import boto3
import dagster as dg
import pytest

from ingest.storage import LandingLinkError, LocalStore, S3Store
from pipelines.assets.cloud_billing import azure_cost_details
from tests.cloud_billing_fixture import AZURE_HEADER, cloud_billing_resources
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401

pytestmark = pytest.mark.integration


def test_a_linked_file_in_landing_is_refused_with_the_link_named(tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "landing" / "azure" / "actual" / "20261001-20261031"
    folder.mkdir(parents=True)
    (folder / "export.csv").write_text(AZURE_HEADER + "s1,10/1/2026,10.00,Usage,VM,10/1/2026,\n")
    link = folder / "passwd.csv"
    link.symlink_to(secret)
    store = LocalStore(tmp_path / "landing")

    with pytest.raises(LandingLinkError, match=r"passwd\.csv: is a symbolic link \(to .*outside/passwd\)"):
        store.list("azure")
    with pytest.raises(LandingLinkError, match="passwd.csv"):
        store.read_bytes("azure/actual/20261001-20261031/passwd.csv")

    # through the real asset: the run fails naming the link; nothing of the linked file is stored anywhere
    warehouse = tmp_path / "w.duckdb"
    result = dg.materialize(
        [azure_cost_details],
        raise_on_error=False,
        resources=cloud_billing_resources(tmp_path / "landing", warehouse),
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "passwd.csv: is a symbolic link" in failure.event_specific_data.error.to_string()
    if warehouse.exists():
        assert b"root:x:0:0" not in warehouse.read_bytes()


def test_a_linked_folder_in_landing_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_text("{}")
    (tmp_path / "landing" / "bedrock").mkdir(parents=True)
    (tmp_path / "landing" / "bedrock" / "logs").symlink_to(outside, target_is_directory=True)
    (tmp_path / "landing" / "openai").symlink_to(outside, target_is_directory=True)
    store = LocalStore(tmp_path / "landing")
    with pytest.raises(LandingLinkError, match="bedrock/logs: is a symbolic link"):
        store.list("bedrock")
    with pytest.raises(LandingLinkError, match="landing/openai: is a symbolic link"):
        store.list("openai/costs", pattern="*.json")


def test_a_linked_landing_root_is_fine(tmp_path):
    real = tmp_path / "mnt" / "landing"
    (real / "gpu").mkdir(parents=True)
    (real / "gpu" / "a.csv").write_text("x\n")
    (tmp_path / "landing").symlink_to(real, target_is_directory=True)
    assert LocalStore(tmp_path / "landing").list("gpu") == ["gpu/a.csv"]


def test_s3_prefix_azure_does_not_list_azure_openai(moto_s3_endpoint):  # noqa: F811
    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="landing-prefix")
    for key in (
        "prod/azure/actual/20261001-20261031/export.csv",
        "prod/azure_openai/deployments/d.json",
        "prod/azure_openai/metrics/m.json",
        "prod/azurefoo.csv",
    ):
        s3.put_object(Bucket="landing-prefix", Key=key, Body=b"x")
    store = S3Store(bucket="landing-prefix", prefix="prod", endpoint_url=moto_s3_endpoint)
    assert store.list("azure") == ["azure/actual/20261001-20261031/export.csv"]
    assert store.list("azure/") == ["azure/actual/20261001-20261031/export.csv"]
    assert store.list("azure_openai", pattern="*.json") == [
        "azure_openai/deployments/d.json",
        "azure_openai/metrics/m.json",
    ]
    assert len(store.list()) == 4
    assert S3Store(bucket="landing-prefix", endpoint_url=moto_s3_endpoint).list("prod/azure") == [
        "prod/azure/actual/20261001-20261031/export.csv"
    ]
