"""Shared fixtures: small labelled data sets written for the tests."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A custom label set (not belclf's): migration and Belarus-China relations.
CUSTOM = [
    ("Hundreds of migrants camped at the Kuznica crossing as Polish guards kept the gate shut.", ["migration"]),
    ("Asylum seekers flown in from Baghdad were bused to the forest near the border.", ["migration"]),
    ("Lithuania built tent camps for people who crossed from Belarus without papers.", ["migration"]),
    ("A Syrian family said guards pushed them back across the wire four times in one night.", ["migration"]),
    ("Travel agencies in Minsk sold tourist visas to Iraqis hoping to reach Germany.", ["migration"]),
    ("Latvia declared an emergency on its frontier after a surge of irregular crossings.", ["migration"]),
    ("Belarusian workers leaving for Poland now outnumber those going to Russia, a survey found.", ["migration"]),
    ("Xi Jinping received Lukashenko in Beijing and praised the all-weather partnership.", ["minsk_beijing"]),
    ("The Great Stone park near Minsk signed three new Chinese residents this quarter.", ["minsk_beijing"]),
    ("China's Exim Bank agreed to fund a cement plant upgrade in Kastrychnitski district.", ["minsk_beijing"]),
    ("Belarusian dairy exports to China doubled after Beijing certified twenty producers.", ["minsk_beijing"]),
    ("A visa-free regime between Belarus and China took effect for thirty-day visits.", ["minsk_beijing"]),
    ("Geely's assembly plant in Barysau raised its localisation to half of each car.", ["minsk_beijing"]),
    ("Chinese construction firms built stopover hostels for migrants at the Bruzgi logistics hub.",
     ["migration", "minsk_beijing"]),
    ("Minsk's ice hockey team won the regional cup on penalties.", []),
    ("A new opera about the Radziwiłł family opened at the Bolshoi in Minsk.", []),
    ("Heavy snow closed several roads around Vitebsk on Monday.", []),
    ("The national library put a medieval chronicle online for readers.", []),
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def custom_data(tmp_path: Path) -> Path:
    """JSONL with labels migration / minsk_beijing and fixed splits."""
    rows = []
    for i, (text, labels) in enumerate(CUSTOM):
        rows.append({"text": text, "labels": labels, "split": "dev" if i in (5, 11) else "train"})
    return write_jsonl(tmp_path / "custom.jsonl", rows)


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    return ROOT / "training" / "data" / "corpus.jsonl"
