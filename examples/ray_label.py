"""Label an archive on a Ray cluster with Ray Data: one belclf model per actor.

    pip install 'belclf[ray]'
    python examples/ray_label.py examples/articles --out out/ray-labels          # a folder of pages
    python examples/ray_label.py export.parquet --text-column body --id-column url --out out/ray-labels
    python examples/ray_label.py s3://bucket/pages/ --address auto --workers 64 --out s3://bucket/labels/

A folder is read with ``read_binary_files`` (one row per .txt/.md/.html file, as bytes, so a file
that is not UTF-8 gets an error row instead of stopping the job; ``read_text`` would cut every
page into lines), a Parquet archive with ``read_parquet``. ``map_batches`` runs the callable
class ``Labeller`` on a pool of actors: each loads the model once, then labels batch after
batch. ``write_parquet`` writes one row per input, failed ones included with their ``error``,
in the columns of ``belclf label --out labels.parquet`` (rows come in no particular order).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import belclf
from belclf.archive import label_records, table_columns


# Reading and writing reserve no CPU: the labelling actors take one each, and with every CPU
# taken by an actor, reads that wait for a CPU would wait forever (Ray Data deadlocks).
IO = {"num_cpus": 0}


class Labeller:
    """Labels one batch (a pandas DataFrame with columns ``id`` and ``value``) into an Arrow
    table, with a model loaded once per actor."""

    def __init__(self, model: str) -> None:
        self.model = belclf.load(model)
        # a fixed schema: a batch without errors must not make "error" a null column
        self.schema = pa.schema([(name, pa.type_for_alias(kind)) for name, kind in table_columns(self.model.labels)])

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        return pa.Table.from_pylist(label_records(self.model, batch["id"], batch["value"]), schema=self.schema)


def read(archive: str, text_column: str, id_column: str | None):
    """The archive as a Ray dataset of (id, value) rows; a file's id is its path below the folder."""
    import ray

    if archive.endswith(".parquet"):
        if not id_column:
            raise SystemExit("--id-column is required for Parquet: distributed rows have no stable row number")
        ds = ray.data.read_parquet(archive, columns=[id_column, text_column], ray_remote_args=IO)
        return ds.rename_columns({id_column: "id", text_column: "value"})
    # Ray names a file by the path as given (a remote one without its scheme): the id is what follows the folder
    bare = archive.split("://", 1)[1] if "://" in archive else archive
    roots = sorted({r.rstrip("/") + "/" for r in (bare, os.path.normpath(bare), os.path.abspath(bare))}, key=len,
                   reverse=True)
    # every file: one that is not a page gets its row too ("skipped: not a text file"), as in belclf label
    ds = ray.data.read_binary_files(archive, include_paths=True, ray_remote_args=IO)

    def named(batch: pd.DataFrame) -> pd.DataFrame:
        ids = [next((path[len(r):] for r in roots if path.startswith(r)), path) for path in batch["path"]]
        return pd.DataFrame({"id": ids, "value": batch["bytes"]})

    return ds.map_batches(named, batch_format="pandas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive", help="a folder of .txt/.md/.html pages or a .parquet file (local or s3://...)")
    parser.add_argument("--out", required=True, help="output folder of Parquet files")
    parser.add_argument("--model", default="default",
                        help="bundled tier, or a model folder at the same path on every node")
    parser.add_argument("--text-column", default="text", help="text column of a Parquet archive")
    parser.add_argument("--id-column", help="id column of a Parquet archive (required there)")
    parser.add_argument("--workers", type=int, default=2, help="actors, each with one model and one CPU")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--address", help="an existing Ray cluster ('auto'); default: a local one with --workers CPUs")
    args = parser.parse_args()
    import ray

    from belclf.models import resolve

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    resolve(args.model)  # fail here, not in every actor; a tier name resolves on each node, a folder must be shared
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.workers, include_dashboard=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    start = time.perf_counter()
    rows = read(args.archive, args.text_column, args.id_column).map_batches(
        Labeller, fn_constructor_kwargs={"model": args.model}, batch_size=args.batch_size, batch_format="pandas",
        concurrency=args.workers, num_cpus=1)
    rows.write_parquet(args.out, ray_remote_args=IO)
    seconds = time.perf_counter() - start
    ray.shutdown()
    written = pq.read_table(args.out, columns=["error"]).column("error")
    print(json.dumps({"rows": len(written), "errors": len(written) - written.null_count,
                      "seconds": round(seconds, 2), "rows_per_s": round(len(written) / seconds, 1)}))


if __name__ == "__main__":
    main()
