"""Where the bundled models live and how names map to them."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .features import StaticEmbedding

TIERS = {
    "default": "default",   # the tier chosen by measurement (see models/README.md)
    "fast": "fast",         # TF-IDF + static MiniLM embeddings, numpy only
    "tfidf": "tfidf",       # TF-IDF alone, the first model
    "accurate": "accurate", # TF-IDF + frozen MiniLM read in windows; needs belclf[transformer]
}
EMBEDDING = "embeddings/minilm-l6-static"


def models_dir() -> Path:
    """The bundled ``models`` folder: inside the installed package, or at the repository root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent.parent / "models"):
        if (candidate / EMBEDDING).is_dir():
            return candidate
    raise FileNotFoundError("belclf's bundled models are missing from this installation")


def resolve(name_or_path: str) -> Path:
    """The directory of a bundled tier (``default``, ``fast``, ``tfidf``, ``accurate``) or a path."""
    if name_or_path in TIERS:
        path = models_dir() / TIERS[name_or_path]
        link = path.with_suffix(".txt")  # models/default.txt names the default tier
        if not path.exists() and link.is_file():
            return resolve(link.read_text(encoding="utf-8").strip())
        return path
    return Path(name_or_path)


@lru_cache(maxsize=1)
def bundled_embedding() -> StaticEmbedding:
    """The static embedding distilled from all-MiniLM-L6-v2 that ships with belclf."""
    return StaticEmbedding.load(models_dir() / EMBEDDING)


def embedding_sha256(embedding: StaticEmbedding) -> str:
    digest = hashlib.sha256(embedding.quantised.tobytes())
    digest.update(embedding.scales.tobytes())
    digest.update(embedding.tokenizer_json.encode("utf-8"))
    return digest.hexdigest()
