"""The ONNX encoder gives sentence-transformers' vectors, counts the same word pieces, and keeps
torch and transformers off the query path."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from assistant.chunking import make_splitter, page_documents
from assistant.embedding import Encoder, onnx_path
from assistant.papers import describe
from assistant.pdf import read_pdf
from assistant.settings import EmbedSettings, Settings

from .conftest import REPO, WEI

LITQA = REPO.parent / "shared" / "corpus-litqa" / "10.1093_nar_gkae069.pdf"


def chunk_texts(pdf, encoder: Encoder) -> list[str]:
    pages, meta = read_pdf(pdf)
    splitter = make_splitter(Settings().chunk, encoder.count_tokens)
    return [n.get_content() for n in splitter(page_documents(describe(pdf, pages, meta), pages))]


@pytest.mark.slow
def test_onnx_export_gives_sentence_transformers_vectors(tmp_path):
    onnx = Encoder(EmbedSettings(cache_dir=tmp_path))  # exported anew from the bundled weights
    reference = Encoder(EmbedSettings(backend="sentence-transformers"))
    texts = chunk_texts(WEI, onnx) + chunk_texts(LITQA, onnx)[:40] + ["How many migrants were there in 2019?", "a"]
    assert not onnx_path(onnx.settings).exists()
    a, b = np.asarray(onnx.encode(texts)), np.asarray(reference.encode(texts))
    assert onnx_path(onnx.settings).is_file()
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine.min()
    assert np.abs(a - b).max() < 1e-4
    # order is kept although batches are length-sorted; a single text gives the vector it gets in a batch
    assert np.allclose(np.asarray(onnx.encode([texts[3]]))[0], a[3], atol=1e-5)


@pytest.mark.slow
def test_export_is_built_once_and_reused(tmp_path):
    settings = EmbedSettings(cache_dir=tmp_path)
    Encoder(settings).encode(["first use exports"])
    built = onnx_path(settings).stat().st_mtime_ns
    Encoder(settings).encode(["second use loads"])
    assert onnx_path(settings).stat().st_mtime_ns == built
    assert [p.name for p in onnx_path(settings).parent.iterdir()] == ["model.onnx"]  # no temporary left


def test_word_pieces_are_those_of_the_transformers_tokenizer():
    """Chunk sizes must not change with the backend: same pieces as transformers' AutoTokenizer."""
    from transformers import AutoTokenizer

    from assistant.embedding import model_path

    encoder = Encoder(EmbedSettings())
    reference = AutoTokenizer.from_pretrained(model_path(encoder.settings), local_files_only=True)
    pages = [p.clean for pdf in (WEI, LITQA) for p in read_pdf(pdf)[0]]
    pages += ["naïve café — ﬁgure 3·10⁻⁵ µm", "", "   "]
    for text in pages:
        assert encoder.count_tokens(text) == reference.tokenize(text)


def test_a_query_imports_neither_torch_nor_transformers():
    Encoder(EmbedSettings()).load()  # the export (which needs torch) exists before the query process starts
    code = ("import sys; from assistant.embedding import Encoder; from assistant.settings import EmbedSettings;"
            "v = Encoder(EmbedSettings()).encode(['How many migrants?']); assert len(v[0]) == 384;"
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'llama_index') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_an_ask_imports_neither_llama_index_nor_torch(corpus_library):
    """The whole query path (catalogue, BM25, Chroma, encoder, answerer) stays off the heavy imports."""
    Encoder(EmbedSettings()).load()
    code = ("import sys; from assistant.api import Library;"
            f"a = Library({str(corpus_library.dir)!r}).ask('How many international migrants were there in 2019?');"
            "assert a.citations, a;"  # 'llama_index' alone is the namespace package that locates its nltk data
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'llama_index.core', 'nltk') "
            "if m in sys.modules))")  # nltk: stop words read from their file, sentences found when a page is read
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_word_piece_vectors_are_unit_length_and_rank_a_related_sentence_first():
    encoder = Encoder(EmbedSettings())
    question, related, unrelated = "How many migrants crossed the border?", \
        "Refugees and immigrants moved across frontiers in great numbers.", "The enzyme binds its substrate tightly."
    v = encoder.word_piece_vectors([question, related, unrelated, ""])
    assert v.shape == (4, 384)
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-5) and not v[3].any()
    assert v[1] @ v[0] > v[2] @ v[0] + 0.1
