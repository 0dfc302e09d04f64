"""Our Encoder behind llama-index's embedding interface, for the stock llama-index baseline only
(kept apart from embedding.py so that a query never imports llama-index)."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .embedding import Encoder


class EncoderEmbedding(BaseEmbedding):
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
