"""The fictional company every demo source describes: same teams, features, tenants, models and dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class Feature:
    name: str
    team: str
    models: tuple[str, ...]
    # conversational features produce support conversations with outcomes
    conversational: bool = False


@dataclass(frozen=True)
class World:
    start_date: date = date(2026, 10, 1)
    days: int = 31
    teams: tuple[str, ...] = ("support", "search", "growth", "platform")
    tenants: tuple[str, ...] = ("acme", "globex", "initech", "umbrella")
    environments: tuple[str, ...] = ("prod", "staging", "dev")
    features: tuple[Feature, ...] = field(
        default_factory=lambda: (
            Feature("support_chat", "support", ("gpt-4o-mini", "claude-sonnet-4-5"), conversational=True),
            Feature("ticket_summary", "support", ("claude-haiku-4-5",)),
            Feature("semantic_search", "search", ("text-embedding-3-small", "gpt-4o-mini")),
            Feature("query_rewrite", "search", ("gpt-4o-mini",)),
            Feature("email_drafts", "growth", ("gpt-4o", "claude-sonnet-4-5")),
            Feature("eval_harness", "platform", ("o3-mini", "gpt-4o")),
        )
    )
    # cloud side: one AWS account, GCP project and Azure subscription per team
    aws_accounts: dict = field(
        hash=False,
        default_factory=lambda: {
            "support": "111111111111",
            "search": "222222222222",
            "growth": "333333333333",
            "platform": "444444444444",
        },
    )
    gcp_projects: dict = field(
        hash=False, default_factory=lambda: {"search": "search-prod-4417", "platform": "ml-platform-2291"}
    )
    azure_subscriptions: dict = field(
        hash=False,
        default_factory=lambda: {
            "support": "6f1c2b7e-0c3a-4a51-9f0e-1a2b3c4d5e6f",
            "growth": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        },
    )
    # model versions trained in-house (GPU jobs, training amortization)
    trained_models: tuple[str, ...] = ("support-ranker-v3", "search-embedder-v2")

    @property
    def dates(self) -> list[date]:
        return [self.start_date + timedelta(days=offset) for offset in range(self.days)]

    @property
    def end_date(self) -> date:
        """Exclusive end."""
        return self.start_date + timedelta(days=self.days)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(sorted({model for feature in self.features for model in feature.models}))

    def features_of(self, team: str) -> list[Feature]:
        return [feature for feature in self.features if feature.team == team]


@dataclass(frozen=True)
class TrainingRun:
    """One in-house training run: a Kubeflow run whose pod the DCGM exporter scrapes."""

    display_name: str
    model_version: str
    team: str
    job_type: str | None  # explicit label, else the name rules decide
    instance_type: str
    capacity_type: str
    gpus: int
    start: datetime
    hours: int
    node: str
    exported_labels: bool  # DCGM scraped through Prometheus: exported_pod / exported_namespace


def training_runs() -> list[TrainingRun]:
    """The runs that trained `World.trained_models`, in Sept/Oct 2026."""
    return [
        TrainingRun(
            "support-ranker-v3-train",
            "support-ranker-v3",
            "support",
            None,
            "p4d.24xlarge",
            "spot",
            8,
            datetime(2026, 9, 18, 2, 0, tzinfo=UTC),
            3,
            "ip-10-8-1-17.ec2.internal",
            False,
        ),
        TrainingRun(
            "support-ranker-v3-lora-finetune",
            "support-ranker-v3",
            "support",
            None,
            "g5.12xlarge",
            "on-demand",
            4,
            datetime(2026, 9, 25, 9, 0, tzinfo=UTC),
            2,
            "ip-10-8-2-41.ec2.internal",
            True,
        ),
        TrainingRun(
            "search-embedder-v2-pretrain",
            "search-embedder-v2",
            "search",
            "training",
            "p5.48xlarge",
            "on-demand",
            8,
            datetime(2026, 10, 3, 20, 0, tzinfo=UTC),
            4,
            "ip-10-8-3-5.ec2.internal",
            False,
        ),
    ]


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, as Spark event logs and Prometheus samples write time."""
    return int(moment.timestamp() * 1000)


def rfc3339(moment: datetime) -> str:
    """Seconds-precision UTC RFC 3339, as the Kubernetes and Kubeflow APIs write time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
