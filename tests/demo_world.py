"""The demo world of the shared demo night (tests/integration/conftest.py): 3 days from 2026-10-01."""

from datetime import date

from ingest.demo.world import World

DEMO_WORLD = World(start_date=date(2026, 10, 1), days=3)
