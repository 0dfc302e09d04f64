"""Citation-accuracy evaluation: question sets (questions), scoring (metrics), running answer
functions side by side (runner) and the report (report). Imports nothing heavy; matplotlib is
loaded only when a plot is drawn."""

from .metrics import METRICS, Pages, SystemOutput, aggregate, covers, normalize, score_question
from .questions import Question, QuestionSetError, load_questions
from .report import report_dict, summary_table, write_report
from .runner import AnswerFn, ConfigResult, EvalResult, run_eval

__all__ = [
    "METRICS",
    "AnswerFn",
    "ConfigResult",
    "EvalResult",
    "Pages",
    "Question",
    "QuestionSetError",
    "SystemOutput",
    "aggregate",
    "covers",
    "load_questions",
    "normalize",
    "report_dict",
    "run_eval",
    "score_question",
    "summary_table",
    "write_report",
]
