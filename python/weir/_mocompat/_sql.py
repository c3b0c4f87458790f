"""`marimo.sql` in Weir: the query runs on DuckDB's default connection
(tables a query creates outlive the cell, as under marimo), and DuckDB
finds data frames by name among the calling cell's variables and the
notebook's globals.  Without duckdb the call says how to get it."""

from __future__ import annotations

import sys

DOC = "docs/marimo-api.md"


def _frame_result(relation):
    """A polars frame when polars is installed, else pandas (marimo's
    default), else the rows."""
    if "polars" in sys.modules or _importable("polars"):
        try:
            return relation.pl()
        except Exception:
            pass
    try:
        return relation.df()
    except Exception:
        return relation.fetchall()


def _importable(name):
    from importlib.util import find_spec

    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _trim(query):
    """The query without trailing blank lines, `--` comment lines and
    `;`: DuckDB wraps the last statement in a subquery when the result is
    fetched, where any of these is a syntax error."""
    lines = query.rstrip().split("\n")
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
        lines.pop()
    return "\n".join(lines).rstrip().rstrip(";").rstrip()


def sql(query, *, output=True, engine=None):
    if engine is not None:
        raise NotImplementedError(
            "marimo.sql(engine=...) is not supported by Weir: only DuckDB "
            "(engine=None) is (see %s)" % DOC
        )
    try:
        import duckdb
    except ImportError:
        raise ModuleNotFoundError(
            "marimo.sql needs the duckdb package, which this Python does not "
            "have: pip install duckdb (see %s)" % DOC,
            name="duckdb",
        ) from None
    caller = sys._getframe(1)
    scope = dict(caller.f_locals) if caller.f_locals is not caller.f_globals else {}
    scope["__weir_duckdb"] = duckdb
    scope["__weir_query"] = _trim(str(query))
    # DuckDB resolves unknown table names from the frame that calls it:
    # this eval's frame sees the cell's locals and the notebook's globals.
    relation = eval("__weir_duckdb.sql(__weir_query)", caller.f_globals, scope)
    if relation is None:
        return None
    result = _frame_result(relation)
    if output:
        from weir._api import output as out

        out.replace(result)
    return result
