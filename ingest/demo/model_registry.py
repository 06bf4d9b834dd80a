"""Demo model registry (feeds `ingest.model_registry`): world.trained_models entering service in Oct 2026,
mapped to ledger features (support-ranker-v3 -> support_chat requests, search-embedder-v2 -> semantic_search
requests of text-embedding-3-small).

Files written under the landing folder:
- model_registry/models.csv

No `generate` here: `ingest.demo.gpu_jobs` writes it with the GPU telemetry (the registry names the models
the training runs trained).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from ingest.demo.world import World

_HEADER = (
    "model_version",
    "service_start_date",
    "useful_life_months",
    "other_capitalized_costs_usd",
    "ledger_feature_tag",
    "ledger_model",
    "reference_api_model",
    "training_tokens",
    "team",
)
# model version -> (service start, useful life in months, other capitalized costs, ledger feature, ledger model,
# reference API model, training tokens, team)
_MODELS = {
    "support-ranker-v3": (date(2026, 10, 1), 12, "18500.00", "support_chat", "", "gpt-4o", "2400000000", "support"),
    "search-embedder-v2": (
        date(2026, 10, 15),
        18,
        "7250.50",
        "semantic_search",
        "text-embedding-3-small",
        "text-embedding-3-large",
        "9100000000",
        "search",
    ),
}


def write_registry(landing: Path, world: World) -> None:
    folder = landing / "model_registry"
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_HEADER)
    for model_version in world.trained_models:
        start, life, other, feature, model, reference, tokens, team = _MODELS[model_version]
        writer.writerow([model_version, start.isoformat(), life, other, feature, model, reference, tokens, team])
    (folder / "models.csv").write_text(buffer.getvalue())
