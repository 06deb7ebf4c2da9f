"""LaTeX of the documents to HTML for a learning-management system.

Text is escaped for HTML; maths stays LaTeX for MathJax, as ``\\( \\)`` inline
and ``\\[ \\]`` displayed (``align*`` becomes ``aligned`` inside ``\\[ \\]``),
with the document's own macros replaced by standard ones (``\\finalanswer`` ->
``\\boxed``). Simple text macros become tags (``\\textbf`` -> ``<strong>``),
``itemize`` a list, ``tabular`` a table, ``center`` a centred block. Layout
commands (spacing, page breaks, font sizes) are dropped, and so is a TikZ
picture: the caller passes ``figure`` to put an image where ``\\nnfigure``
stood. The converter is strict: a command or environment it does not know is
an :class:`UnknownLaTeX` error naming it, never silently dropped (the text a
student sees online would miss whatever it stood for).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

# commands dropped together with this many brace arguments
_DROP_ARGS = {
    "answerspace": 1, "nnneedspace": 1, "vspace": 1, "hspace": 1, "setlength": 2, "thispagestyle": 1,
    "label": 1, "addtolength": 2, "setcounter": 2, "nnbegin": 1, "rule": 2, "fbox": 0, "parbox": 1,
}
_DROP = {
    "par", "smallskip", "medskip", "bigskip", "noindent", "relax", "hfill", "centering", "small", "footnotesize",
    "scriptsize", "large", "Large", "LARGE", "normalsize", "bfseries", "itshape", "rmfamily", "newpage", "clearpage",
    "nnkeytrue", "nnkeyfalse", "nnend", "protect", "displaystyle", "raggedright", "arraybackslash", "toprule",
    "midrule", "bottomrule", "hline", "nobreak", "allowbreak", "linebreak", "pagebreak", "strut", "null",
}
_TAGS = {"textbf": "strong", "textit": "em", "emph": "em", "texttt": "code", "underline": "u", "textsc": "span",
         "textrm": "span", "textsf": "span", "mbox": "span", "text": "span"}
# One-argument commands: the HTML around their converted argument.
_WRAPS = {name: f"<{tag}>{{}}</{tag}>" for name, tag in _TAGS.items()} | {
    "nnpoints": "<small>[{}]</small> ",
    "nnref": '<span style="border:1px solid #888;padding:0 3px;font-size:smaller">{}</span>',
    "marking": "<br><em>Marking:</em> {}",
    "nnfit": "{}",  # large print: a table scaled down to the line when wider
}
_SYMBOLS = {
    "textemdash": "\u2014", "textendash": "\u2013", "ldots": "\u2026", "dots": "\u2026", "quad": "\u2003",
    "qquad": "\u2003\u2003", "enspace": "\u2002", ",": "\u2009", " ": " ", ";": " ", "%": "%", "&": "&", "$": "$",
    "#": "#", "_": "_", "{": "{", "}": "}", "LaTeX": "LaTeX", "TeX": "TeX", "textbackslash": "\\", "S": "\u00a7",
    "textasciitilde": "~", "textquoteright": "\u2019", "textquoteleft": "\u2018", "-": "",
}
_MATH_ENVS = {"align": "aligned", "align*": "aligned", "gather": "gathered", "gather*": "gathered",
              "equation": "", "equation*": "", "displaymath": "", "multline*": "", "multline": ""}
_SKIP_ENVS = {"tikzpicture", "figure"}
_LAYOUT = re.compile(r"\\vskip\s*-?[\d.]+\s*\w+(\s*plus\s*-?[\d.]+\s*\w+)?(\s*minus\s*-?[\d.]+\s*\w+)?"
                     r"|\\penalty\s*-?\d+|\\renewcommand\s*\{?\\\w+\}?\s*(\[\d\])?\s*\{[^{}]*\}"
                     r"|\\(newcommand|def)\b[^\n]*")
_COMMENT = re.compile(r"(?<!\\)%[^\n]*\n?")
_MATH_FIXES = (
    (re.compile(r"\\finalanswer\b"), r"\\boxed"),
    (re.compile(r"\\text(?:bf|it|rm|sf)\{([^{}]*)\}"), r"\1"),  # inside \text{...}: MathJax would print the macro
    (re.compile(r"\\nobreak\b|\\allowbreak\b"), ""),
)

_PLAIN = re.compile(r"[^$\\{}~\-\n]*")  # text without anything the converter acts on
Figure = Callable[[str], str]  # figure name -> HTML (an <img> element)


class UnknownLaTeX(ValueError):
    """A command or environment the converter has no HTML form for."""


def _around(s: str, i: int) -> str:
    return " ".join(s[max(0, i - 30):i + 30].split())


def escape(text: str) -> str:
    """Text for HTML: & < > and quotes escaped."""
    return html.escape(text, quote=True)


def math(tex: str) -> str:
    """The inside of a formula, for MathJax within HTML."""
    if "\\" in tex:
        for pattern, repl in _MATH_FIXES:
            tex = pattern.sub(repl, tex)
    return escape(" ".join(tex.split()))


def _group(s: str, i: int) -> tuple[str, int]:
    """The content of the brace group starting at s[i] == '{' and the index after it."""
    depth = 0
    j = i
    while j < len(s):
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
        j += 1
    return s[i + 1:], len(s)


def _skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\n":
        if s[i] == "\n" and s[i + 1:i + 2] == "\n":
            break
        i += 1
    return i


def _arg(s: str, i: int) -> tuple[str, int]:
    """One argument: a brace group, a control word or a single character."""
    i = _skip_space(s, i)
    if i >= len(s):
        return "", i
    if s[i] == "{":
        return _group(s, i)
    if s[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        assert m is not None
        return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _optional(s: str, i: int) -> int:
    """Skip an optional [argument] at i."""
    j = _skip_space(s, i)
    if j < len(s) and s[j] == "[":
        end = s.find("]", j)
        return end + 1 if end >= 0 else len(s)
    return i


def _environment(s: str, i: int, name: str) -> tuple[str, int]:
    """The body of environment ``name`` whose \\begin ends at i, and the index after its \\end."""
    begin, end = "\\begin{" + name + "}", "\\end{" + name + "}"
    depth, j = 1, i
    while True:
        b, e = s.find(begin, j), s.find(end, j)
        if e < 0:
            return s[i:], len(s)
        if 0 <= b < e:
            depth, j = depth + 1, b + len(begin)
            continue
        depth -= 1
        if depth == 0:
            return s[i:e], e + len(end)
        j = e + len(end)


def _find_unescaped(s: str, what: str, i: int) -> int:
    while True:
        j = s.find(what, i)
        if j < 0:
            return -1
        k, slashes = j - 1, 0
        while k >= 0 and s[k] == "\\":
            slashes, k = slashes + 1, k - 1
        if slashes % 2 == 0:
            return j
        i = j + 1


def _split_top(s: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces and maths."""
    out, depth, start, i, in_math = [], 0, 0, 0, False
    while i < len(s):
        c = s[i]
        if c == "\\":
            if depth == 0 and not in_math and s.startswith(sep, i) and sep.startswith("\\"):
                nxt = s[i + len(sep):i + len(sep) + 1]
                if not (sep[-1].isalpha() and nxt.isalpha()):
                    out.append(s[start:i])
                    i += len(sep)
                    start = i
                    continue
            i += 2
            continue
        if c == "$":
            in_math = not in_math
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and not in_math and s.startswith(sep, i):
            out.append(s[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    out.append(s[start:])
    return out


class _Converter:
    def __init__(self, figure: Figure | None) -> None:
        self.figure = figure

    def table(self, spec: str, body: str) -> str:
        columns = re.sub(r"p\{[^{}]*\}", "l", re.sub(r"[@>]\{[^{}]*\}", "", spec))
        aligns = [{"l": "left", "c": "center", "r": "right"}[c] for c in columns if c in "lcr"]
        rows: list[str] = []
        header = "\\midrule" in body
        for row in _split_top(body, "\\\\"):
            row = re.sub(r"^\s*(\[[^\]]*\])", "", row)
            cleaned = re.sub(r"\\(toprule|midrule|bottomrule|hline)\b", "", row).strip()
            if not cleaned:
                continue
            tag = "th" if header and not rows else "td"
            cells = []
            for n, cell in enumerate(_split_top(cleaned, "&")):
                align = aligns[n] if n < len(aligns) else "left"
                cells.append(f'<{tag} style="text-align:{align};padding:2px 8px">{self.convert(cell).strip()}</{tag}>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return '<table style="border-collapse:collapse;margin:0.5em auto">' + "".join(rows) + "</table>"

    def convert(self, s: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(s):
            c = s[i]
            if c == "$":
                display = s.startswith("$$", i)
                close = _find_unescaped(s, "$$" if display else "$", i + (2 if display else 1))
                if close < 0:
                    close = len(s)
                body = s[i + (2 if display else 1):close]
                out.append(f"\\[{math(body)}\\]" if display else f"\\({math(body)}\\)")
                i = close + (2 if display else 1)
            elif s.startswith("\\[", i):
                close = s.find("\\]", i + 2)
                close = len(s) if close < 0 else close
                out.append(f"\\[{math(s[i + 2:close])}\\]")
                i = close + 2
            elif s.startswith("\\(", i):
                close = s.find("\\)", i + 2)
                close = len(s) if close < 0 else close
                out.append(f"\\({math(s[i + 2:close])}\\)")
                i = close + 2
            elif s.startswith("\\begin{", i):
                name, j = _group(s, i + 6)
                body, i = _environment(s, j, name)
                out.append(self.environment(name, body))
            elif s.startswith("\\end{", i):
                name, _ = _group(s, i + 4)
                raise UnknownLaTeX(f"\\end{{{name}}} without its \\begin (near {_around(s, i)!r})")
            elif s.startswith("\\\\", i):
                i = _optional(s, i + 2)
                out.append("<br>")
            elif c == "\\":
                m = re.match(r"\\([A-Za-z]+\*?|.)", s[i:])
                assert m is not None
                i += len(m.group(0))
                text, i = self.command(m.group(1), s, i)
                out.append(text)
            elif c == "{":
                body, i = _group(s, i)
                out.append(self.convert(body))
            elif c == "}":
                i += 1
            elif c == "~":
                out.append("\u00a0")
                i += 1
            elif c == "-" and s.startswith("---", i):
                out.append("\u2014")
                i += 3
            elif c == "-" and s.startswith("--", i):
                out.append("\u2013")
                i += 2
            elif c == "\n" and re.match(r"\n[ \t]*\n", s[i:]):
                m2 = re.match(r"(\n[ \t]*)+", s[i:])
                assert m2 is not None
                out.append("\n</p><p>")
                i += len(m2.group(0))
            else:
                m = _PLAIN.match(s, i + 1)
                j = m.end() if m else i + 1
                out.append(escape(s[i:j]))
                i = j
        return "".join(out)

    def command(self, name: str, s: str, i: int) -> tuple[str, int]:
        """HTML of command ``name`` whose arguments start at s[i], and the index after them."""
        if name in _SYMBOLS:
            if name.isalpha() and s.startswith("{}", i):
                i += 2
            return escape(_SYMBOLS[name]), i
        if name in _DROP:
            return "", i
        if name in _DROP_ARGS:
            for _ in range(_DROP_ARGS[name]):
                _, i = _arg(s, i)
            return "", i
        if name == "nnfigure":
            fig, i = _arg(s, i)
            _, i = _arg(s, i)
            return (self.figure(fig) if self.figure else ""), i
        if name in ("section*", "section", "subsection*", "subsection"):
            title, i = _arg(s, i)
            return f"<h4>{self.convert(title)}</h4>", i
        if name == "qpart":
            part, i = _arg(s, i)
            return f"<strong>({escape(part)})</strong> ", i
        if name in _WRAPS:
            body, i = _arg(s, i)
            return _WRAPS[name].format(self.convert(body)), i
        raise UnknownLaTeX(f"the LaTeX command \\{name} has no HTML form (near {_around(s, i)!r})")

    def environment(self, name: str, body: str) -> str:
        if name in _MATH_ENVS:
            inner = _MATH_ENVS[name]
            tex = f"\\begin{{{inner}}}{body}\\end{{{inner}}}" if inner else body
            return f"\\[{math(tex)}\\]"
        if name in _SKIP_ENVS:
            return ""
        if name == "tabular":
            spec, j = _arg(body, 0)
            return self.table(spec, body[j:])
        if name in ("itemize", "enumerate"):
            tag = "ul" if name == "itemize" else "ol"
            items = _split_top(body, "\\item")[1:]
            lis = "".join("<li>" + self.convert(_ITEM_OPT.sub("", it)).strip() + "</li>" for it in items)
            return f"<{tag}>{lis}</{tag}>"
        if name == "center":
            return f'<div style="text-align:center">{self.convert(body)}</div>'
        if name == "minipage":
            j = _optional(body, 0)
            _, j = _arg(body, j)
            return self.convert(body[j:])
        raise UnknownLaTeX(f"the LaTeX environment {name} has no HTML form (near {_around(body, 0)!r})")


_ITEM_OPT = re.compile(r"^\s*\[[^\]]*\]")
_EMPTY_P = re.compile(r"<p>\s*</p>")


def to_html(tex: str, figure: Figure | None = None) -> str:
    """HTML of a piece of the documents' LaTeX (see the module's docstring)."""
    return _to_html(tex) if figure is None else _convert(tex, figure)


@lru_cache(maxsize=4096)
def _to_html(tex: str) -> str:
    """Pieces without a figure repeat across versions (mistakes, marking notes): converted once."""
    return _convert(tex, None)


def _convert(tex: str, figure: Figure | None) -> str:
    tex = _COMMENT.sub("", tex)
    tex = _LAYOUT.sub("", tex)
    body = _Converter(figure).convert(tex)
    out = _EMPTY_P.sub("", f"<p>{body.strip()}</p>")
    return re.sub(r"[ \t]*\n[ \t]*(\n[ \t]*)*", "\n", out).strip()
