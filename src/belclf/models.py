"""Where the bundled models live and how names map to them."""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .features import StaticEmbedding

TIERS = {
    "default": "default",   # the tier chosen by measurement (see models/README.md)
    "tfidf": "tfidf",       # TF-IDF and actor features, numpy only
    "accurate": "accurate", # the same plus a frozen MiniLM read in windows; needs belclf[accurate]
}
# tiers that were removed, and why (so that an old name gets an answer, not "no such folder")
REMOVED = {"fast": "it was slower than 'tfidf' and no more accurate on any measure (README, 'Models and accuracy')"}
EMBEDDING = "embeddings/minilm-l6-static"


def models_dir() -> Path:
    """The bundled ``models`` folder: inside the installed package, or at the repository root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent.parent / "models"):
        if (candidate / EMBEDDING).is_dir():
            return candidate
    raise FileNotFoundError("belclf's bundled models are missing from this installation")


def resolve(name_or_path: str) -> Path:
    """The directory of a bundled tier (``default``, ``tfidf``, ``accurate``) or a path.

    Raises:
        ModelError: for a name that is neither a tier nor an existing path, listing the tiers.
    """
    if name_or_path in TIERS:
        path = models_dir() / TIERS[name_or_path]
        link = path.with_suffix(".txt")  # models/default.txt names the default tier
        if not path.exists() and link.is_file():
            return resolve(link.read_text(encoding="utf-8").strip())
        return path
    path = Path(name_or_path)
    if not path.exists() and "/" not in name_or_path and os.sep not in name_or_path:
        from difflib import get_close_matches

        from .model import ModelError

        if name_or_path in REMOVED:
            raise ModelError(f"the {name_or_path!r} tier was removed: {REMOVED[name_or_path]}; "
                             f"the tiers are {', '.join(TIERS)}")
        close = get_close_matches(name_or_path, list(TIERS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ModelError(f"{name_or_path!r} is neither a bundled tier nor a model folder: {hint}"
                         f"the tiers are {', '.join(TIERS)}")
    return path


def model_id(model: str | os.PathLike) -> tuple[str, list[str]]:
    """``name@hash`` of a model (its folder name and the start of its manifest's SHA-256), and its labels.

    Read from the folder without loading the model, so a wrong ``--model`` fails before any work.
    """
    import json

    from .model import CARD_FILE, MANIFEST_FILE, ModelError

    path = resolve(str(model))
    manifest = path / MANIFEST_FILE
    if not manifest.is_file():
        raise ModelError(f"{path} is not a belclf model: {MANIFEST_FILE} is missing")
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    labels = json.loads((path / CARD_FILE).read_text(encoding="utf-8"))["labels"]
    return f"{path.resolve().name}@{digest[:16]}", labels


@lru_cache(maxsize=1)
def bundled_embedding() -> StaticEmbedding:
    """The static embedding distilled from all-MiniLM-L6-v2 that ships with belclf."""
    return StaticEmbedding.load(models_dir() / EMBEDDING)


def embedding_sha256(embedding: StaticEmbedding) -> str:
    digest = hashlib.sha256(embedding.quantised.tobytes())
    digest.update(embedding.scales.tobytes())
    digest.update(embedding.tokenizer_json.encode("utf-8"))
    return digest.hexdigest()


def tier_params(name_or_path: str) -> dict[str, Any]:
    """The ``Classifier`` parameters a bundled tier (or a saved model folder) was trained with,
    read from its ``model.json``: ``belclf.train(data, **tier_params("tfidf"))`` trains the same way."""
    from .model import STATE_FILE, ModelError

    path = resolve(name_or_path) / STATE_FILE
    if not path.is_file():
        raise ModelError(f"{path.parent} is not a belclf model: {STATE_FILE} is missing")
    return dict(json.loads(path.read_text(encoding="utf-8"))["params"])
