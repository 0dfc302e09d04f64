"""Cited literature: find a paper's reference list, parse its entries, link in-text citations.

Pure logic over ``Page`` records; no I/O. A rule-based parser: refextract, the maintained
pure-Python extractor, was measured on the same gold lists (tests/data/reference_gold/README.md)
and found no titles and split author-year lists badly (issue 11).

* **Section** — the last heading line called References / Bibliography / Works Cited /
  Literature (optionally numbered, "7 REFERENCES") that is followed by entry-like lines, else
  (no heading, as in PNAS) the last place where entries 1 and 2 open lines; it ends at an
  appendix / acknowledgements / supplementary-material heading or caption, or at the end of
  the document. Lines are read from the raw page text (the cleaned text has no line breaks);
  a line the cleaner dropped (running head, page number) is dropped here too, as are a
  preprint's line numbers; letter-spaced lines ("E d w a r d s") are closed up.
* **Entries** — numbered lists split at sequential labels ``[n]``, ``n.``, ``(n)``, ``n`` or a
  superscript ``n`` glued to the first author, also inside a line when entries run together;
  lists keyed ``[Lei1]``, ``[ABTZ13]``, ``[Aho 85]`` (alpha styles) at every keyed line;
  a table or figure printed between entries is left out;
  author-year lists split at a line that opens with a name ("Surname, I.", "Surname, Given",
  "Surname IJ", a corporate author) when the line before ended an entry (".", ")", pages, a URL)
  or the new line carries a year early on — never while the entry before is still in its author
  list (no year yet, the line ended mid-name). pypdf's lost and inserted spaces in names and
  before journals are repaired first ("Koneč ná H", "T arsounas", "deWispelaere", "bacteria.FEMS").
* **Fields** of an entry, in this order: label; DOI and URL (then cut out); authors (the
  name grammar below); year (right after the authors, else the first parenthesised year,
  else the last bare year — never an arXiv id, a page range or a page number); title (quoted,
  else the sentence after the authors/year; None for "Journal vol, page (year)" entries);
  then venue, volume, issue and pages from what follows the title.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import lru_cache
from itertools import groupby, product

from rapidfuzz import fuzz, process

from .records import Page, Paper, Reference, ReferenceContext
from .render import is_organisation

LINK_THRESHOLD = 0.85
"""``reference_matches`` score from which a library paper is taken to BE the cited work.

The score is 1.0 on equal DOIs, else ``0.7·title + 0.15·year + 0.15·author``:

* title — rapidfuzz ``ratio`` of the ascii-folded, lower-cased, punctuation-free titles (or of
  their main titles before a colon, when one side omits the subtitle), rescaled so that 0.5
  (what unrelated titles of similar length score) counts 0 and 1.0 counts 1;
* year, first-author surname — 1 when equal, 0 when different, 0.5 when either is unknown.

So 0.85 accepts an identical title with year and author unknown, or with one contradicting and
the other agreeing (a preprint's year); a near title (ratio 0.9) needs year and author to
agree; a ratio below 0.89 never links.
"""
_CANDIDATE_RATIO = 80  # see LinkCandidates
MENTION_THRESHOLD = 80
"""rapidfuzz ratio (0..100) from which a capitalised word in prose is taken for a surname
("Buzen" for Buzan: 80, "Wever" for Wæver: 91). Words shorter than 4 letters or with another
first letter never match fuzzily."""


def _letters(pred) -> str:
    return "[" + "".join(re.escape(chr(c)) for c in range(0x41, 0x530) if pred(chr(c))) + "]"


_U, _LW, _L = _letters(str.isupper), _letters(str.islower), r"[^\W\d_]"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_PARTICLE = (  # "van ", "de ", and glued when pypdf lost the space: "deWispelaere"
    r"(?:(?i:van|von|der|den|de|del|della|di|da|du|dos|das|la|le|ten|ter|bin|ibn|al|el|zu|['’]t)"
    r"(?:\s+|(?=[A-Z][a-z])))"
)
_WORD = rf"(?:[dDlLO]['’])?{_U}(?=(?:{_L}|['’-])*?{_LW})(?:{_L}|['’-](?={_L}))+"  # has a lower-case letter
_NOT_A_NAME = r"(?!(?:In|The|An|And|Of|On|For|From|With|See)\b)"
_SURNAME = rf"{_NOT_A_NAME}{_PARTICLE}*{_WORD}"
_INITIAL = rf"{_U}{_LW}?\.(?:\s?-\s?{_L}{_LW}?\.)?"  # J. Zh. J.-P.
_INITIALS = rf"{_INITIAL}(?:\s?{_INITIAL})*"
_GIVEN = rf"{_NOT_A_NAME}{_U}{_LW}+(?:-{_U}?{_LW}+)?"
# A name ends at punctuation, "and", "et al.", or — after an initial's period — at any space.
_END = r"(?:(?<=\.)(?=\s|$|[A-Z][a-z]{2})|(?=\s*(?:[,.;:(&\"“”'‘]|and\b|et\.?\s*al|$)))"
_NAME_FORMS = {
    "inverted": re.compile(  # the last initial may lack its period: "Breed, L.M and …", "Geschke, C.M, et al."
        rf"(?P<s>{_SURNAME}(?:\s+{_WORD}){{0,2}}),\s*(?P<g>{_INITIALS}(?:{_U}(?=,|\s+and\b))?){_END}"
    ),
    "inverted_full": re.compile(rf"(?P<s>{_SURNAME}),\s*(?P<g>{_GIVEN}(?:\s+{_GIVEN})?(?:\s+{_INITIALS})?){_END}"),
    "direct": re.compile(  # "M. C. Ferreira de Oliveira", "Fabrice Le Fessant": a particle carries the surname on;
        # "James C Corbett", "JJ Furman": initials without their periods (BibTeX entries typed so)
        rf"(?P<g>{_GIVEN}\s+(?:(?!{_PARTICLE}){_GIVEN}\s+)?(?:{_INITIALS}\s*|{_U}\s+)?|{_INITIALS}\s*|{_U}{{2}}\s+)"
        rf"(?P<s>{_SURNAME}(?:\s+{_PARTICLE}+{_WORD})?){_END}"
    ),
    "vancouver": re.compile(
        rf"(?P<s>{_SURNAME}(?:\s+{_WORD})?)\s+(?P<g>(?:{_U}\.\s?){{1,3}}|{_U}{{1,2}}-{_U}|{_U}{{1,3}})"
        rf"(?:{_END}|(?=\s{_YEAR}\b))"  # or a year: "Glinsky M 2011 Title" (Royal Society, IOP)
    ),
}
_VANCOUVER_NEXT = re.compile(  # a later Vancouver name, once the list is known to be one: up to five initials
    rf"(?P<s>{_SURNAME}(?:\s+{_WORD})?)\s+(?P<g>(?:{_U}\.\s?){{1,3}}|{_U}{{1,2}}-{_U}|{_U}{{1,5}}){_END}"
)
_LOOSE_ACCENT = re.compile(r"(?<=\w)\s?[´¨˜`ˆˇ¸˚~](\s?)(?=(\w))")  # pypdf's "Me´ndez", "Ho¨ glund", "Caba~nas"
_ACCENTED_INITIAL = re.compile(rf"(?<=\s{_U})\s?[´¨˜`ˆˇ¸˚~]\s(?={_U}{{1,3}}[,.]?\s)")  # "Rabelo E´ ML."
_NAME_GAPS = [  # spaces pypdf puts inside a surname: after an accented letter, or a kerned capital
    re.compile(rf"(?<={_L})([^\x00-\x7f]) (?={_LW}+(?:,\s*{_U}\.|\s+{_U}{{1,3}}[,.]))"),  # "Koneč ná H,"
    re.compile(rf"(?<={_LW}) ([^\x00-\x7f])(?=,\s*{_U}\.)"),  # "Butkien è, D."
    re.compile(rf"(?<![\w.])([TVWY]) (?={_LW}{{3,}},\s*{_U}\.)"),  # "T arsounas,M."
    re.compile(rf"(?<=[A-Z]\.\s)([TVWY]) (?={_LW}{{3,}}(?:,|\s\(\s*{_YEAR}))"),  # "L. G. V aliant, “A …”", "U. V azirani (1994)"
    re.compile(rf"(?<={_U}{_LW}\s)([TVWY]) (?={_LW}{{3,}},)"),  # "Jérôme V ouillon, and"
    re.compile(r"(?<=\s[A-Z]) (\.)(?=\s)"),  # "I. V . Ramakrishnan"
    re.compile(rf"\b([dDlLO]) (?=['’]{_U})"),  # "d ’Aubenton-Carafa Y"
    re.compile(rf"(?<={_LW}) (-)(?={_U}{_LW})"),  # "Watts -Perotti, J. C."
]
# An author set in small capitals, as ACM/USENIX LaTeX styles print it: pypdf gives capitals, the first letter of
# each word apart ("B OLOSKY , W. J., AND LI, P."); the names are read once turned back into "Bolosky, W. J."
_CAPS_NAME = re.compile(rf"(?P<sep>,?\s*(?:AND\s+)?)(?P<s>{_U}(?:\s?[{_U[1:-1]}’'-])+?(?:\s{_U}{{2,}})*)\s?,"
                        rf"\s*(?P<g>(?:{_U}\.\s?-?\s?){{1,4}})")
_DIRECT_PIECE = re.compile(rf",\s*(?:{_U}\.\s?-?\s?){{1,4}}[^\s,.;:][^,.;:]{{0,40}}(?=[,;])")
_ODD_PIECE = re.compile(  # a name between two such names ("…, FrenckRWJr, L.L.Hammitt"), or a group after ";"
    rf",\s*[^\s,.;:]{{2,40}}(?=,\s*(?:{_U}\.\s?-?\s?){{1,4}}[^\s,.;:])|;\s*[^,.;:]{{2,60}}(?=,)"
)
_SEP = re.compile(r"\s*(?:,\s*(?:and|&)\s+|,?\s*&\s*|;\s*(?:and\s+)?|,\s*|\s+and\s+)")
_ET_AL = re.compile(r"\s*[,;]?\s*(?:&\s*)?(?:et\.?\s*al\.?|and others)")  # "&et al." (APA, a space lost)
_SUFFIX = re.compile(r",?\s*(?:[JS]r\.?|I{2,3}\.?)(?=[\s,.;]|$)")  # "Frederick P. Brooks, Jr.", "Julius O. Smith, III."
_EDITOR = re.compile(r"\s*,?\s*\(?(?:eds?|editors?|hrsg)\.?\)?(?=[\s.,]|$)", re.I)

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_ARXIV = re.compile(
    r"\barxiv(?:\.org/(?:abs|pdf)/|\s*:\s*|\s+preprint\s+(?:arxiv\s*:\s*)?)"
    r"((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?)",
    re.I,
)
_URL = re.compile(r"<?((?:https?:\s?//|www\.)[^\s<>\"]+)>?")  # pypdf may space the scheme: "https: //"
_LINK_WORDS = re.compile(
    r"\b(?:doi|url)\s*:\s*|\b(?:retrieved|accessed)(?:\s+on)?\b[^.()]*?(?:\d{4}(?:,?\s+from\b)?|\bfrom\b)\s*|"
    r"\bavailable\s+(?:at|from|online)\s*:?\s*|\((?:accessed|last accessed)[^)]*\)|\[(?:online|accessed[^\]]*)\]",
    re.I,
)
_PARTICLE_OR_CAPITAL = r"(?:[A-Z]|[a-z]{1,3}\s?[A-Z])"  # a name opens: "Smith", "de Wit", "deWispelaere"
# alpha keys: Lei1, ABTZ13, Aho 85, dGS, O’K90
_KEY = r"(?:[A-Z]|[a-z]{1,3}[A-Z])[A-Za-z+'’-]{0,7}(?:\s?\d{2,4}[a-z]?|\d)?"
_LABEL = re.compile(  # [1] | 1. (also "1 .", "1.Name") | 1 | (1) | superscript "1Name, A." | [Key12] — never a year
    rf"^\s*(?:\[(\d{{1,4}})\]|(\d{{1,3}})\s?\.(?=\s|[A-Z])|(\d{{1,3}})(?=\s+\D)|"
    rf"\((\d{{1,3}})\)(?=\s?{_PARTICLE_OR_CAPITAL})|(\d{{1,3}})(?=[A-Z][\w'’-]+,?\s)|\[({_KEY})\](?=\s))\s*"
)
_LABEL_STYLES = ("bracket", "dot", "space", "paren", "superscript", "key")
_RUN_ON = {  # where a labelled entry may start inside a line: after the end of the one before
    "paren": re.compile(rf"(?<=[.)\]])\s+(?=\(\d{{1,3}}\)\s?{_PARTICLE_OR_CAPITAL})"),
    "bracket": re.compile(r"(?<=[.)])\s+(?=\[\d{1,4}\]\s)"),
    "dot": re.compile(r"(?<=[.)])\s+(?=\d{1,3}\.\s[A-Z][\w'’-]*,)"),
}
_CAPTION = re.compile(r"^\s*(?:TABLE|Table|FIGURE|Figure|Fig\.)\s+\d{1,2}\b\s*[.:|]?\s")
_LINE_NUMBER = re.compile(r"\s+(\d{1,5})\s*$")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_YEAR_PAREN = re.compile(  # "(2019)", "(2019b, March)", "(14 February 2022)"
    rf"\(\s*(?:\d{{1,2}}\s*)?(?:{_MONTH}\s*(?:\d{{1,2}},?\s*)?)?({_YEAR}[a-z]?|n\.\s?d\.)(?:\s*,[^()]*)?\s*\)"
)
_VENUE_YEAR = re.compile(r"(?<=[A-Za-z.])\s?[’'‘]\s?(\d{2})(?![\w’'])")
_YEAR_BARE = re.compile(rf"(?<![\w./:–−-])({_YEAR}[a-z]?)(?!\w|\.\d|\s?[-–−]\s?\d{{3}})")
_YEAR_LEAD = re.compile(
    rf"[\s.,:;]*(?:\(\s*({_YEAR}[a-z]?|n\.\s?d\.)(?:\s*,[^()]*)?\s*\)|"
    rf"({_YEAR}(?:[-–]{_YEAR}|[a-z])?|n\.\s?d\.)(?=[.,:;)])|"  # "2013-2019.": a software's years
    rf"(?P<bare>{_YEAR}[a-z]?)(?=\s?[A-Z\"“‘][a-z]?))[.,:;]?"  # "Glinsky M 2011 A new perspective …" (Royal Society)
)
# a date in a parenthesised note, labelled by a word: "(Priority 31 July 2000)", "(accessed March 3, 2021)"; not the
# work's year when the entry prints another
_NOTE_DATE = re.compile(rf"\((?!\s*{_MONTH}\b)\s*[A-Za-z][\w.-]*(?:\s+[a-z][\w.-]*){{0,2}}:?\s+"
                        rf"(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}),?\s+{_YEAR}\s*\)")
_QUOTED = re.compile(  # "Title", ‘Title’, and ‘Title” as misprinted
    r"[\"“”]([^\"“”]+)[\"“”]|[‘']((?:[^’']|['’](?=\w))+)[’'](?=[\s,.;:]|$)|‘([^‘’“”]+)”")
_VENUE_ONLY = re.compile(  # "Phys. Rev. Lett. 116, 061102 (": short capitalised words, then numbers
    rf"(?:{_U}\w{{0,17}}(?!\w)\.?\s*){{1,5}}?\s*\d+\s*[,:]\s*[A-Za-z]?\d+(?:\s*[-–]\s*\d+)?\s*\("
)
# after a comma, a word in lower case goes on with the title, unless it opens a venue or a note
_TITLE_GOES_ON = re.compile(r",\s+(?!(?:in|arXiv|preprint|to appear|submitted|pp?\.)(?![\w-]))[a-z]")
_EDITION = re.compile(r",\s+(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|revised|new|"
                      r"expanded)\s+ed(?:ition|n|\.)(?![\w-])", re.I)  # an edition statement after a book's title
_VENUE_MARK = re.compile(  # never inside a title; also after a full stop that lost its space ("Model.arXiv preprint")
    r"(?:\s*,?\s+|(?<=[a-z]\.))(?:arXiv\s?(?::\s?\d|preprint\b)|In\s+Proc(?:\.|eedings\b))")
_PLACE = r"[A-Z][\w.]*(?:,?\s+(?:and\s+)?[A-Z][\w.]*){0,4}"
_PLACE_CUT = re.compile(rf",\s*{_PLACE}\s*:\s")
_DASH = r"\s*[-–—−]\s*"
_PAGE_RANGE = rf"[A-Za-z]?\d+(?:{_DASH}[A-Za-z]?\d+)?"
_NUMBERS = [  # volume, issue, pages after the title; the earliest match wins
    re.compile(rf"[;:]\s*(?P<v>\d+)\s*(?:\((?P<i>[^)]+)\))?\s*:\s*(?P<p>{_PAGE_RANGE})"),
    re.compile(rf"(?P<v>\d+)\s*\((?P<i>[^)]+)\)\s*:\s*(?P<p>\d+(?:{_DASH}\d+)?)"),
    re.compile(rf",\s*(?P<v>\d+)\s*(?:\((?P<i>[^)]+)\))?\s*,\s*(?:pp?\.\s*)?(?P<p>{_PAGE_RANGE})"),
    re.compile(rf"\s(?P<v>\d+)\s*(?:\((?P<i>[^)]+)\))?\s*,\s*(?P<p>[A-Za-z]?\d+(?:{_DASH}\d+)?)\s*\("),
    re.compile(rf"[\s.](?P<v>\d+)\s*:\s*(?P<p>{_PAGE_RANGE})"),  # "Nature. 480:250–253", "Mol Cell 31: 785–799"
    re.compile(rf"\s(?P<v>\d+),\s*(?P<p>[A-Za-z]?\d+{_DASH}\d+)(?=\.?\s*$)"),  # "Genome Res. 19, 1655–1664."
]
_VOLUME = re.compile(r"\bvol\.\s*(\w+)|\bVolume\s+(\d+)", re.I)
_ISSUE = re.compile(r"\bno\.\s*(\d+\w*)", re.I)
_PAGES = re.compile(r"\b(?:pp?\.|pages)\s*(\d+(?:\s*[-–—]\s*\d+)?)")
_VENUE_STOP = re.compile(
    r"\bvol\.|\bVolume\s+\d|\bno\.\s*\d|\(?\bpp?\.\s*\d|,?\s*\bpages\s+\d|\bSales No\.|\.\s*\d+\s*[-–]\s*\d+", re.I
)
_SENTENCE_MARK = re.compile(  # "design.Biochem. J.", "bacteria.FEMS Microbiol.", "vaccine.N.Engl.": lost spaces
    r"[.?!](?=\s|$|[A-Z][a-z])|(?<=[a-z]{3})\.(?=[A-Z]{2,}\b|[A-Z]\.[A-Z])"
)
_VENUE_AHEAD = re.compile(  # after a title: a journal, then its year or volume ("Bioinformatics. 24: 1733")
    rf"\s+(?:{_U}[\w&-]*\.?,?\s+){{0,8}}?{_U}[\w&-]*\.?,?\s*(?:\(?{_YEAR}\b|\d+\s*[:(;])"
)
_NOTE = re.compile(  # what stands where a title would for a work nobody can look up (APA's conventions)
    rf"(?:personal\s+communications?|unpublished\s+(?:data|results|observations|work)|(?:manuscript\s+)?in\s+"
    rf"preparation|submitted(?:\s+for\s+publication)?|in\s+press)\b[\s,.;:]*"
    rf"(?:{_MONTH}\s*\d{{0,2}}|\d{{1,2}}\s+{_MONTH})?[\s,.;:]*$", re.I)
# a patent cited by its number, where a title would stand: "WIPO publication WO 02/11123A2", "U.S. Patent 6,023,241"
_PATENT_NUMBER = re.compile(r"(?:[A-Z][\w.]*\s+){0,2}(?:patent|publication)\s+(?:no\.?\s*)?[A-Z]{0,3}\s?\d[\d,/]*\w*"
                            r"(?=\s*(?:[,;(]|$))", re.I)
# a patent's inventors and assignee named by their roles (NLM): "Pagedas AC, inventor; Ancel Inc., assignee."
_PATENT_ROLES = re.compile(r"[\s,;]*inventors?\b(?:.{0,120}?,\s*assignees?\b)?\s*[.;]", re.I)
_ABBREVIATIONS = {
    "ed", "eds", "edn", "vol", "vols", "no", "nos", "pp", "p", "vs", "v", "etc", "al", "st", "dr", "mr", "mrs", "ms",
    "jr", "sr", "inc", "ltd", "co", "fig", "figs", "rev", "dept", "univ", "proc", "trans", "approx", "cf", "ch",
}

_HEADING = re.compile(
    r"^\s*\W?\s*(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,5}|[A-Z])\.?\s+)?(?:references?(?:\s*and\s*notes)?|bibliography|"
    r"works\s+cited|literature(?:\s+cited)?|cited\s+literature|reference\s+list)\s*:?\s*(?:\d{1,5}\s*)?$",
    re.I,
)
_STOP = re.compile(
    r"^\s*(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4}|[A-Z])\.?\s+)?(?:(?:appendix|appendices|supplementary\s+materials?|"
    r"acknowledge?ments?)\b.{0,80}|(?:notes|endnotes|footnotes|funding|author\s+contributions|about\s+the\s+authors?|"
    r"conflicts?\s+of\s+interest|declarations?|data\s+availability)\s*:?|"
    # supplementary material after the list: its headings and captions ("Supplementary Table 2 : Primers …")
    r"supplement(?:ary|al)(?:\s+(?:tables?|figures?|files?|information|data|materials?|methods|text|notes?)\b.*)?|"
    r"(?:table|figure|fig\.)\s+S\d+\b.*|extended\s+data\s+(?:fig|table)\b.*)\s*$",
    re.I,
)
_BARE_NUMBER = re.compile(r"^\s*(?:\d{1,4}|[ivxlc]{1,6})\s*$")
_SECTION_LINE = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z][^.!?]{0,100}$")
# a later work of the entry before's authors, printed without their names (SIAM, AMS, Chicago): "(1982a), Title, …"
# or a rule standing for them, "———. 1999. Title."
_SAME_AUTHORS = re.compile(rf"^\s*(?:\(\s*{_YEAR}[a-z]?\s*\)\s*[,.:]|[-—–_]{{2,}}\s*[.,]?\s)")
_FINISHED = re.compile(  # how an entry's last line ends: ".", ")", pages "1-10" or "11:143", a link
    r"(?:[.)>\]]|\d\s*[-–]\s*\d+|\d\s*:\s*[A-Za-z]?\d+|(?:https?://|www\.|10\.\d{4,9}/)\S+)$"
)
_OPEN_END = re.compile(  # a line that cannot end an entry: "…, and", "In", "In P. J." (the editors' names go on)
    r"(?:[,;:&(\-–]|\b(?:and|of|in|In|the|for|on|to|with|by|from|at))$|\bIn\s+(?:[A-Z]\.\s?-?)+$")
_NUMBER_MARKER = re.compile(r"\[(\d{1,4}(?:\s*[-–,;]\s*\d{1,4})*)\]")
_PAREN_CITE = re.compile(rf"\(([^()]*?\b{_YEAR}[a-z]?\b[^()]*)\)")
_NARRATIVE_CITE = re.compile(rf"({_WORD}(?:\s+(?:et\s+al\.?|and|&)(?:\s+{_WORD})?)?)\s*\(\s*({_YEAR})[a-z]?\b[^()]*\)")
_TOKEN = re.compile(rf"{_U}(?:{_L}|['’-](?={_L}))+")
_FOLD = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "ı": "i"})
_Mentions = Callable[[str, bool], tuple[Reference, ...]]
_SPELLINGS = {"æ": ("ae", "a", "e"), "ø": ("o", "oe"), "ä": ("a", "ae"), "ö": ("o", "oe"), "ü": ("u", "ue"),
              "å": ("a", "aa")}


# ---------------------------------------------------------------------------------------------
# Public API


def extract_references(pages: list[Page]) -> list[Reference]:
    """The parsed entries of the paper's reference list, in printed order ([] when none is found)."""
    lines = _lines(pages)
    span = _locate(lines)
    if span is None:
        return []
    refs = []
    for i, (page, entry_lines) in enumerate(_split(lines[span[0] + 1 : span[1]])):
        ref = parse_reference(_join(entry_lines))
        if refs and not ref.authors and _SAME_AUTHORS.match(ref.raw):
            ref.authors = list(refs[-1].authors)
            ref.key = _key(ref)
        ref.index, ref.page = i, page
        refs.append(ref)
    _disambiguate_keys(refs)
    return refs


def section_lines(pages: list[Page]) -> tuple[tuple[str, str], tuple[str, str] | None] | None:
    """(page label, line) of the reference list's heading and of the line that ends it (an appendix,
    acknowledgements or supplementary heading; None when the list runs to the end), as
    ``extract_references`` finds them."""
    lines = _lines(pages)
    span = _locate(lines)
    if span is None:
        return None
    return lines[span[0]], (lines[span[1]] if span[1] < len(lines) else None)


def parse_reference(raw: str) -> Reference:
    """Parse one reference-list entry (any common style) into a ``Reference``."""
    text = _drop_loose_accents(" ".join(unicodedata.normalize("NFC", raw).split()))
    label_match = _LABEL.match(text)
    label = None
    if label_match:
        label = f"[{_label_value(label_match)}]" if _label_style(label_match) in ("bracket", "key") \
            else _label_value(label_match)
        text = text[label_match.end() :]
    text, doi, url = _take_links(text)
    text = _small_caps_names(text)
    authors, pos, kind = _keyed_one_name(text, label_match) or _parse_authors(text)
    # "Amazon CloudWatch. https://…", "Hash Cash, http://… (2000).": a web resource's name, no author
    if authors and not re.sub(rf"\(\s*{_YEAR}\s*\)", "", text[pos:]).strip(" .,;:"):
        authors, pos, kind = [], 0, None
    pos = _skip_direct_names(text, pos) if kind == "direct" else pos
    rest = _skip_parenthetical(text, pos)
    roles = _PATENT_ROLES.match(text, rest)  # "Pagedas AC, inventor; Ancel Surgical R&D Inc., assignee. Title. …"
    rest = roles.end() if roles else rest
    lead = _YEAR_LEAD.match(text, rest)
    year_match = lead or _year_match(text, _label_year(label_match))
    year_span = year_match.span() if year_match else None
    body = lead.end() if lead else rest  # where the title starts
    # a comma ends the title after "(2019)," and after a bare year (Royal Society: "2011 Title , arXiv:…")
    comma_mode = (lead[0].endswith(",") or bool(lead["bare"])) if lead else text[rest:].lstrip()[:1] == "," or not authors
    title, title_end = _title(text, body, year_span, comma_mode)
    # "Personal communications.", a patent's number: printed, but no title to look up
    note = bool(title and (_NOTE.match(title) or _PATENT_NUMBER.match(title)))
    title = None if note else title
    no_title = note or (title is None and
                        bool(_VENUE_ONLY.match(text, body + _spaces(text, body) + _leading_punct(text, body))))
    venue, volume, issue, pages = _container(text, max(title_end, body), year_span)
    ref = Reference(raw=" ".join(raw.split()), label=label, authors=authors,
                    year=_year_value(year_match) or _venue_year(text[max(title_end, body):]),
                    title=title, venue=venue, volume=volume, issue=issue, pages=pages, doi=doi, url=url,
                    arxiv=_arxiv(raw, url), no_title=no_title)
    ref.key = _key(ref)
    return ref


def find_contexts(pages: list[Page], refs: list[Reference]) -> None:
    """Fill ``refs[*].contexts`` with the body sentences (before the reference list) that cite them.

    Three kinds of citation are recognised: numbered markers ``[4]``, ``[2, 5]``, ``[3-6]``;
    author-year citations ``(Buzan et al., 1998)``, ``(WHO, 2018)``, ``Weiner (1992)``; and bare
    surname mentions in prose ("Princeton scholar D. A. Baldwin"), matched on ascii-folded
    surnames, fuzzily (``MENTION_THRESHOLD``) so that misspellings still link.
    """
    lines = _lines(pages)
    span = _locate(lines)
    labels = {r.label.strip("[]"): r for r in refs if r.label}
    numbered = {int(label): r for label, r in labels.items() if label.isdigit()}
    keyed = {label: r for label, r in labels.items() if not label.isdigit()}
    mentions = _mention_matcher(refs)
    for page, sentence in _sentences(lines[: span[0]] if span else lines):
        hits = _marker_hits(sentence, numbered) + _key_hits(sentence, keyed)
        hits += _author_year_hits(sentence, refs, mentions) + _mention_hits(sentence, mentions)
        for ref in {id(r): r for r in hits}.values():
            context = ReferenceContext(page=page, sentence=sentence)
            if context not in ref.contexts:
                ref.contexts.append(context)


def reference_matches(ref: Reference, paper: Paper) -> float:
    """How surely (0..1) ``paper`` is the work ``ref`` cites; link at ``LINK_THRESHOLD`` or above."""
    if ref.doi and paper.doi and _norm_doi(ref.doi) == _norm_doi(paper.doi):
        return 1.0
    if not ref.title or not paper.title:
        return 0.0
    ratio = max(fuzz.ratio(a, b) for a in _title_forms(ref.title) for b in _title_forms(paper.title)) / 100
    title = max(0.0, 2 * ratio - 1)
    year = 0.5 if not (ref.year and paper.year) else float(ref.year[:4] == paper.year[:4])
    return round(0.7 * title + 0.15 * year + 0.15 * _author_agreement(ref, paper), 4)


class LinkCandidates:
    """Library papers indexed for linking: ``of(ref)`` gives the only papers that can reach
    ``LINK_THRESHOLD`` for a reference, so linking scores a few pairs instead of every reference
    against every paper (that was 20% of adding 32 papers, and grew with the library).

    A paper is a candidate when its DOI is the reference's, or one of its title forms has a
    ``fuzz.ratio`` of at least ``_CANDIDATE_RATIO`` with one of the reference's. Any other paper
    scores at most 0.7 * (2 * 0.8 - 1) + 0.15 + 0.15 = 0.72 < 0.85 in ``reference_matches``."""

    def __init__(self, papers: dict[str, Paper]):
        self.papers = papers
        self._forms: list[str] = []
        self._owners: list[str] = []
        self._dois: dict[str, list[str]] = defaultdict(list)
        for pid, paper in papers.items():
            forms = _title_forms(paper.title) if paper.title else set()
            self._forms += forms
            self._owners += [pid] * len(forms)
            if paper.doi:
                self._dois[_norm_doi(paper.doi)].append(pid)

    def of(self, ref: Reference) -> dict[str, Paper]:
        found = set(self._dois.get(_norm_doi(ref.doi), ())) if ref.doi else set()
        for form in _title_forms(ref.title) if ref.title else ():
            found.update(self._owners[i] for _, _, i in process.extract(
                form, self._forms, scorer=fuzz.ratio, processor=None, score_cutoff=_CANDIDATE_RATIO, limit=None))
        return {pid: self.papers[pid] for pid in found}


# ---------------------------------------------------------------------------------------------
# Locating and splitting the reference list


def _lines(pages: list[Page]) -> list[tuple[str, str]]:
    """(page label, line) for every kept line of the raw text, in reading order.

    Lines the cleaner removed (running heads, page numbers) are left out, as is a bare number
    in a page's first or last two lines when the page has not been cleaned.
    """
    out = []
    for page in pages:
        kept = page.raw_ranges()
        offset, lines = 0, []
        for line in page.text.split("\n"):
            if line.strip() and (not kept or any(r.start < offset + len(line) and offset < r.stop for r in kept)):
                lines.append(line)
            offset += len(line) + 1
        lines = [_unspace(unicodedata.normalize("NFC", ln)) for ln in _strip_line_numbers(lines)]
        edges = {0, 1, len(lines) - 2, len(lines) - 1}
        out += [(page.label, ln) for i, ln in enumerate(lines) if not (i in edges and _BARE_NUMBER.match(ln))]
    return out


def _strip_line_numbers(lines: list[str]) -> list[str]:
    """Drop the line numbers a preprint prints at the end of every line ("… of the 617").

    Taken for line numbers only when most of the page's lines end in a number and those numbers
    mostly count up by one from line to line.
    """
    numbers = [(i, int(m[1])) for i, ln in enumerate(lines) if (m := _LINE_NUMBER.search(ln))]
    steps = sum(b[1] - a[1] == b[0] - a[0] for a, b in zip(numbers, numbers[1:]))
    if len(numbers) < max(5, len(lines) // 2) or steps < len(numbers) // 2:
        return lines
    return [_LINE_NUMBER.sub("", ln) for ln in lines]


def _unspace(line: str) -> str:
    """Undo letter-spacing ("1 0 . E d w a r d s ,D .C ." → "10.Edwards,D.C."): pypdf spaces out
    every glyph of some lines. Such a line is one whose words are mostly single characters; its
    spaces are dropped (the real word breaks are lost in it anyway)."""
    words = line.split()
    if len(words) < 8 or sum(len(w) == 1 for w in words) < 0.6 * len(words):
        return line
    return "".join(words)


def _locate(lines: list[tuple[str, str]]) -> tuple[int, int] | None:
    """(heading index, end index) of the reference list.

    The last heading followed by entries; without one (PNAS prints none), the last place where
    entries labelled 1 and 2 (same label style) open lines within a few lines of each other —
    the index is then the line before entry 1.
    """
    start = next((h for h in reversed([i for i, (_, line) in enumerate(lines) if _HEADING.match(line)])
                  if any(_LABEL.match(ln) or _parse_authors(ln.strip())[2] for _, ln in lines[h + 1 : h + 4])), None)
    if start is None:
        start = next((i - 1 for i in reversed(range(len(lines))) if _opens_numbered_list(lines, i)), None)
    if start is None:
        return None
    end = next((j for j in range(start + 1, len(lines)) if _STOP.match(lines[j][1])), len(lines))
    return start, end


def _opens_numbered_list(lines: list[tuple[str, str]], i: int) -> bool:
    first = _LABEL.match(lines[i][1])
    if not first or _label_style(first) == "space" or _label_value(first) != "1":
        return False
    following = (_LABEL.match(line) for _, line in lines[i + 1 : i + 8])
    return any(m and _label_style(m) == _label_style(first) and _label_value(m) == "2" for m in following)


def _split(lines: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Group the section's lines into entries: (page label of the first line, lines)."""
    first = _LABEL.match(lines[0][1]) if lines else None
    style = None
    if first:
        style = _label_style(first)
    expected = int(_label_value(first)) if first and style != "key" else 0
    if style in _RUN_ON:  # "… 1-10. (2) Surname, I. …": entries run together on one line
        lines = [(page, part) for page, line in lines for part in _RUN_ON[style].split(line)]
    entries: list[tuple[str, list[str]]] = []
    in_float = False  # inside a table or figure printed between numbered entries
    for k, (page, line) in enumerate(lines):
        label = _LABEL.match(line) if style else None
        same_style = bool(label) and _label_style(label) == style
        in_float = bool(style) and (bool(_CAPTION.match(line)) or (in_float and not same_style))
        if in_float:
            continue
        if same_style and style == "key":  # "[Lei1] Tom Leinster, …": every keyed line opens an entry
            new = True
        elif same_style or _misprinted_label(label, expected, line):
            number = int(_label_value(label))
            new = style == "bracket" or expected <= number <= expected + 1  # one label may be unreadable
            expected = number + 1 if new else expected
        else:
            following = lines[k + 1][1] if k + 1 < len(lines) else ""
            new = not style and (not entries or _starts_entry(line, following, entries[-1][1]))
        if new or not entries:
            entries.append((page, [line]))
        else:
            entries[-1][1].append(line)
    return entries


def _misprinted_label(label: re.Match | None, expected: int, line: str) -> bool:
    """A label in another style ("16 Savic N, …" in a "15." list) counts when it is exactly the
    expected number and a name follows it."""
    return bool(label) and _label_style(label) != "key" and int(_label_value(label)) == expected \
        and bool(_author_start(line[label.end() :]))


def _label_style(m: re.Match) -> str:
    return next(style for style, g in zip(_LABEL_STYLES, m.groups()) if g)


def _label_value(m: re.Match) -> str:
    return next(g for g in m.groups() if g)


def _starts_entry(line: str, following: str, previous: list[str]) -> bool:
    """An author-year entry starts at a name line once the previous entry looks finished.

    ``following`` is the next line: a long author list may wrap before its year.
    """
    before = _join(previous)
    if _SAME_AUTHORS.match(line):  # "(1982a), Title, …": a next work of the same authors, once the entry before has
        return bool(_FINISHED.search(before) and _year_match(before))  # its year (not a wrapped list of names)
    kind = _author_start(line, following)
    if not kind or _OPEN_END.search(before):
        return False
    finished = _FINISHED.search(before)
    if not finished and not _year_match(before):  # an author list wrapped mid-name: "…, Marcotte" / "EM, …"
        return False
    return bool(finished and kind != "corporate" or _dated(line, following))


def _author_start(line: str, following: str = "") -> str | None:
    """The name form a line opens with ("inverted", "corporate", …), or None.

    "Given Surname" lines count only when dated, or when a sentence ends with the names and a title starts
    (natbib's plain style: "Lennart Augustsson. Compiling pattern matching. In …, 1985."): wrapped title
    lines look like names too.
    """
    text = _drop_loose_accents(_join([line, following]))
    _, end, kind = _parse_authors(text)
    if kind != "direct":
        return kind
    titled = re.match(r"\.\s+[A-Z\d“\"]", text[end:])
    return kind if titled or _dated(line, following) else None


def _dated(line: str, following: str) -> bool:
    """Does a year or a quoted title follow the names ("Smith, J. 2010.", "…, and / Kristina
    Toutanova. 2019.", 'J. Smith, "Title,"'), or a year in parentheses stand early in the line?"""
    text = _join([line, following])
    end = _parse_authors(text)[1]
    after_names = _YEAR_LEAD.match(text, end) or re.match(r"\s*,?\s*[\"“]", text[end:])
    return bool(after_names or _YEAR_PAREN.search(line[:150]))


def _join(lines: list[str]) -> str:
    """Join wrapped lines: a word broken by a hyphen or a URL broken anywhere is rejoined."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if re.search(r"[a-z]-$", out) and line[:1].islower():
            out = out[:-1] + line
        elif out.endswith(("-", "/")) or (
            re.search(r"(?:https?://|www\.)\S*[\w/.-]$", out) and re.match(r"[a-z0-9/_\-.?=&%#~]", line)
        ):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return out


# ---------------------------------------------------------------------------------------------
# Parsing one entry


def _drop_loose_accents(text: str) -> str:
    """"Me ´ ndez" → "Mendez", "Castella´ G" → "Castella G": a spacing accent pypdf put beside its
    letter is dropped, with the space after it when the word goes on (lower case). Spaces pypdf
    put inside a surname before its initials are closed ("Koneč ná H", "T arsounas, M.")."""
    text = _LOOSE_ACCENT.sub(lambda m: "" if m[2].islower() else m[1], _ACCENTED_INITIAL.sub("", text))
    for gap in _NAME_GAPS:
        text = gap.sub(r"\1", text)
    return text


def _small_caps_names(text: str) -> str:
    """"B OLOSKY , W. J., B RADSHAW , D., AND LI, P. Title" -> "Bolosky, W. J., Bradshaw, D., and Li, P. Title":
    an opening run of names in capitals (small capitals in the PDF), one of them at least with a letter set
    apart or of four letters or more (not "WHO, A."), in the case the name grammar reads; a hyphen after a
    space is a line break's ("R UM -BLE")."""
    names, pos = [], 0
    while (m := _CAPS_NAME.match(text, pos)) and (m.start("sep") == m.end("sep")) == (not names):
        names.append(m)
        pos = m.end()
    if not names or not any(re.match(rf"{_U}\s", m["s"]) or re.search(rf"{_U}{{4}}", m["s"])
                            for m in names):
        return text
    out = []
    for m in names:
        words = re.sub(rf"(?<![^\s])({_U})\s(?={_U})|\s-", r"\1", m["s"]).split()
        sep = m["sep"].replace("AND", "and")
        out.append(f"{sep}{' '.join(w[0] + w[1:].lower() for w in words)}, {m['g']}")
    return "".join(out) + text[pos:]


def _take_links(text: str) -> tuple[str, str | None, str | None]:
    """Cut DOI and URLs (and "Retrieved from", "doi:" …) out of the text; return them."""
    doi = url = None
    for m in _URL.finditer(text):
        link = _strip_link(re.sub(r"\s", "", m[1]))
        if "doi.org/" in link:
            doi = doi or link.split("doi.org/", 1)[1]
        else:
            url = url or link
    text = _URL.sub(" ", text)
    m = _DOI.search(text)
    if m:
        doi = doi or _strip_link(m[1])
        text = text[: m.start()] + text[m.start() + len(_strip_link(m[1])) :]
    text = _LINK_WORDS.sub(" ", text)
    text = re.sub(r"\s*,(?:\s*,)+", ",", text)
    text = re.sub(r"\s+([.,;])", r"\1", " ".join(text.split()))
    return text.strip(" ,;"), doi, url


def _strip_link(link: str) -> str:
    link = re.sub(rf"\(\s*{_YEAR}\s*\)$", "", link.rstrip(".,;:>]'\""))  # "…01107-8(2019)": the year is not the DOI's
    while link.endswith(")") and link.count(")") > link.count("("):
        link = link[:-1]
    return link


def _parse_authors(text: str) -> tuple[list[str], int, str | None]:
    """Authors as "Surname, I." strings, where the author block ends, and the first name's form."""
    corporate = _corporate(text)
    if corporate:
        return [corporate.strip()], len(corporate), "corporate"
    names: list[tuple[str, int, bool]] = []  # (name, end, weak)
    pos, prev_kind, first_kind = 0, None, None
    while True:
        start, joined = pos, False
        if names:
            sep = _SEP.match(text, pos)
            if not sep:
                break
            start, joined = sep.end(), bool(re.search(r"and|&", sep[0]))
        match = _match_name(text, start, prefer_vancouver=prev_kind == "vancouver")
        if not match:
            break
        kind, m = match
        if first_kind == "direct" and kind == "inverted_full":  # "A. Name, …; Group, Title": no style mixes these
            break
        first_kind = first_kind or kind
        # A full-name "Given Surname" after a bare comma may be a title ("J. Smith, Deep Learning, …").
        weak = bool(names) and kind == "direct" and not joined and "." not in m["g"]
        pos, prev_kind = m.end(), kind
        for after in (_SUFFIX, _EDITOR):
            pos = found.end() if (found := after.match(text, pos)) else pos
        et_al = _ET_AL.match(text, pos)
        if et_al:  # "Simon Peyton Jones et al., editors."
            pos = editor.end() if (editor := _EDITOR.match(text, et_al.end())) else et_al.end()
        names.append((_format_name(kind, m), pos, weak and not et_al))
        if et_al:
            break
    # ...unless a quoted title follows them ("Jaap Haitsma, Antonius Kalker, “A Highly Robust …”"), or two or more of
    # them close the list with its full stop ("Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova. BERT: …"):
    # a title is not a run of "Given Surname" pieces
    end = names[-1][1] if names else 0
    weak_run = next((k for k, (_, _, weak) in enumerate(reversed(names)) if not weak), len(names))
    listed = weak_run >= 2 and text[end:end + 1] == "."
    while names and names[-1][2] and not listed and not _QUOTED.match(text, end + _leading_punct(text, end)):
        names.pop()
    if names:
        return [n for n, _, _ in names], names[-1][1], first_kind
    # No names, but "Merriam-Webster (n.d.)": whatever precedes a parenthesised year is the author.
    fallback = re.match(rf"([^.,(;:\"“]{{2,80}}?)\.?\s*(?=\(\s*(?:{_YEAR}|n\.\s?d\.))", text)
    if fallback and not re.search(rf"\b{_U}\.", fallback[1]):
        return [fallback[1].strip()], fallback.end(1), "corporate"
    return [], 0, None


def _keyed_one_name(text: str, label: re.Match | None) -> tuple[list[str], int, str] | None:
    """A name printed alone, when a BibTeX alpha key made of it vouches for it ("[Dij97] Dijkstra. Title."):
    without the key, one capitalised word then a full stop could as well be a title."""
    letters = re.match(r"[A-Za-z]{2,}", _label_value(label)) if label and _label_style(label) == "key" else None
    name = letters and re.match(rf"({letters[0]}{_L}*)\.\s", text, re.I)
    return ([name[1]], name.end(1), "alone") if name and name[1][0].isupper() else None


def _skip_direct_names(text: str, pos: int) -> int:
    """Past the rest of an "A. B. Name, C. Name, Title" author list the name grammar stopped in
    ("A. Abou Tayoun", "J.-B.deSaintAubert"): comma-separated pieces that open with initials."""
    if text[pos - 1 : pos] == "." and (rest := re.match(r"[^\W\d_][^,.;:]{0,40}(?=[,;])", text[pos:])):
        pos += rest.end()  # stopped inside "…,FrenckRWJr,L.L.Hammitt,": the initials were read as another name's
    while m := _DIRECT_PIECE.match(text, pos) or _ODD_PIECE.match(text, pos):
        pos = m.end()
    return pos


def _match_name(text: str, pos: int, prefer_vancouver: bool) -> tuple[str, re.Match] | None:
    forms = dict(_NAME_FORMS)
    if prefer_vancouver:  # "Zhu N, …, Kowalski M. Border security": keep reading Vancouver names
        forms = {"vancouver": _VANCOUVER_NEXT} | {k: v for k, v in forms.items() if k != "vancouver"}
    for kind, form in forms.items():
        m = form.match(text, pos)
        if m:
            return kind, m
    return None


def _corporate(text: str) -> str | None:
    """A corporate author opening the entry ("World Health Organization", "UNODC"), or None."""
    acronym = re.match(rf"[A-Z][A-Z0-9&-]{{1,9}}(?=\s+(?:{_YEAR}[a-z]?|n\.\s?d\.)[.,])", text)  # "EPA 2002. Title."
    if acronym:
        return acronym[0]
    m = re.match(r"(?:(?:[A-Z]\.){2,}\s*)?[^.,(;:\[\"“]+?(?=\s*[.,(;:\[\"“]|$)", text)
    if not m:
        return None
    name, rest = m[0].rstrip(), text[m.end() :]
    words = name.split()
    if not words or len(words) > 10 or not words[0][0].isupper() or rest.lstrip()[:1] not in ".,(":
        return None
    if re.match(rf"\s*,\s*{_INITIALS}", rest):  # "Bank, J." is a person
        return None
    if re.fullmatch(r"[A-Z][A-Z0-9&-]{1,9}", name):
        return name
    return name if is_organisation(name) else None


def _format_name(kind: str, m: re.Match) -> str:
    surname, given = m["s"], m["g"].strip()
    if kind == "vancouver":
        return surname + ", " + " ".join(c + "." for c in re.sub(r"[.\s]", "", given))
    if kind == "direct" and re.fullmatch(_GIVEN, given) and re.fullmatch(rf"{_U}{_LW}+-{_LW}+", surname):
        surname, given = given, surname  # East Asian order with a hyphenated given name: "Ban Ki-moon"
    return f"{surname}, {_initials(given)}"


def _initials(given: str) -> str:
    """"Alex P." → "A. P."; "M.J." → "M. J."; "Ming-Wei" → "M.-W."; "Zh." stays."""
    parts = re.findall(rf"{_L}{_LW}*\.?(?:-{_L}{_LW}*\.?)?", given)
    return " ".join(
        "-".join(p if p.endswith(".") and len(p) <= 3 else p[0] + "." for p in part.split("-")) for part in parts
    )


def _skip_parenthetical(text: str, pos: int) -> int:
    """Skip a non-year parenthesis after the authors, e.g. "(LIGO Scientific Collaboration)"."""
    m = re.match(rf"[\s,]*\((?!\s*(?:{_YEAR}|n\.\s?d\.))[^()]*\)", text[pos:])
    return pos + m.end() if m else pos


def _label_year(label: re.Match | None) -> str:
    """The two digits that end an alpha key ("[Bro86]", "[Aho 85]"): its year's last two; "" for other labels."""
    key = _label_value(label) if label and _label_style(label) == "key" else ""
    found = re.search(r"(?<!\d)(\d{2})[a-z]?$", key)
    return found[1] if found else ""


def _year_match(text: str, last_digits: str = "") -> re.Match | None:
    """The first parenthesised year, else the last bare one that is not a page number; among bare years, one
    ending in the label's ``last_digits`` ("[Bro86] … Information Processing 1986 … Reprinted … 1995.")."""
    paren = _YEAR_PAREN.search(text)
    if paren:
        return paren
    bare = [m for m in _YEAR_BARE.finditer(text) if not re.search(r"\b(?:pp?|no|vol)\.\s*$", text[: m.start()], re.I)]
    noted = [note.span() for note in _NOTE_DATE.finditer(text)]
    bare = [m for m in bare if not any(a < m.start() < b for a, b in noted)] or bare  # "(Priority 31 July 2000)"
    bare = [m for m in bare if not re.search(r"\d\s*,\s*$", text[: m.start()])] or bare  # "2019, 10, 1905"
    bare = [m for m in bare if last_digits and m[1][2:4] == last_digits] or bare
    glued = re.search(rf"(?<=[a-z])({_YEAR})(?=,\s?\d)", text)  # "Cell2016,164": pypdf lost the space
    return bare[-1] if bare else glued or re.search(r"\bn\.\s?d\.", text)


def _venue_year(text: str) -> str | None:
    """A year shortened after the venue, as computer-science lists print it ("in CCS’07", "SOSP '03",
    "ACM Trans. Inf. Sys. Sec. ’12"): two digits after an apostrophe, read as 19xx from 50 on."""
    m = _VENUE_YEAR.search(text)
    return None if not m else ("19" if int(m[1]) >= 50 else "20") + m[1]


def _year_value(m: re.Match | None) -> str | None:
    if not m:
        return None
    value = next((g for g in m.groups() if g), None) if m.groups() else m[0]
    return "n.d." if value and value.startswith("n") else value


def _title(text: str, start: int, year_span: tuple[int, int] | None, comma_mode: bool) -> tuple[str | None, int]:
    """The title after ``start`` and where it ends; None for "Journal vol, page (year)" entries."""
    i = start + _leading_punct(text, start)
    quoted = _QUOTED.match(text, i)
    if quoted:
        return next(g for g in quoted.groups() if g).strip(" ,.;:"), quoted.end()
    if _VENUE_ONLY.match(text, i):
        return None, i
    end = _sentence_end(text, i)
    # "A. Author, Title, with commas. J. Name 20, 817 (2021)": the journal after the sentence decides
    if comma_mode and 0 <= text.find(",", i) < end and not _VENUE_ONLY.match(text, end + 1 + _spaces(text, end + 1)):
        # "Quantum computers, factoring and decoherence, Science, 270, …": the first comma the title does not go on after
        end = next((j for j in range(i, end) if text[j] == "," and not _TITLE_GOES_ON.match(text, j)), end)
    open_ended = end >= len(text) - 1
    if year_span and i < year_span[0] < end and (
        re.search(r"[,(]\s*$", text[i : year_span[0]])
        or (text[year_span[0]] == "(" and not text[year_span[1] : end].strip(" .,"))  # "Title (14 May 2022)."
    ):
        end, open_ended = year_span[0], True
    venue = _VENUE_MARK.search(text, i, end)  # "… scattering transforms arXiv:1502.02077", "… networks In Proc. of"
    end, open_ended = (venue.start(), True) if venue else (end, open_ended)
    place = _PLACE_CUT.search(text, i, end) if open_ended else None
    end = place.start() if place else end  # "Title, Copenhagen: Publisher, 2015": only commas delimit it
    title = text[i:end]
    title = re.sub(r"\s*\[[^\]]*\]\s*$", "", title)  # [Doctoral dissertation, …]
    title = re.sub(r"\s*\([^()]*$", "", title)  # cut inside its parenthesis: "Title (Addison-Wesley, Reading, 1994)"
    title = re.sub(r"\s*\((?:\d+(?:st|nd|rd|th)|[A-Z][a-z]+)\.?\s+ed(?:n|ition)?\.?\)\s*$", "", title)
    title = _EDITION.split(title, 1)[0]  # "Fundamental Algorithms, second edition, The Art of …": the title ends
    return title.strip(" ,.;:") or None, end


def _spaces(text: str, i: int) -> int:
    return len(text[i:]) - len(text[i:].lstrip())


def _leading_punct(text: str, i: int) -> int:
    return len(text[i:]) - len(text[i:].lstrip(" ,.:;"))


def _arxiv(raw: str, url: str | None) -> str | None:
    """The arXiv identifier ("arXiv:2103.12345v2", "arXiv preprint arXiv:1301.3781", an arxiv.org link)."""
    m = _ARXIV.search(" ".join(raw.split())) or (_ARXIV.search(url) if url else None)
    return m[1] if m else None


def _sentence_end(text: str, start: int = 0) -> int:
    """Index of the first sentence-ending "." (or just past "?"/"!") at or after ``start``."""
    for m in _SENTENCE_MARK.finditer(text, start):
        i = m.start()
        if text[i] != ".":  # a question goes on in lower case ("… von Neumann style? a functional style …")
            if re.match(r"\s(?!in\b|pp\b)[a-z]", text[i + 1 : i + 5]):
                continue
            return i + 1
        word = text[text.rfind(" ", 0, i) + 1 : i].lstrip("([\"“")
        if re.match(r"\s[a-z]{4,}\s", text[i + 1 : i + 30]):  # "Tetraena mongolica Maxim. revealed by …"
            continue
        if _initial_ends_title(text, i, word):
            return i
        if re.fullmatch(rf"{_U}{_LW}?", word) or word.lower() in _ABBREVIATIONS or re.fullmatch(r"(?:\w\.)+\w", word):
            continue
        return i
    return len(text)


def _initial_ends_title(text: str, i: int, word: str) -> bool:
    """Is the capital before this "." the title's last word, not an initial ("… framework for R.
    Bioinformatics. 24: 1733", "… exonuclease I. Proc Natl Acad Sci U S A. 2017;114")? Yes when a
    lower-case word precedes it and a journal with its year or volume follows."""
    before = text[: i - len(word)].rstrip().rsplit(" ", 1)[-1]
    return bool(re.fullmatch(_U, word) and re.fullmatch(r"[a-z]\w*", before) and _VENUE_AHEAD.match(text, i + 1))


def _container(text: str, start: int, year_span: tuple[int, int] | None) -> tuple[str | None, ...]:
    """Venue, volume, issue and pages from the text after the title."""
    masked = text
    if year_span:  # the year must never be read as a volume or page
        masked = text[: year_span[0]] + re.sub(r"[\w.]", " ", text[slice(*year_span)]) + text[year_span[1] :]
    tail = masked[start:]
    numbers = min((m for p in _NUMBERS if (m := p.search(tail))), key=lambda m: m.start(), default=None)
    volume = issue = pages = None
    if numbers:
        volume, issue, pages = numbers["v"], numbers.groupdict().get("i"), numbers["p"]
    volume = volume or _first_group(_VOLUME.search(tail))
    issue = issue or _first_group(_ISSUE.search(tail))
    pages = pages or _first_group(_PAGES.search(tail))
    cuts = [len(tail)] + [m.start() for m in (numbers, _VENUE_STOP.search(tail)) if m]
    if year_span and year_span[0] >= start:
        cuts.append(year_span[0] - start)
    venue = _clean_venue(text[start : start + min(cuts)], book=not volume)
    pages = re.sub(_DASH, "-", pages) if pages else None
    return venue, volume, issue, pages


def _first_group(m: re.Match | None) -> str | None:
    return next((g for g in m.groups() if g), None) if m else None


def _clean_venue(venue: str, book: bool) -> str | None:
    venue = re.sub(r"^In:?\s+", "", venue.lstrip(" ,.;:(").rstrip(" ,;:("))
    venue = re.sub(r"^.{0,120}?\(?\b(?:eds?|editors?)\.?\)?[.,]\s+", "", venue, flags=re.I)  # "In X (Eds.), Book"
    venue = re.sub(r"\b\d+(?:st|nd|rd|th)\s+edn?\.?\s*", "", venue)
    if book and ":" in venue:  # "Cambridge, MA: MIT Press" → the publisher (or the book before it)
        before, after = venue.rsplit(":", 1)
        clauses = re.split(r"\.\s+", before)
        if re.fullmatch(_PLACE, clauses[-1].strip()) and len(after.split()) <= 6:
            venue = ". ".join(clauses[:-1]) or after
    venue = re.sub(rf"(?:,?\s*{_MONTH})+$", "", venue.strip(" ,;:("))
    abbreviated = re.search(r"(?:\b[A-Z][a-z]{0,5}\.\s*){2,}$", venue)  # "Phys. Rev. Lett."
    return (venue.strip(" ,;:(") if abbreviated else venue.strip(" ,.;:(")) or None


def _key(ref: Reference) -> str:
    """Citation key: ascii first-author surname (acronym for a corporate author) + year."""
    first = ref.authors[0] if ref.authors else ""
    if first:
        base = first.split(",")[0] if "," in first else _acronym(first)
    else:
        base = (ref.title or "ref").split()[0]
    year = "nd" if not ref.year or ref.year == "n.d." else ref.year
    return re.sub(r"[^a-z]", "", ascii_fold(base)) + year


def _disambiguate_keys(refs: list[Reference]) -> None:
    counts = Counter(r.key for r in refs)
    seen: Counter[str] = Counter()
    for ref in refs:
        if counts[ref.key] > 1:
            key = ref.key
            ref.key = f"{key}{chr(ord('a') + seen[key] % 26)}"
            seen[key] += 1


# ---------------------------------------------------------------------------------------------
# In-text citations


def _sentences(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(page label, sentence) pairs; numbered section headings are kept apart."""
    out = []
    for page, page_lines in groupby(lines, key=lambda item: item[0]):
        blocks: list[list[str]] = [[]]
        for _, line in page_lines:
            if _SECTION_LINE.match(line):
                blocks += [[line], []]
            else:
                blocks[-1].append(line)
        for text in (_join(block) for block in blocks if block):
            start = 0
            while start < len(text):
                end = _sentence_end(text, start)
                end = end + 1 if end < len(text) and text[end] == "." else end
                if text[start:end].strip():
                    out.append((page, text[start:end].strip()))
                start = end
    return out


def _marker_hits(sentence: str, numbered: dict[int, Reference]) -> list[Reference]:
    found = []
    for m in _NUMBER_MARKER.finditer(sentence):
        for part in re.split(r"\s*[,;]\s*", m[1]):
            bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
            found += [numbered[n] for n in range(bounds[0], bounds[-1] + 1) if n in numbered][:50]
    return found


def _key_hits(sentence: str, keyed: dict[str, Reference]) -> list[Reference]:
    """Entries cited by their alphanumeric keys: "[Lei1]", "[AC09, BB94]", "[Fre, Section 2]"."""
    return [keyed[k] for m in re.finditer(r"\[([^\[\]]{1,80})\]", sentence)
            for k in re.split(r"\s*[,;]\s*", m[1]) if k in keyed] if keyed else []


def _author_year_hits(sentence: str, refs: list[Reference], mentions: _Mentions) -> list[Reference]:
    cites = [(m[1], m[2]) for m in _NARRATIVE_CITE.finditer(sentence)]
    for m in _PAREN_CITE.finditer(sentence):
        for part in m[1].split(";"):
            cite = re.search(rf"^(.*?)[,\s]*\b({_YEAR})[a-z]?\b", part)
            if cite and re.search(_L, cite[1]):
                cites.append((cite[1], cite[2]))
    return [
        r for names, year in cites for r in refs if (r.year or "")[:4] == year and _names_match(r, names, mentions)
    ]


def _names_match(ref: Reference, names: str, mentions: _Mentions) -> bool:
    """Does the name part of an author-year citation name this reference's first author?"""
    folded = ascii_fold(names)
    if not ref.authors:  # "(World Migration Report, 2020)" names an authorless entry by its title
        return len(folded) >= 4 and fuzz.partial_ratio(folded, ascii_fold(ref.raw)) >= 90
    if "," not in ref.authors[0]:  # corporate: "(WHO, 2018)", "(World Health Organization, 2018)"
        first = ref.authors[0]
        long_enough = min(len(folded), len(first)) >= 4
        return _acronym(first) in names.split() or (long_enough and fuzz.partial_ratio(ascii_fold(first), folded) >= 90)
    return any(ref in mentions(token, False) for token in _TOKEN.findall(names))


def _mention_hits(sentence: str, mentions: _Mentions) -> list[Reference]:
    """References whose first author is named in the sentence (a sentence's first word only exactly)."""
    by_surname: dict[str, list[Reference]] = defaultdict(list)
    for token in _TOKEN.findall(sentence):
        for ref in mentions(re.sub(r"['’]s$", "", token), sentence.startswith(token)):
            by_surname[_surname(ref)].append(ref)
    return [r for group in by_surname.values() for r in _disambiguate(sentence, group)]


def _mention_matcher(refs: list[Reference]) -> _Mentions:
    """A cached ``(word, exact_only) -> references whose first author it names``.

    Exact (ascii-folded) surname matches win over fuzzy ones; a corporate author matches only
    its exact name or acronym, case-sensitively ("WHO", not "Who").
    """
    people = [(r, _surname(r), _spellings(r.authors[0].split(",")[0].split()[-1].lower()))
              for r in refs if r.authors and "," in r.authors[0]]
    corporate = [(r, r.authors[0], _acronym(r.authors[0])) for r in refs if r.authors and "," not in r.authors[0]]

    @lru_cache(maxsize=None)
    def mentions(word: str, exact_only: bool) -> tuple[Reference, ...]:
        folded = ascii_fold(word)
        exact = [r for r, surname, _ in people if folded == surname]
        exact += [r for r, name, acronym in corporate if word == name or (len(word) > 1 and word == acronym)]
        if exact or exact_only or len(folded) < 4:
            return tuple(exact)
        return tuple(
            r for r, surname, spellings in people
            if len(surname) >= 4 and surname[0] == folded[0]
            and max(fuzz.ratio(folded, s) for s in spellings) >= MENTION_THRESHOLD
        )

    return mentions


def _disambiguate(sentence: str, group: list[Reference]) -> list[Reference]:
    """Of several entries by one first author, keep those the sentence supports best.

    Support: co-authors named, the year written out, the title's first words quoted.
    """
    group = list({id(r): r for r in group}.values())
    if len(group) == 1:
        return group
    tokens = re.findall(r"\w+", ascii_fold(sentence))

    def support(ref: Reference) -> int:
        coauthors = {ascii_fold(a.split(",")[0]).split()[-1] for a in ref.authors[1:]}
        named = sum(any(fuzz.ratio(c, t) >= MENTION_THRESHOLD for t in tokens) for c in coauthors)
        head = " ".join(_norm_title(ref.title or "").split()[:4])
        title = bool(head) and fuzz.partial_ratio(head, _norm_title(sentence)) >= 90
        return named + 2 * title + bool(ref.year and ref.year[:4] in sentence)

    scores = [support(r) for r in group]
    best = max(scores)
    return [r for r, s in zip(group, scores) if s == best] if best and scores.count(best) < len(group) else group


def _surname(ref: Reference) -> str:
    """Folded last word of the first author's surname ("de Wilde" → "wilde")."""
    return ascii_fold(ref.authors[0].split(",")[0]).split()[-1] if ref.authors else ""


def _acronym(name: str) -> str:
    """"World Health Organization" → "WHO"; a one-word name stays itself."""
    words = name.split()
    return "".join(w[0] for w in words if w[0].isupper()) if len(words) > 1 else name


def _spellings(word: str) -> set[str]:
    """Ascii spellings of a word: "wæver" → {"waever", "waver", "wever"}."""
    options = [_SPELLINGS.get(c, (c,)) for c in word]
    return {ascii_fold("".join(p)) for p in product(*options)} if len(word) < 30 else {ascii_fold(word)}


# ---------------------------------------------------------------------------------------------
# Normalisation and matching


@lru_cache(maxsize=1 << 16)
def ascii_fold(text: str) -> str:
    """Lower-case ascii form: diacritics dropped, æ → ae, ß → ss (cached: linking a paper compares
    its record with every reference in the library, folding the same names and titles again)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _norm_title(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_fold(title).replace("&", " and ")).split())


def _title_forms(title: str) -> set[str]:
    """The normalised title, and its main title when a subtitle (after ":") may be left out elsewhere.

    (token_set_ratio is not used: it scores a different work sharing most words as a subset ~100.)
    """
    main = title.split(":")[0]
    return {_norm_title(title)} | ({_norm_title(main)} if len(main.split()) >= 3 else set())


def _norm_doi(doi: str) -> str:
    return re.sub(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:\s*)?", "", doi.strip().lower())


def _author_agreement(ref: Reference, paper: Paper) -> float:
    """1 if the cited first author is among the paper's authors (either name order), 0 if not, 0.5 unknown."""
    if not ref.authors or not paper.authors:
        return 0.5
    surname = ascii_fold(ref.authors[0].split(",")[0])
    words = {w for name in paper.authors for w in re.findall(r"[\w'-]+", ascii_fold(name))}
    names = {ascii_fold(name) for name in paper.authors}
    return float(surname in names or all(w in words for w in surname.split()))
