"""The fictional company every demo source describes: same teams, features, tenants, models and dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


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
