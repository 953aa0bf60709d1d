"""Label a folder of saved pages into a CSV table and print a summary.

    python examples/label_folder.py [FOLDER] [--out OUT.csv]

Same as the command line: belclf label FOLDER --out OUT.csv
"""
import argparse
import csv
from collections import Counter
from pathlib import Path

from belclf.archive import label_archive

parser = argparse.ArgumentParser()
parser.add_argument("folder", nargs="?", default=str(Path(__file__).parent / "articles"))
parser.add_argument("--out", default="out/articles.csv")
args = parser.parse_args()

out = Path(args.out)
for stale in (out, out.with_name(out.name + ".part.jsonl")):
    stale.unlink(missing_ok=True)  # the example starts afresh each time
counts = label_archive(args.folder, out)

with open(out, newline="", encoding="utf-8") as handle:
    rows = list(csv.DictReader(handle))
print(f"\n{len(rows)} files labelled into {out} ({counts['errors']} could not be read)\n")
print(f"{'file':<44} labels")
for row in rows:
    print(f"{row['id']:<44} {row['labels'].replace(';', ', ') or '-'}{'  ERROR: ' + row['error'] if row['error'] else ''}")
totals = Counter(label for row in rows for label in row["labels"].split(";") if label)
print("\n" + "  ".join(f"{label}: {n}" for label, n in totals.most_common()))
