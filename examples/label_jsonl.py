"""Label a JSONL export (one JSON object per line with a text field) into a JSONL table.

    python examples/label_jsonl.py EXPORT.jsonl --text-column body --out labelled.jsonl
"""
import argparse
import json

from belclf.archive import label_archive, read_rows

parser = argparse.ArgumentParser()
parser.add_argument("export")
parser.add_argument("--text-column", default="text")
parser.add_argument("--id-column", default=None)
parser.add_argument("--out", default="out/export-labelled.jsonl")
args = parser.parse_args()

summary = label_archive(args.export, args.out, text_column=args.text_column, id_column=args.id_column,
                        resume=True, progress=False)  # resume: running it again finishes an interrupted run
print(json.dumps(summary))
for row in read_rows(args.out):
    print(row["id"], row["labels"], row["error"] or "")
