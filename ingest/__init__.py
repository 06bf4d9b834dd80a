"""Source parsers: raw files and API pages in, typed Arrow tables plus rejected rows out.

Nothing here imports Dagster or opens the warehouse: each parser is testable with a file and an assert.
"""
