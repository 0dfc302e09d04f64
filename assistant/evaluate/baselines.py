"""Answer functions to score beside the assistant: the same library with one retriever only,
and the stock llama-index pipeline (SimpleDirectoryReader + VectorStoreIndex, default
chunking, same encoder, top node as the answer)."""

from __future__ import annotations

from typing import Any

from .runner import AnswerFn


def retriever_only(library: Any, mode: str) -> AnswerFn:
    """The full answerer over dense-only or BM25-only retrieval ("dense" / "sparse")."""
    from ..render import answer_json

    return lambda question, history: answer_json(library.ask(question, history=history, mode=mode))


def stock_llama_index(library: Any, top_k: int = 10) -> AnswerFn:
    """What a llama-index user gets by default: 1024-token chunks, top node cited as the answer.

    It reads the library's own copies of the PDFs, reporting each under its name as added.
    """
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

    from ..llama_embedding import EncoderEmbedding

    names = {str(library.pdf_path(p)): p.file_name for p in library.papers()}
    reader = SimpleDirectoryReader(input_files=list(names),
                                   file_metadata=lambda path: {"file_name": names[str(path)], "file_path": str(path)})
    documents = reader.load_data(show_progress=False)
    index = VectorStoreIndex.from_documents(documents, embed_model=EncoderEmbedding(library.encoder))
    retriever = index.as_retriever(similarity_top_k=top_k)

    def answer(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        nodes = retriever.retrieve(question)
        passages = [{"paper": n.metadata.get("file_name", ""), "page": str(n.metadata.get("page_label", "")),
                     "text": n.get_content(), "score": float(n.score or 0.0)} for n in nodes]
        if not passages:
            return {"question": question, "answer": "", "abstained": True, "citations": [], "passages": []}
        top = passages[0]
        return {"question": question, "answer": top["text"], "abstained": False, "passages": passages,
                "citations": [{"paper": top["paper"], "paper_id": "", "page": top["page"], "quote": top["text"],
                               "text": f"(p. {top['page']})"}]}

    return answer
