"""A mistyped or missing landing folder is "no delivery", never "empty delivery" (issue 8, item 4): the real
Dagster assets run on the demo files, then on a landing path that does not exist, then on explicit empty
folders, into one temporary DuckDB."""

import random
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingest.demo import azure_openai as demo_azure_openai
from ingest.demo import bedrock as demo_bedrock
from ingest.demo import gpu_jobs as demo_gpu
from ingest.demo import llm_providers as demo_llm_providers
from ingest.demo import outcomes as demo_outcomes
from ingest.demo import spark as demo_spark
from ingest.demo.world import World
from pipelines.assets.azure_openai_ptu import AzureOpenAiResource, azure_openai_ptu
from pipelines.assets.gpu_jobs import gpu_dcgm, gpu_kubeflow, gpu_model_registry, gpu_spark
from pipelines.assets.ledger import outcomes_conversations
from pipelines.assets.llm_providers import LlmProviderApiResource, bedrock_invocations, llm_provider_reports
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource

pytestmark = pytest.mark.integration
UNPARTITIONED = [gpu_model_registry, gpu_spark, gpu_kubeflow, gpu_dcgm, azure_openai_ptu, outcomes_conversations]
TABLES = [
    "raw_gpu.model_registry",
    "raw_gpu.spark_apps",
    "raw_gpu.spark_executors",
    "raw_gpu.kfp_runs",
    "raw_gpu.k8s_pods",
    "raw_gpu.dcgm_samples",
    "raw_azure_openai.deployments",
    "raw_azure_openai.metrics",
    "raw_llm_providers.bedrock_invocations",
    "raw_llm_providers.usage",
    "raw_llm_providers.costs",
    "raw_outcomes.conversations",
]


PROVIDER_TABLES = {"raw_llm_providers.usage", "raw_llm_providers.costs"}


def _run(landing: Path, warehouse: Path, partition: str) -> None:
    resources = {
        "landing": LandingResource(location=str(landing)),
        "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        "rate_cards": RateCardsResource(),
        "azure_openai": AzureOpenAiResource(),  # no account: the landing folder is read
        **{  # no key in the environment: the recorded pages in the landing folder are read
            f"{name}_api": LlmProviderApiResource(
                provider=name, base_url="http://127.0.0.1:9", api_key_env_var="FINOPS_TEST_NO_SUCH_KEY"
            )
            for name in ("openai", "anthropic")
        },
    }
    assert dg.materialize(UNPARTITIONED, resources=resources).success
    for asset in (bedrock_invocations, llm_provider_reports):
        assert dg.materialize([asset], partition_key=partition, resources=resources).success


def _contents(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr) for table in TABLES}


def test_missing_landing_leaves_every_table_and_an_empty_folder_empties_it(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    world = World(days=3)
    demo_gpu.generate(landing, world, random.Random(5))
    demo_spark.write_spark(landing, world, random.Random(6))
    demo_gpu.write_kubeflow_and_dcgm(landing, random.Random(7))
    demo_azure_openai.generate(landing, world, random.Random(8))
    demo_bedrock.generate(landing, world, random.Random(9))
    demo_llm_providers.generate(landing, world, random.Random(10))
    demo_outcomes.generate(landing, world, random.Random(11))
    day = world.start_date.isoformat()
    _run(landing, warehouse, day)
    loaded = _contents(warehouse)
    assert all(loaded[table] for table in TABLES), [table for table in TABLES if not loaded[table]]

    _run(tmp_path / "landnig", warehouse, day)  # a mistyped --landing: no source folder exists
    assert _contents(warehouse) == loaded

    # an explicit empty delivery: the folder is there and holds nothing
    explicit = tmp_path / "explicit"
    for folder in ("dcgm", "model_registry", "azure_openai/metrics", "anthropic", "outcomes"):
        (explicit / folder).mkdir(parents=True)
    _run(explicit, warehouse, day)
    after = _contents(warehouse)
    # the model registry and the outcomes are complete lists: an empty folder empties them. PTU metrics and DCGM
    # scrapes replace what their files cover (an hour window, a scrape file), and an empty folder covers nothing
    emptied = {"raw_gpu.model_registry", "raw_outcomes.conversations"}
    assert {table for table in TABLES if not after[table]} == emptied
    assert all(after[table] == loaded[table] for table in TABLES if table not in emptied | PROVIDER_TABLES)
    # Anthropic delivered an empty folder: its window's rows go, OpenAI's (no folder) stay
    for table in PROVIDER_TABLES:
        assert {row[0] for row in loaded[table]} == {"openai", "anthropic"}
        assert after[table] == [row for row in loaded[table] if row[0] == "openai"]
