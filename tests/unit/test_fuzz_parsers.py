"""The seeded fuzz suite over every parser (issue 8, "Must show"), bounded for CI. `pytest -s` prints the table
of cases and outcomes; `python -m tests.fuzz_parsers --cases N` runs a larger sweep."""

from tests.fuzz_parsers import FUZZERS, run_fuzz


def test_every_parser_survives_hostile_values_and_byte_damage():
    report = run_fuzz(seed=8, cases_per_parser=30, ledger_cases=30)
    print("\n" + report.table())
    assert not report.failures, report.table()
    parsers = {case.parser.split()[0] for case in report.cases}
    assert {"ledger", "aws", "azure", "gcp", "focus", "spark", "dcgm", "kubeflow", "bedrock", "provider"} <= parsers
    assert len(FUZZERS) == 10
    # the suite reaches every allowed outcome, so each check in it ran
    assert {case.outcome for case in report.cases} == {"rows", "file rejected", "error naming the file"}
    assert len(report.cases) == 30 * 9 + 30
