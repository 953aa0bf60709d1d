"""Classify one article and show the sentences behind each label.

    python examples/classify_one.py [FILE]
"""
import sys

import belclf

ARTICLE = """Vilnius warns Minsk over Astravets power plant

Lithuania's energy minister said on Tuesday that no electricity from the Astravets nuclear
plant would enter the Lithuanian grid, and asked the European Commission to back a ban on
imports across the EU. Minsk answered that the plant, built by Rosatom with a Russian state
loan, meets every safety standard and invited IAEA inspectors back."""

text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else ARTICLE
prediction = belclf.classify(text, explain=True)
print("themes:    ", ", ".join(prediction.themes) or "-")
print("directions:", ", ".join(prediction.directions) or "-")
for label, score in sorted(prediction.scores.items(), key=lambda kv: -kv[1]):
    print(f"  {label:<14} {score:.2f}")
for label, evidence in (prediction.evidence or {}).items():
    print(f"why {label}:")
    for item in evidence:
        print(f"  {item.score:.2f}  {item.sentence}")
