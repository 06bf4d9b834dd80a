"""Partitions shared across assets. Daily, UTC; the last partition is yesterday."""

import dagster as dg

# The first day the warehouse accepts: the start of the accepted timestamp range (ingest.common), so any
# delivery day a valid request can have is a partition.
DAILY_START_DATE = "2000-01-01"

# end_offset=1: today is a valid partition too, so a delivery landed today can be loaded at once.
daily_partitions = dg.DailyPartitionsDefinition(start_date=DAILY_START_DATE, timezone="UTC", end_offset=1)

# Partitioned assets load a whole partition range in one run (one transaction per day inside).
single_run_backfill = dg.BackfillPolicy.single_run()
