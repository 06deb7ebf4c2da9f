"""Reading typed formulas and numbers without ever running them.

Student text never reaches ``eval``, ``sympify`` or ``parse_expr`` (they run
code). It goes through three gates:

1. :func:`normalize` rewrites what people type (``^``, ``·``, ``σ``, a Unicode
   minus, superscripts, implicit products such as ``2x1`` or ``x1 e^(x2)``)
   with a tokenizer that knows only numbers, names and ``+ - * / ^ ( ) ,``:
   any other character (quotes, dots outside numbers, colons, brackets of
   attribute access) ends the reading at once.
2. :func:`ast.parse` in ``eval`` mode reads the rewritten text, and
   :func:`_build` walks the tree accepting only an allow-list of node types
   (numbers, the question's names, ``+ - * / **``, unary minus, calls of
   allow-listed one-argument functions, ``max(0, u)`` read as ``relu(u)``),
   with caps on length, nesting and node
   count. The result is a small tuple tree (:data:`Node`), never Python code.
3. :func:`evaluate` computes that tree in floating point (every constant is a
   float, so ``9**9**9**9`` overflows at once instead of building a huge
   integer), and :func:`to_sympy` builds SymPy objects from it with a cap on
   exponents, for the symbolic check only.

Trusted generator text (``exact``, ``recompute``, ``check.function`` of an
answers.json) is read by the same parser with :func:`parse_trusted`, which is
faster than SymPy and evaluates the key and the response the same way.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import signal
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache
from typing import Any

MAX_LENGTH = 400  # characters of a formula after rewriting
MAX_NODES = 200
MAX_DEPTH = 40
MAX_EXPONENT = 100  # |n| of a numeric exponent in the symbolic check
MAX_DIGITS = 40  # digits of one number literal


class Unreadable(ValueError):
    """The text is not a formula this grader reads (the message says why)."""


class Timeout(BaseException):
    """A cell's time limit ran out. A BaseException, so that no ``except
    Exception`` inside SymPy can swallow it."""


# A parsed formula: ("n", value, literal) | ("v", name) | (op, left, right) with
# op in + - * / ^ | ("neg", x) | ("f", function name, x)
Node = tuple[Any, ...]

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPER_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_REPLACE = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-",
    "·": "*", "⋅": "*", "×": "*", "∙": "*", "•": "*", "∗": "*",
    "÷": "/", "∕": "/",
    "σ": " sigmoid ", "π": " pi ", "√": " sqrt ",
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)

# name -> (float function, SymPy builder); students may use every one of these
FUNCTIONS: dict[str, Callable[[float], float]] = {}
# words read as another function (a word that is one of the question's variables stays the variable)
_ALIASES = {"ln": "log", "abs": "Abs", "sgn": "sign", "logistic": "sigmoid", "sig": "sigmoid", "sigma": "sigmoid",
            "max": "Max"}
_TWO_ARGUMENTS = frozenset({"Max"})  # read only as max(0, u) or max(u, 0): the ReLU


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


FUNCTIONS.update(
    {
        "exp": math.exp, "log": math.log, "sqrt": math.sqrt,
        "sin": math.sin, "cos": math.cos, "tan": math.tan,
        "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
        "sech": lambda x: 1.0 / math.cosh(x),
        "sigmoid": _sigmoid, "Abs": abs, "sign": _sign,
        "softplus": _softplus, "relu": lambda x: max(0.0, x),
    }
)
CONSTANTS = {"e": math.e, "E": math.e, "pi": math.pi}


def normalize(text: str, names: frozenset[str], functions: frozenset[str]) -> str:
    """Rewrite typed maths into Python operator syntax (``**``, explicit ``*``).

    ``names`` are the variables and constants a formula may use and
    ``functions`` the callable names (both lower-case as typed); an unknown
    word is split into known ones when it can be (``x1x2``, ``ex1``)."""
    text = _SUPER_RUN.sub(_superscript, text)
    text = "".join(_REPLACE.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKC", text)
    tokens = list(_tokens(text, names, functions))
    return " ".join(_implicit(tokens, functions))


def _superscript(m: re.Match[str]) -> str:
    power = m.group(0).translate(_SUPERSCRIPTS)
    return "^" + power + " " if power.isdigit() else "^(" + power + ")"


def _tokens(text: str, names: frozenset[str], functions: frozenset[str]) -> Iterator[tuple[str, str]]:
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            ch = text[pos:].lstrip()[:1]
            raise Unreadable(f"unexpected character {ch!r}")
        pos = m.end()
        if m.group("num") is not None:
            literal = m.group("num")
            if sum(c.isdigit() for c in literal) > MAX_DIGITS:
                raise Unreadable("a number with too many digits")
            yield "num", literal
        elif m.group("name") is not None:
            word = m.group("name").lower()
            word = word if word in names else _ALIASES.get(word, word)
            if word in names or word in functions:
                yield ("fun" if word in functions else "name"), word
            else:
                pieces = _split(word, names | functions)
                if pieces is None:
                    raise Unreadable(f"unknown name {m.group('name')!r}")
                for piece in pieces:
                    if piece.isdigit():
                        yield "num", piece
                    else:
                        yield ("fun" if piece in functions else "name"), piece
        else:
            op = m.group("op")
            yield "op", "**" if op == "^" else op


def _split(word: str, known: frozenset[str]) -> list[str] | None:
    """``word`` as a run of known names and digit groups (longest names first), or None."""
    if len(word) > 40:
        return None
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for i in range(len(word)):
        prefix = best[i]
        if prefix is None:
            continue
        for j in range(len(word), i, -1):
            piece = word[i:j]
            if (piece in known or piece.isdigit()) and best[j] is None:
                best[j] = prefix + [piece]
    return best[len(word)]


def _implicit(tokens: list[tuple[str, str]], functions: frozenset[str]) -> list[str]:
    """Insert the ``*`` of implicit products, brackets after ``ln x`` and move
    ``tanh^2(z)`` to ``(tanh(z))**2``."""
    out: list[str] = []
    k = 0
    prev = ""  # kind of the previous emitted token: "atom", "close", "fun", "op", ""
    while k < len(tokens):
        kind, text = tokens[k]
        if kind == "fun":
            if prev in ("atom", "close"):
                out.append("*")
            # tanh^2(z) or tanh**2(z): the power of the function's value
            if k + 3 < len(tokens) and tokens[k + 1] == ("op", "**") and tokens[k + 2][0] == "num" and tokens[k + 3] == ("op", "("):
                close = _matching(tokens, k + 3)
                inner = _implicit(tokens[k + 4 : close], functions)
                out += ["(", text, "("] + inner + [")", ")", "**", tokens[k + 2][1]]
                k = close + 1
                prev = "atom"
                continue
            if k + 1 < len(tokens) and tokens[k + 1][0] in ("num", "name"):
                out += [text, "(", tokens[k + 1][1], ")"]  # ln x1
                k += 2
                prev = "atom"
                continue
            out.append(text)
            prev = "fun"
        elif kind in ("num", "name"):
            if prev in ("atom", "close") and not (kind == "num" and out and _is_number(out[-1])):
                out.append("*")
            out.append(text)
            prev = "atom"
        elif text == "(":
            if prev in ("atom", "close"):
                out.append("*")
            out.append(text)
            prev = "op"
        elif text == ")":
            out.append(text)
            prev = "close"
        else:
            out.append(text)
            prev = "op"
        k += 1
    return out


def _is_number(token: str) -> bool:
    return bool(token) and (token[0].isdigit() or token[0] == ".")


def _matching(tokens: list[tuple[str, str]], open_at: int) -> int:
    depth = 0
    for k in range(open_at, len(tokens)):
        if tokens[k] == ("op", "("):
            depth += 1
        elif tokens[k] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return k
    raise Unreadable("unbalanced brackets")


_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}


def _parse(code: str, names: frozenset[str], functions: frozenset[str]) -> Node:
    if len(code) > MAX_LENGTH:
        raise Unreadable(f"longer than {MAX_LENGTH} characters")
    depth = 0
    for ch in code:
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if depth > MAX_DEPTH:
            raise Unreadable("brackets nested too deeply")
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        raise Unreadable("not a formula (check the brackets and operators)") from None
    count = [0]
    return _build(tree.body, names, functions, count, 0)


def _build(node: ast.AST, names: frozenset[str], functions: frozenset[str], count: list[int], depth: int) -> Node:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise Unreadable("too long a formula")
    if depth > MAX_DEPTH:
        raise Unreadable("nested too deeply")
    d = depth + 1
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return (_BINOPS[type(node.op)], _build(node.left, names, functions, count, d), _build(node.right, names, functions, count, d))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, names, functions, count, d)
        return ("neg", inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        literal = repr(node.value) if isinstance(node.value, float) else str(node.value)
        return ("n", float(node.value), literal)
    if isinstance(node, ast.Name) and node.id in names:
        return ("v", node.id)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
            and node.func.id not in _TWO_ARGUMENTS and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
        return ("f", node.func.id, _build(node.args[0], names, functions, count, d))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _TWO_ARGUMENTS
            and node.func.id in functions and len(node.args) == 2 and not node.keywords):
        a, b = (_build(arg, names, functions, count, d) for arg in node.args)
        if _is_zero(a):
            return ("f", "relu", b)
        if _is_zero(b):
            return ("f", "relu", a)
        raise Unreadable("max is read only as max(0, ...), the ReLU")
    raise Unreadable("not a formula this grader reads")


def _is_zero(node: Node) -> bool:
    return bool(node[0] == "n" and node[1] == 0.0)


def parse(text: str, variables: frozenset[str], extra_functions: frozenset[str] = frozenset()) -> Node:
    """Parse student text into a :data:`Node` using only ``variables``, e, pi
    and the allow-listed functions (plus ``extra_functions``, e.g. the
    question's own ``f``). Raises :class:`Unreadable`."""
    if len(text) > 4 * MAX_LENGTH:
        raise Unreadable(f"longer than {MAX_LENGTH} characters")
    names = frozenset(v.lower() for v in variables) | {"e", "pi"}
    functions = frozenset(FUNCTIONS) | _TWO_ARGUMENTS | extra_functions  # typed words are lowered, then aliased (abs -> Abs)
    code = normalize(text, names, functions)
    if not code.strip():
        raise Unreadable("empty")
    tree = _parse(code, names, functions)
    return _rename(tree, {v.lower(): v for v in variables})


def _rename(node: Node, names: Mapping[str, str]) -> Node:
    if node[0] == "v":
        return ("v", names.get(node[1], node[1]))
    if node[0] == "n":
        return node
    if node[0] == "f":
        return ("f", node[1], _rename(node[2], names))
    return (node[0],) + tuple(_rename(child, names) for child in node[1:])


def parse_trusted(text: str, names: frozenset[str]) -> Node:
    """Parse generator-written SymPy text (an answers.json key): the same
    allow-list, without the rewriting of typed input."""
    return _parse(text, names | frozenset(CONSTANTS), frozenset(FUNCTIONS) | _TWO_ARGUMENTS)


def substitute(node: Node, values: Mapping[str, Node]) -> Node:
    """``node`` with each variable named in ``values`` replaced by its tree
    (g1 by the question's own g1 in x1 and x2)."""
    if node[0] == "v":
        return values.get(node[1], node)
    if node[0] == "n":
        return node
    if node[0] == "f":
        return ("f", node[1], substitute(node[2], values))
    return (node[0],) + tuple(substitute(child, values) for child in node[1:])


def subtrees(node: Node) -> Iterator[Node]:
    """``node`` and every tree inside it."""
    yield node
    if node[0] == "f":
        yield from subtrees(node[2])
    elif node[0] not in ("n", "v"):
        for child in node[1:]:
            yield from subtrees(child)


def variables_of(node: Node) -> set[str]:
    if node[0] == "v":
        return {node[1]}
    if node[0] == "n":
        return set()
    out: set[str] = set()
    for child in node[2:] if node[0] == "f" else node[1:]:
        out |= variables_of(child)
    return out


Env = Mapping[str, float]
Extra = Mapping[str, Callable[[float], float]]


def evaluate(node: Node, env: Env, extra: Extra | None = None) -> float:
    """The value of ``node`` in floating point; NaN where it is undefined or
    overflows (never a huge integer: every constant is a float)."""
    try:
        value = _eval(node, env, extra or {})
    except (OverflowError, ZeroDivisionError, ValueError, TypeError, RecursionError):
        return math.nan
    return value if math.isfinite(value) else math.nan


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _eval(node: Node, env: Env, extra: Extra) -> float:
    op = node[0]
    if op == "n":
        return float(node[1])
    if op == "v":
        name = node[1]
        return env[name] if name in env else CONSTANTS[name]
    if op == "neg":
        return -_eval(node[1], env, extra)
    if op == "f":
        fn = extra.get(node[1]) or FUNCTIONS[node[1]]
        return float(fn(_eval(node[2], env, extra)))
    a = _eval(node[1], env, extra)
    b = _eval(node[2], env, extra)
    if op in ARITHMETIC:
        return float(ARITHMETIC[op](a, b))
    result = a**b
    if isinstance(result, complex):
        raise ValueError("complex power")
    return float(result)


Sym = Any  # SymPy objects are untyped


def to_sympy(node: Node, symbols: Mapping[str, Sym], functions: Mapping[str, Callable[[Sym], Sym]] | None = None) -> Sym:
    """SymPy object of a parsed formula. Numeric exponents are capped and
    numbers stay exact (``0.5`` becomes 1/2)."""
    import sympy

    fns = functions or {}
    op = node[0]
    if op == "n":
        return sympy.Rational(Fraction(node[2]))  # exact: 0.1 is 1/10 (inf raises ValueError: unreadable)
    if op == "v":
        if node[1] in symbols:
            return symbols[node[1]]
        return sympy.pi if node[1] == "pi" else sympy.E
    if op == "neg":
        return -to_sympy(node[1], symbols, fns)
    if op == "f":
        arg = to_sympy(node[2], symbols, fns)
        if node[1] in fns:
            return fns[node[1]](arg)
        return _sympy_functions()[node[1]](arg)
    a = to_sympy(node[1], symbols, fns)
    b = to_sympy(node[2], symbols, fns)
    if op in ARITHMETIC:
        return ARITHMETIC[op](a, b)
    if b.is_Number and abs(b) > MAX_EXPONENT:
        raise Unreadable("an exponent too large to check")
    if a.is_Number and b.is_Number and abs(a) > 10**6:
        raise Unreadable("a power too large to check")
    if not b.is_Number and _depth_of_pow(node) > 3:
        raise Unreadable("a tower of powers too tall to check")
    return a**b


def _depth_of_pow(node: Node) -> int:
    if node[0] == "^":
        return 1 + max(_depth_of_pow(node[1]), _depth_of_pow(node[2]))
    return 0


@lru_cache(maxsize=1)
def _sympy_functions() -> dict[str, Callable[[Sym], Sym]]:
    import sympy

    return {
        "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
        "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
        "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
        "sech": lambda x: 1 / sympy.cosh(x),
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
        "Abs": sympy.Abs, "sign": sympy.sign,
        "softplus": lambda x: sympy.log(1 + sympy.exp(x)), "relu": lambda x: sympy.Max(0, x),
    }


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` in the block after ``seconds`` (SIGALRM, in the
    main thread; elsewhere the caps on size alone bound the work)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)  # and again every 50 ms until the block ends
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

