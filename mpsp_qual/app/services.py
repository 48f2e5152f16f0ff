"""The application surface the interfaces call: one name per operation.

The command line and the web workspace import only :mod:`mpsp_qual.app` and
:mod:`mpsp_qual.core`. Besides the :class:`~mpsp_qual.app.project.Project` facade they
call the operations named here; each forwards to the function that does the work and
imports it only when called, so that an interface starts without loading spaCy, pandas
or openpyxl, and lists its commands without them. Each function's documentation is
the one it forwards to.
"""

from __future__ import annotations

from typing import Any


def _doc(target: str):
    """Give the forwarding function the name of what it forwards to in its docstring."""

    def decorate(f):
        f.__doc__ = f"Forwards to :func:`{target}`."
        return f

    return decorate


@_doc("mpsp_qual.inputs.codebook.codebook_to_yaml")
def codebook_to_yaml(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.inputs.codebook import codebook_to_yaml as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.inputs.codebook.codebook_frame")
def codebook_frame(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.inputs.codebook import codebook_frame as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.inputs.codebook.load_codebook")
def load_codebook(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.inputs.codebook import load_codebook as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.tables.render")
def render(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.tables import render as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.tables.write_table")
def write_table(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.tables import write_table as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.tables.to_terminal")
def to_terminal(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.tables import to_terminal as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.refi.import_codebook")
def import_codebook(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.refi import import_codebook as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.refi.export_qdpx")
def export_qdpx(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.refi import export_qdpx as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.refi.export_qdc")
def export_qdc(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.refi import export_qdc as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.quotebank.write_requests")
def write_requests(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.quotebank import write_requests as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.quotebank.write_request_folder")
def write_request_folder(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.quotebank import write_request_folder as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.quotebank.write_quote_bank")
def write_quote_bank(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.quotebank import write_quote_bank as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.findings.write_findings")
def write_findings(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.findings import write_findings as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.charts.write_charts")
def write_charts(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.charts import write_charts as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.excel.write_summary")
def write_summary(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.excel import write_summary as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.sheets.export_sheet")
def export_sheet(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.sheets import export_sheet as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.sheets.import_sheet")
def import_sheet(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.sheets import import_sheet as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.verify.verify_draft")
def verify_draft(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.verify import verify_draft as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.verify.verify_summary")
def verify_summary(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.verify import verify_summary as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.quotes.quote_bank")
def quote_bank(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.quotes import quote_bank as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.approvals.request_quotes")
def request_quotes(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.approvals import request_quotes as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.approvals.require_approval")
def require_approval(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.approvals import require_approval as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.consent.approvals.set_require_approval")
def set_require_approval(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.consent.approvals import set_require_approval as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.coding.autocode.coded_segment_table")
def coded_segment_table(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.coding.autocode import coded_segment_table as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.coding.autocode.format_evidence")
def format_evidence(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.coding.autocode import format_evidence as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.coding.autocode.code_counts")
def code_counts(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.coding.autocode import code_counts as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.coding.autocode.autocode")
def autocode(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.coding.autocode import autocode as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.app.quoting.approve_quotes")
def approve_quotes(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.app.quoting import approve_quotes as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.app.exchange.import_qdpx")
def import_qdpx(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.app.exchange import import_qdpx as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.app.demo.run_demo")
def run_demo(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.app.demo import run_demo as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.app.importing.expand_paths")
def expand_paths(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.app.importing import expand_paths as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.survey.read_survey")
def read_survey(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.survey import read_survey as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.survey.survey_agreement")
def survey_agreement(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.survey import survey_agreement as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.agreement.agreement_report")
def agreement_report(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.agreement import agreement_report as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.agreement.describe_units")
def describe_units(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.agreement import describe_units as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.agreement.rounded")
def rounded(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.agreement import rounded as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.disagreements.write_disagreements")
def write_disagreements(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.disagreements import write_disagreements as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.formats.disagreements.reconcile")
def reconcile(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.formats.disagreements import reconcile as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.aggregate.prevalence")
def prevalence(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.aggregate import prevalence as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.aggregate.case_code")
def case_code(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.aggregate import case_code as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.aggregate.cooccurrence")
def cooccurrence(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.aggregate import cooccurrence as target

    return target(*args, **kwargs)


@_doc("mpsp_qual.analysis.aggregate.framework_matrix")
def framework_matrix(*args: Any, **kwargs: Any) -> Any:
    from mpsp_qual.analysis.aggregate import framework_matrix as target

    return target(*args, **kwargs)


def database_error_message(exc: BaseException) -> str | None:
    """One sentence for an error of the project file's database, or None if it is not one."""
    from mpsp_qual.store.db import database_error_message as target

    return target(exc)


__all__ = [
    "database_error_message",
    "agreement_report",
    "approve_quotes",
    "autocode",
    "case_code",
    "code_counts",
    "codebook_frame",
    "codebook_to_yaml",
    "coded_segment_table",
    "cooccurrence",
    "describe_units",
    "expand_paths",
    "export_qdc",
    "export_qdpx",
    "export_sheet",
    "format_evidence",
    "framework_matrix",
    "import_codebook",
    "import_qdpx",
    "import_sheet",
    "load_codebook",
    "prevalence",
    "quote_bank",
    "read_survey",
    "reconcile",
    "render",
    "request_quotes",
    "require_approval",
    "rounded",
    "run_demo",
    "set_require_approval",
    "survey_agreement",
    "to_terminal",
    "verify_draft",
    "verify_summary",
    "write_disagreements",
    "write_quote_bank",
    "write_requests",
    "write_charts",
    "write_findings",
    "write_summary",
    "write_table",
]
