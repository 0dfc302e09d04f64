"""The same question to the same library gets the same answer in every process.

Python salts string hashes per process, so anything read from a set in its iteration order (terms
that tie on idf, for instance) can differ between two runs of `assistant ask`; a scholar who asks
again, or an eval run twice, must not see another answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

# Terms of these tie on idf in the real library ("vibrio", "cholera" occur in the same chunks): the
# answers differed between hash seeds while the rarest question terms were read in set order.
QUESTIONS = [
    "Which metal ion coordinates binding of cyclic tetra-adenylate to Csx23 in Vibrio cholerae?",
    "How much does Csx23 reduce infection by phage T4 in Vibrio cholerae cells, according to Grüschow et al.?",
    "How many international migrants were there in 2019?",
]
SCRIPT = """
import json, sys
from assistant.api import Library
from assistant.render import answer_json
library = Library(sys.argv[1], create=False)
print(json.dumps([answer_json(library.ask(q)) for q in json.loads(sys.argv[2])]))
"""


def _answers(library_dir: str, seed: str) -> list[dict]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", SCRIPT, library_dir, json.dumps(QUESTIONS)], env=env,
                         capture_output=True, text=True, check=True, timeout=300).stdout
    return [{"answer": a["answer"], "citations": [(c["paper"], c["page"], c["quote"]) for c in a["citations"]]}
            for a in json.loads(out)]


def test_answers_do_not_depend_on_the_process_hash_seed(real_library):
    first = _answers(str(real_library.dir), "1")
    assert all(a["citations"] for a in first[:1])  # answered, not empty output
    assert _answers(str(real_library.dir), "2") == first
