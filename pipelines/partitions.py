"""Partitions shared across assets. Daily, UTC; the last partition is yesterday."""

import dagster as dg

DAILY_START_DATE = "2024-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=DAILY_START_DATE, timezone="UTC")

# Partitioned assets load a whole partition range in one run (one transaction per day inside).
single_run_backfill = dg.BackfillPolicy.single_run()
