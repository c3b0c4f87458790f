"""Script mode's reading of plainly simple cells without the parser.

Parsing a cell costs more than running a trivial one (≈ 25 µs for a
four-line cell, about what the whole per-cell budget is), so a cell whose
text leaves no doubt is read with a few regular expressions instead.  A
cell qualifies only if:

- it is a top-level `def` (first line at column 0) with one-line
  decorators and a one-line `def NAME(params):` header (no nested
  parentheses in it);
- no code in it holds a quote, a backslash or a `;` (comments may hold
  anything), and each line closes every bracket it opens.  With no
  strings and no continuations, every non-blank, non-comment line is one
  whole statement, and the first line back at column 0 ends the function;
- its body statements share one indentation and none starts with a
  block keyword (`if`, `for`, `def`, ..., also `match`, `case`, `lambda`)
  or `return`, except the last, which may be `return`, `return x`,
  `return x, y` or `return (x, y)` of plain ASCII names, not keywords;
- the statement before that `return` (or the last one, when there is no
  `return`) is an assignment or an import-like statement, never an
  expression, so the cell has no output to recover.

Anything else returns None and the cell is parsed (`_cellparse`), which
gives the same answer for every cell this accepts;
`tests/test_script_cells.py` checks the two agree, case by case.
"""

from __future__ import annotations

import keyword
import re


# A line's code: no quote, backslash, `;` or `#` (a `#` starts its comment).
_CODE = r"[^'\"\\;#\n]*"
_EOL = r"[ \t]*(?:\#[^\n]*)?(?:\n|\Z)"
_BLANK = r"(?:[ \t]*(?:\#[^\n]*)?\n)"  # blank or comment-only lines, at any indentation
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NAMES = r"%s[ \t]*(?:,[ \t]*%s[ \t]*)*,?" % (_NAME, _NAME)
# Statements that begin or belong to a block, and `return` (only the last).
_BLOCK = re.compile(
    r"(?:if|elif|else|for|while|with|try|except|finally|def|class|async|return|match|case|lambda)\b|@"
)
# The last statement before the `return`: an assignment (`a = ...`,
# `a.b, c = ...`, `a += ...`, never `a == b`) or an import-like statement,
# never an expression (whose value would be the cell's output).
_ASSIGN = re.compile(
    r"(?:%s(?:\.%s)*(?:[ \t]*,[ \t]*%s(?:\.%s)*)*[ \t]*,?[ \t]*(?:[-+*/%%@&|^]|//|\*\*|>>|<<)?=(?!=)"
    r"|(?:import|from|del|pass|assert|raise|global|nonlocal)\b)" % (_NAME, _NAME, _NAME, _NAME)
)
_RETURN = re.compile(
    r"return(?:[ \t]*\((?P<paren>[ \t]*(?:%s[ \t]*)?)\)|[ \t]+(?P<bare>%s))?[ \t]*(?:#|\Z)"
    % (_NAMES, _NAMES)
)
# Decorators and the one-line header, then the body: lines at one
# indentation (captured from the first), blank and comment lines anywhere,
# up to the first line back at column 0.
_CELL = re.compile(
    r"(?P<decorators>(?:@%(code)s%(eol)s)*)"
    r"(?:async[ \t]+)?def[ \t]+(?P<name>%(name)s)[ \t]*\([^()'\"\\;#\n]*\)[ \t]*:%(eol)s"
    r"%(blank)s*"
    r"(?=(?P<indent>[ \t]+)[^ \t\n])"
    r"(?P<body>(?:(?P=indent)(?![ \t])%(code)s%(eol)s%(blank)s*)+)"
    r"(?=[^\s]|\Z)"
    % {"code": _CODE, "eol": _EOL, "blank": _BLANK, "name": _NAME}
)
# A body's statements, one a line, without indentation.
_STATEMENT = re.compile(r"^[ \t]+([^ \t\n#][^\n]*)", re.MULTILINE)
_WORD = re.compile(_NAME)
_KEYWORDS = frozenset(keyword.kwlist)

# Modes, as in _cells.
NOTHING, TUPLE, SINGLE = 0, 1, 2


def read(text, pos, name):
    """(mode, defs) of the cell `name` starting at `text[pos]`; or None."""
    match = _CELL.match(text, pos)
    if match is None or match.group("name") != name:
        return None
    decorators = match.group("decorators")
    if "(" in decorators or "[" in decorators or "{" in decorators:
        if not all(map(_one_line, decorators.split("\n"))):
            return None
    statements = _STATEMENT.findall(match.group("body"))
    if not statements:
        return None
    last = _RETURN.match(statements[-1])
    if last is not None:
        statements.pop()
        shape = _returned(last.group("paren"), last.group("bare"))
        if shape is None:
            return None
    else:
        shape = (NOTHING, ())
    for statement in statements:
        if _BLOCK.match(statement) or not _one_line(statement):
            return None
    if statements and not _ASSIGN.match(statements[-1]):
        return None  # may be an expression: its value is the output
    return shape


def _returned(paren, bare):
    """(mode, defs) of a `return` of plain names, or None."""
    if paren is not None:
        names = tuple(_WORD.findall(paren))
        mode = SINGLE if len(names) == 1 and "," not in paren else TUPLE
    elif bare is not None:
        names = tuple(_WORD.findall(bare))
        mode = TUPLE if "," in bare else SINGLE
    else:
        return NOTHING, ()
    if not _KEYWORDS.isdisjoint(names):
        return None  # `return (None,)` is not names: the parser says so
    return mode, names


def _one_line(line):
    """Whether `line` (no quotes or backslashes) closes every bracket it opens.

    With no strings and no backslashes, that makes each line one whole
    statement.  The file compiled, so its brackets nest: a count suffices.
    """
    if "(" not in line and "[" not in line and "{" not in line:
        return True
    code = line.split("#", 1)[0]
    opened = code.count("(") + code.count("[") + code.count("{")
    return opened == code.count(")") + code.count("]") + code.count("}")
