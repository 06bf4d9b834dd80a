"""Input records counted by a route independent of the loaders, checked on hand-written files."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.common import SourceFormatError
from ingest.record_counts import count_records


def test_jsonl_counts_non_blank_lines_including_malformed_ones(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"a": 1}\n\n   \n{"a": 2}\r\n{"trunc\n{"a": 3}'
    )  # BOM, blanks, CRLF, no final newline
    assert count_records(path, "jsonl") == 4


def test_csv_counts_records_not_lines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,tag\n1,"two\nlines"\n2,plain\n3,"a ""quoted"" word"\n', newline="")
    assert count_records(path, "csv") == 3
    (tmp_path / "empty.csv").write_text("")
    assert count_records(tmp_path / "empty.csv", "csv") == 0
    (tmp_path / "header.csv").write_text("id,tag\n")
    assert count_records(tmp_path / "header.csv", "csv") == 0


def test_parquet_counts_rows_of_every_row_group(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"x": list(range(25))}), path, row_group_size=10)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert count_records(path, "parquet") == 25


def test_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(SourceFormatError, match="no record counter for format 'xml'"):
        count_records(tmp_path / "a.xml", "xml")
