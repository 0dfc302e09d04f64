"""Faster text extraction with pypdf, the text unchanged: a content-stream parser with a fast path, and
the garbage collector paused while a page is read.

Where ``read_pdf``'s CPU goes (cProfile, 5 LitQA papers): 88% in pypdf's ``extract_text``, ~70% in its
content-stream parser (``ContentStream._parse_content_stream``, which walks a page's stream one byte
at a time through ``BytesIO.read``/``seek``, most of the bytes being the numbers and path operators of
vector figures that the extractor then ignores), and on top of that Python's garbage collector
(``paused_gc``). ``install`` swaps in a loop that reads runs of plain numbers, names and operators
with regular expressions over the stream's bytes, and hands every other token (strings, arrays,
dictionaries, inline images, comments, anything malformed or over a limit) to pypdf's own code at the
same offset. The operations list, the parsing budget and the errors are the ones pypdf's loop gives,
so the text is byte for byte the same (``tests/test_pdfstream.py`` compares the two parsers on edge
cases and on every stream of three papers; all 6,199 streams, 70 MB, of the 34 test papers compared
equal).

The loop mirrors private pypdf code, so it is installed only when that code is the one it was written
against (``_MIRRORED``: pypdf 6.21.4). After a pypdf upgrade that changed any of it, pypdf keeps its
own parser, slower but correct, and the test that expects the fast path fails: read the new source
against this loop, then update the fingerprint.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import logging
import re
from contextlib import contextmanager
from functools import cache
from io import BytesIO
from typing import Any, Callable, Iterator

try:  # private pypdf names: when one is gone, install() leaves pypdf's parser in place
    from pypdf import _utils
    from pypdf._configuration import get_configuration
    from pypdf.generic import ContentStream, FloatObject, NameObject, NumberObject
    from pypdf.generic._data_structures import IndirectPattern, read_object
    from pypdf.generic._utils import StreamParsingBudget
except ImportError:  # pragma: no cover
    ContentStream = None

log = logging.getLogger(__name__)

# What this module reproduces of pypdf 6.21.4: sha256 of the source of the functions, and the values of
# the patterns its own patterns copy.
_MIRRORED = {
    "ContentStream._parse_content_stream": "0799164e1d527e714d3ac630cfa80adad9dcf62992b4f915d1a8e3ce10f0c4cf",
    "read_object": "78c814d6a6ab383074d4b04c2e2e1306f45f7d461f2a26954ce060d8fe4cd38f",
    "read_until_regex": "eb03c666ceac527429c06a7e30eabac34d51c721446e3be9ada74b1be61dce0f",
    "read_non_whitespace": "625f5fffad4a480febd7abe001b09a7907a6cecb170c88c2fd704957d4f69f7e",
    "NameObject.read_from_stream": "ec64b8e2cce14987cb46bb2e8f3925d404f2b9f9ba039e129b553bdccdca4bae",
    "NameObject.unnumber": "f4f20857f40362ae4c34217d3d7930cb96b24e11b7baa0bba72671e9984c3a5a",
    "WHITESPACES": b"\x00\t\n\x0c\r ",
    "NameObject.delimiter_pattern": rb"\s+|[\(\)<>\[\]{}/%]",
    "NumberObject.NumberPattern": b"[^+-.0-9]",
}
_WHITESPACE = re.compile(rb"[\x00\t\n\f\r ]*")  # what read_non_whitespace skips
_NUMBER = re.compile(rb"[+,\-.0-9]+")  # what NumberObject.NumberPattern does not stop at
_LINE_END = re.compile(rb"[\r\n]")
# A run read in bulk: operations whose operands are all plain numbers or names, separated by spaces, tabs
# and line ends. A number is well formed (float() reads it), shorter than pypdf's 20-byte peek and followed
# by a space or an operator; a name is printable ASCII without "#" escapes, followed by a space; an operator is
# printable ASCII up to a delimiter (pypdf's NameObject.delimiter_pattern) and not BI (an inline image).
# Anything else ends the run and is read by pypdf's rules (``_token``).
_SPACE = rb"[\t\n\f\r ]"
_PLAIN_NUMBER = rb"[+-]?(?:\d{1,8}(?:\.\d{0,9})?|\.\d{1,9})(?![+,\-.0-9])(?=[\t\n\f\r A-Za-z'\"])"
_PLAIN_NAME = rb"/[!\"$&'*-.0-;=?-Z\\^-z|~]{0,100}(?=[\t\n\f\r ])"
_PLAIN_OPERATOR = rb"(?!BI(?:[\s()<>\[\]{}/%]|\Z))[A-Za-z'\"][!-$&'*-.0-;=?-Z\\^-z|~]{0,30}(?=[\s()<>\[\]{}/%]|\Z)"
_OPERANDS = rb"(?:%s*(?:%s|%s))*" % (_SPACE, _PLAIN_NUMBER, _PLAIN_NAME)
_OPERATION = re.compile(rb"(%s)%s*(%s)" % (_OPERANDS, _SPACE, _PLAIN_OPERATOR))
_RUN = re.compile(rb"(?:%s%s*%s)+" % (_OPERANDS, _SPACE, _PLAIN_OPERATOR))
_PEEK = 20  # read_object reads a number (or an indirect reference) from a 20-byte peek
_SHORT_OPERATOR = 100  # read_until_regex's 128-byte cap is checked per chunk read: longer ones go to pypdf
_original: Callable[..., None] | None = None


def fingerprint() -> dict[str, Any]:
    """What ``_MIRRORED`` records, read from the installed pypdf."""
    from pypdf.generic import _data_structures

    functions = {"ContentStream._parse_content_stream": ContentStream._parse_content_stream,
                 "read_object": _data_structures.read_object, "read_until_regex": _utils.read_until_regex,
                 "read_non_whitespace": _utils.read_non_whitespace,
                 "NameObject.read_from_stream": NameObject.read_from_stream, "NameObject.unnumber": NameObject.unnumber}
    return {name: hashlib.sha256(inspect.getsource(f).encode()).hexdigest() for name, f in functions.items()} | {
        "WHITESPACES": _utils.WHITESPACES_AS_BYTES, "NameObject.delimiter_pattern": NameObject.delimiter_pattern.pattern,
        "NumberObject.NumberPattern": NumberObject.NumberPattern.pattern}


@cache
def _known() -> bool:
    try:
        return ContentStream is not None and fingerprint() == _MIRRORED
    except (OSError, TypeError, AttributeError):  # no source files (a frozen install) or renamed internals
        return False


def install() -> bool:
    """Use the fast loop in pypdf's ContentStream if pypdf's code is the one it mirrors; whether it is in use."""
    global _original
    if _original is None and _known():
        _original = ContentStream._parse_content_stream
        ContentStream._parse_content_stream = _parse_content_stream
    elif _original is None:
        log.debug("pypdf's content-stream parser is not the one pdfstream mirrors: pypdf's own is used")
    return _original is not None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off (it was on before, it is on after).

    pypdf makes a tracked object of every operand of a page (a float or int subclass with a
    ``__dict__``) and keeps them all until the page is done, so while a page is read the collector runs
    again and again, each full pass over every object of the process (the model, llama-index, Chroma,
    the page so far): ~40% of ``read_pdf``'s CPU on the 34 papers. Those operands make no reference
    cycles; what cycles the block (or another thread meanwhile) leaves are collected after it. The switch
    is process-wide, so another thread pausing at the same time may find it off and leave it to the first
    to switch back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def uninstall() -> None:
    """Give pypdf its own parser back (tests compare the two)."""
    global _original
    if _original is not None:
        ContentStream._parse_content_stream = _original
        _original = None


def _parse_content_stream(self: Any, stream: Any) -> None:
    """``ContentStream._parse_content_stream``: runs of plain numbers and operators are read in bulk
    (``_run``), any other token one at a time as pypdf reads it (``_token``)."""
    if not isinstance(stream, BytesIO):
        return _original(self, stream)
    data = stream.getvalue()
    budget = StreamParsingBudget(remaining_budget=get_configuration().stream_parsing_work_maximum_count)
    operands: list = []
    pos = slow_until = 0
    while (pos := _WHITESPACE.match(data, pos).end()) < len(data):
        if pos >= slow_until and (run := _RUN.match(data, pos)):
            if _run(self, data, pos, run.end(), operands, budget):
                operands, pos = [], run.end()
                continue
            slow_until = run.end()
        operands, pos = _token(self, data, pos, stream, operands, budget)


def _run(self: Any, data: bytes, start: int, end: int, operands: list, budget: Any) -> bool:
    """Append the operations of ``data[start:end]``, plain numbers and names then an operator, as
    pypdf's loop would; False (nothing appended) where pypdf's would not read them the same way: a
    number that opens an indirect reference (``read_object`` raises on one in a content stream), or
    a parsing budget that runs out inside the run."""
    found = IndirectPattern.search(data, start, end + _PEEK)
    if found and found.start() < end:
        return False
    parsed = [([NameObject(t.decode()) if t[0] == 0x2F else FloatObject(t) if 0x2E in t else NumberObject(t)
               for t in plain.split()], operator)  # "/" a name (ASCII, no "#" to unescape), "." a float
              for plain, operator in _OPERATION.findall(data, start, end)]
    tokens = len(parsed) + sum(len(read) for read, _ in parsed)
    if budget.remaining_budget - tokens < 0:
        return False
    budget.remaining_budget -= tokens
    parsed[0][0][:0] = operands
    self._operations.extend(parsed)
    return True


def _token(self: Any, data: bytes, pos: int, stream: BytesIO, operands: list, budget: Any) -> tuple[list, int]:
    """One step of pypdf's loop at ``pos`` (an operator, an inline image, a comment or an operand): the
    operands pending after it and the offset after it."""
    peek = data[pos:pos + 1]
    if peek.isalpha() or peek in (b"'", b'"'):
        found = NameObject.delimiter_pattern.search(data, pos)
        end = found.start() if found else len(data)
        if end - pos > _SHORT_OPERATOR:
            stream.seek(pos)
            operator = _utils.read_until_regex(stream=stream, regex=NameObject.delimiter_pattern,
                                               length=self._OPERATOR_LENGTH_LIMIT)
            end = stream.tell()
        else:
            operator = data[pos:end]
        if operator == b"BI":
            assert operands == []
            self._check_limits(parsing_budget=budget, token_decrement=2)
            stream.seek(end)
            self._operations.append((self._read_inline_image(stream, parsing_budget=budget), b"INLINE IMAGE"))
            return [], stream.tell()
        self._check_limits(parsing_budget=budget, token_decrement=1)
        self._operations.append((operands, operator))
        return [], end
    if peek == b"%":
        found = _LINE_END.search(data, pos)
        return operands, found.end() if found else len(data)
    self._check_limits(parsing_budget=budget, token_decrement=1)
    operand, pos = _operand(self, data, pos, stream, budget)
    operands.append(operand)
    return operands, pos


def _operand(self: Any, data: bytes, pos: int, stream: BytesIO, budget: Any) -> tuple[Any, int]:
    """The object at ``pos`` and the offset after it: a number as read_object reads it from its 20-byte
    peek; anything else by read_object itself."""
    if data[pos:pos + 1] in b"0123456789+-.":
        end = _NUMBER.match(data, pos).end()
        if end - pos < min(_PEEK, len(data) - pos) and not IndirectPattern.match(data, pos, pos + _PEEK):
            number = data[pos:end]
            return (FloatObject(number) if b"." in number else NumberObject(number)), end
    stream.seek(pos)
    return read_object(stream, None, self.forced_encoding, parsing_budget=budget), stream.tell()
