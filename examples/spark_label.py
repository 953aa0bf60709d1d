"""Label an archive with PySpark: mapInPandas, the model handed to the executors as a path.

    pip install 'belclf[spark]'        # and a Java runtime (17 or later)
    python examples/spark_label.py examples/articles --out out/spark-labels       # a folder of pages
    python examples/spark_label.py export.parquet --text-column body --id-column url --out out/spark-labels
    spark-submit examples/spark_label.py hdfs:///pages --master yarn --model /shared/models/mine --out hdfs:///labels

For a folder, Spark lists the .txt/.md/.html files and the executors read them (one row per
file, empty ones included; a file that cannot be read or is not UTF-8 gets an error row
instead of failing the job); a Parquet archive is read with ``spark.read.parquet``. The model
travels as a path in a broadcast variable, not as a pickled object: each task loads it once,
then ``mapInPandas`` labels its partition batch after batch. The output is Parquet, one row
per input, failed ones included with their ``error``, in the columns of
``belclf label --out labels.parquet``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Iterator
from urllib.parse import unquote, urlparse

import pandas as pd

from belclf.archive import label_records, table_columns

def read_file(uri: str) -> bytes | OSError:
    """The bytes of a file (local, HDFS, S3...), or why it could not be read."""
    import pyarrow.fs

    try:
        filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
        with filesystem.open_input_stream(path) as handle:
            return handle.read()
    except OSError as exc:
        return exc


def labeller(model_path, batch_size: int, folder: str | None):
    """The function for mapInPandas: frames of inputs in, frames of output rows out. For a
    ``folder``, an input is a file's URI: the executor reads the file, and its id is its path
    below the folder, as belclf label writes it; for Parquet, an input is an (id, value) row."""

    def label(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import belclf

        model = belclf.load(model_path.value)  # once per task (a partition)
        columns = [name for name, _ in table_columns(model.labels)]
        for frame in frames:
            for start in range(0, len(frame), batch_size):
                part = frame.iloc[start : start + batch_size]
                if folder is None:
                    ids, values = part["id"], part["value"]
                else:
                    ids = [unquote(urlparse(uri).path).removeprefix(folder) for uri in part["id"]]
                    values = [read_file(uri) for uri in part["id"]]
                yield pd.DataFrame(label_records(model, ids, values), columns=columns)

    return label


def read(spark, archive: str, text_column: str, id_column: str | None):
    """The inputs as a DataFrame (a folder: each file's URI as ``id``; Parquet: ``id`` and
    ``value``), and the folder's path (None for Parquet)."""
    from pyspark.sql import functions as F

    if archive.endswith(".parquet"):
        if not id_column:
            raise SystemExit("--id-column is required for Parquet: distributed rows have no stable row number")
        return spark.read.parquet(archive).select(F.col(id_column).cast("string").alias("id"),
                                                  F.col(text_column).alias("value")), None
    # Spark lists the files; the executors read them. Reading them with spark.read's binaryFile
    # source would drop empty files unseen (and sc.binaryFiles reads small files 30 times slower).
    # Every file: one that is not a page gets its row too ("skipped: not a text file"), as in belclf label.
    uris = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(archive).inputFiles()
    slices = max(spark.sparkContext.defaultParallelism, len(uris) // 2000)  # tasks of ~2,000 files at most
    inputs = spark.createDataFrame(spark.sparkContext.parallelize([(u,) for u in sorted(uris)], slices), "id string")
    folder = urlparse(archive).path if "://" in archive else os.path.abspath(archive)
    return inputs, folder.rstrip("/") + "/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive", help="a folder of .txt/.md/.html pages or a .parquet file")
    parser.add_argument("--out", required=True, help="output folder of Parquet files (must not exist)")
    parser.add_argument("--model", default="default",
                        help="bundled tier, or a model folder at the same path on every executor")
    parser.add_argument("--text-column", default="text", help="text column of a Parquet archive")
    parser.add_argument("--id-column", help="id column of a Parquet archive (required there)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default: local[2], two cores here)")
    parser.add_argument("--batch-size", type=int, default=256, help="texts per classify_many call")
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    from belclf.models import resolve

    resolve(args.model)  # fail here, not in every executor
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors use this interpreter and its belclf
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    spark = (SparkSession.builder.master(args.master).appName("belclf-label")
             .config("spark.ui.enabled", "false").config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    import belclf

    labels = belclf.load(args.model).labels  # the output schema names them
    schema = ", ".join(f"{name} {kind}" for name, kind in table_columns(labels))
    start = time.perf_counter()
    model_path = spark.sparkContext.broadcast(args.model)
    inputs, folder = read(spark, args.archive, args.text_column, args.id_column)
    rows = inputs.mapInPandas(labeller(model_path, args.batch_size, folder), schema)
    rows.write.parquet(args.out)
    seconds = time.perf_counter() - start
    summary = spark.read.parquet(args.out).selectExpr("count(*) as rows", "count(error) as errors").first().asDict()
    spark.stop()
    print(json.dumps({**summary, "seconds": round(seconds, 2), "rows_per_s": round(summary["rows"] / seconds, 1)}))


if __name__ == "__main__":
    main()
