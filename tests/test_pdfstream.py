"""The fast content-stream parser gives pypdf exactly the operations (and errors) of pypdf's own."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, DecodedStreamObject

from assistant import pdfstream

from .conftest import MADAMINOVA, SHARED

LITQA = SHARED / "corpus-litqa"
# two papers whose figures are drawn as vector paths (most of their content-stream bytes) and one
# with form XObjects on every page
PAPERS = [MADAMINOVA, LITQA / "10.1073_pnas.2220578120.pdf", LITQA / "10.1126_sciadv.add4623.pdf"]

EDGE_CASES = [
    b"q 1 0 0 1 -2.5 .3 cm 12Tf BT /F1 9 Tf (Hello) Tj [(A) -120 (B)] TJ ET Q",
    b"1 0 0 RG % a comment\n 0 0 m 10 10 l S %at the end",
    b"1.2.3 4,5 -- + . 7 w 0.5 -.5 +3 5. J",  # malformed numbers: pypdf warns and reads 0
    b"123456789012345678901234 0 m 1.12345678901234567 2 l 123456789.5 w",  # past the 20-byte peek
    b"1 0 0 RG 5",  # a number, then the end of the stream
    b"0 g BT",
    b"1 0 R 5 w",  # an indirect reference: read_object refuses it in a content stream
    b"1 0 RG 2 0 R2 3 w",
    b"1\x00 2 m\x0b3 l\x00S\x00 4\x0cw",
    b"1 " + b"x" * 120 + b" 2 w",  # an operator over pypdf's length limit
    b"1 " + b"y" * 99 + b" 2 w",
    b"q BI /W 2 /H 1 /BPC 8 /CS /G ID \x00\xff EI Q 1 g",
    b"/Span <</ActualText (x)>> BDC EMC /GS1 gs /F#20a 3 Tf /A/B 1 d",
    b"(a) ' 1 2 (b) \" true false null 3 w",
    b"1 2 3 4 re f* 5 6 m 7 8 9 10 11 12 c h W* n <48656c6c6f> Tj",
    b"BI",
    b"12.5\n13 14.25\r\n15 BIx 1 BI",
    b"",
    b"   \n",
]


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _parse(data: bytes, fast: bool, encoding="bytes"):
    """The operations parsed from ``data`` (and the error, if any) with one parser or the other."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    content = ContentStream(stream, None, encoding)
    try:
        pdfstream.install() if fast else pdfstream.uninstall()
        content._parse_content_stream(BytesIO(data))
        error = None
    except Exception as exc:
        error = (type(exc), str(exc))
    finally:
        pdfstream.install()
    return content._operations, error


def _assert_same(data: bytes) -> None:
    (stock, stock_error), (fast, fast_error) = _parse(data, False), _parse(data, True)
    assert fast_error == stock_error, data[:200]
    assert _same(fast, stock), data[:200]


def test_the_fast_parser_is_installed_for_this_pypdf():
    """pypdf's mirrored code is the one pdfstream was written against (after an upgrade, see the module doc)."""
    assert pdfstream.install()


@pytest.mark.parametrize("data", EDGE_CASES)
def test_operations_and_errors_are_pypdfs_on_edge_cases(data):
    _assert_same(data)


def test_a_budget_running_out_fails_as_pypdfs_does():
    from pypdf import apply_configuration

    # 21, 23 and 21 tokens run over a budget of 20; 10 do not
    cases = [b"1 2 3 4 5 6 cm " * 3, b"1 2 3 4 5 6 cm " * 2 + b"/F1 9 Tf " * 3, b"1 2 m " * 7, b"q Q " * 5]
    with apply_configuration(stream_parsing_work_maximum_count=20):
        for data in cases:
            _assert_same(data)
        errors = [_parse(data, True)[1] for data in cases]
    assert sum(bool(e) and e[0].__name__ == "LimitReachedError" for e in errors) == 3


def test_every_stream_of_real_papers_parses_the_same_and_gives_the_same_text():
    streams: dict[bytes, object] = {}
    stock = pdfstream._original or ContentStream._parse_content_stream

    def record(self, stream):
        streams[stream.getvalue()] = self.forced_encoding
        return stock(self, stream)

    pdfstream.uninstall()
    ContentStream._parse_content_stream = record
    try:
        texts = [[page.extract_text() for page in PdfReader(path).pages] for path in PAPERS]
    finally:
        ContentStream._parse_content_stream = stock
        pdfstream.install()
    assert len(streams) > 30
    for data, encoding in streams.items():
        (ops, error), (fast_ops, fast_error) = _parse(data, False, encoding), _parse(data, True, encoding)
        assert fast_error == error and _same(fast_ops, ops)
    assert [[page.extract_text() for page in PdfReader(path).pages] for path in PAPERS] == texts
