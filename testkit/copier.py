"""What a student who copies a classmate's function does to hide it: planted copies for the similarity tests.

Each transformation takes the source of a solution cell (a contract
function, maybe helpers) and returns it changed the way copiers change code,
without changing what it computes. They are written here, apart from the
similarity stage's normalisation (:mod:`autograder.similarity`), and
mostly on the text: the tests must not plant copies with the code that is
meant to see through them. :func:`disguise` applies several, chosen by a seed.

* :func:`rename` – every local variable, helper and helper parameter renamed (not the contract's parameters);
* :func:`reformat` – the code laid out anew (``ast.unparse``: spacing, quotes, parentheses, line breaks);
* :func:`comment` – comments added, the docstring replaced by one of the copier's own;
* :func:`strip_comments` – comments and docstrings removed;
* :func:`swap_independent` – two adjacent one-line assignments that do not touch each other's names swapped;
* :func:`add_dead_code` – an unused variable, an ``if False:`` block, a statement after the last ``return``
  and an unused helper;
* :func:`split_helper` – one assignment's value moved into a new helper function;
* :func:`inline_helper` – a one-``return`` helper written in place of its calls;
* :func:`tweak` – small edits that keep the value (operands of ``*`` and ``+`` swapped, ``np.sum(x)`` ↔
  ``x.sum()``): what the normalisation does not undo, so a copy is not identical after it;

and what hides which code is graded, or spells the same computation another way (issue 52's red teams):

* :func:`alias` – the function renamed and bound to its contract name (``softmax = _softmax_impl``);
* :func:`if_true` – the whole cell inside ``if True:``;
* :func:`instance` – the function as the ``__call__`` of a class, the name bound to an instance;
* :func:`class_method` – the function as a class's ``forward``, under a one-line ``def`` that calls it;
* :func:`decoy` – a ``def`` of the contract name that is never graded, before the real one bound by alias;
* :func:`ufuncs` – operators as NumPy ufuncs (``np.subtract``, ``np.multiply``, ``np.true_divide``, ``np.add``),
  ``np.sum``/``np.max`` as ``np.add.reduce``/``np.maximum.reduce``;
* :func:`keywords` – an ``axis`` or ``dtype`` given by keyword written by position, and the other way round;
* :func:`row_loop` – a function with an ``axis`` computed row by row: the copy applied to each row in a loop.
"""

from __future__ import annotations

import ast
import io
import random
import re
import tokenize

from autograder.model.course import ALL_FUNCTIONS

#: Names a copier picks (a pool large enough for any specimen).
NEW_NAMES = ("val", "tmp", "arr", "res", "out2", "acc", "q", "w8", "buf", "thing", "mx", "tot", "nrm", "lg", "ex",
             "stuff", "holder", "aux", "part", "cur", "prev_", "xs", "ys", "zz", "mm", "kk", "pp", "aa", "bb", "cc")


def _functions(tree):
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def rename(source: str, contract: str, seed: int = 0) -> str:
    """Every name a copier may rename: local variables (not the contract functions' parameters), helpers and
    their parameters, written anew at their exact positions in the text (never a contract function's name:
    the notebook's test cells call it)."""
    tree = ast.parse(source)
    rng = random.Random(seed)
    pool = [n for n in NEW_NAMES if n not in source]
    rng.shuffle(pool)
    helpers = {f.name for f in _functions(tree) if f.name not in ALL_FUNCTIONS}
    fixed = {a.arg for f in _functions(tree) if f.name in ALL_FUNCTIONS
             for a in f.args.posonlyargs + f.args.args + f.args.kwonlyargs}
    names = set(helpers)
    for f in _functions(tree):
        for node in ast.walk(f):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg) and f.name not in ALL_FUNCTIONS:
                names.add(node.arg)
    # names read inside an f-string stay (tokenize reads an f-string as one token before Python 3.12)
    in_fstrings = {n.id for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for n in ast.walk(j)
                   if isinstance(n, ast.Name)}
    new = {old: pool.pop() + ("_" if old.startswith("_") else "") for old in sorted(names - fixed - in_fstrings)
           if pool}
    spots = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in new:
            spots[(node.lineno, node.col_offset)] = new[node.id]
        elif isinstance(node, ast.arg) and node.arg in new:
            spots[(node.lineno, node.col_offset)] = new[node.arg]
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and (tok.start in spots or (tok.string in helpers and tok.string in new)):
            tok = tok._replace(string=spots.get(tok.start, new.get(tok.string)))
        out.append(tok)
    return tokenize.untokenize(out)


def reformat(source: str) -> str:
    """The code laid out by ``ast.unparse`` (this also drops the comments)."""
    return ast.unparse(ast.parse(source)) + "\n"


def strip_comments(source: str) -> str:
    """Comments and docstrings removed (the layout otherwise kept)."""
    tree = ast.parse(source)
    drop, keep = set(), {}  # line numbers to drop; line number -> what stands there instead
    for f in ast.walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.body and isinstance(f.body[0], ast.Expr) \
                and isinstance(f.body[0].value, ast.Constant) and isinstance(f.body[0].value.value, str):
            drop.update(range(f.body[0].lineno, f.body[0].end_lineno + 1))
            if len(f.body) == 1:  # a docstring alone is the body: a `pass` keeps the function
                keep[f.body[0].lineno] = " " * f.body[0].col_offset + "pass"
    lines = [keep[i] if i in keep else re.sub(r"\s+#[^'\"]*$", "", line) if not line.lstrip().startswith("#") else ""
             for i, line in enumerate(source.split("\n"), 1) if i not in drop or i in keep]
    return "\n".join(line for line in lines if line.strip() or not line) + "\n"


def comment(source: str, seed: int = 0) -> str:
    """A comment above some statements and at the end of others; the docstring replaced by a short one."""
    rng = random.Random(seed)
    remarks = ("# compute it", "# step", "# TODO check this", "# numerically stable", "# the formula from class",
               "# make sure it's an array", "# done")
    out: list[str] = []
    lines = strip_comments(source).split("\n")
    for n, line in enumerate(lines):
        stripped = line.strip()
        indent = line[:len(line) - len(line.lstrip())]
        continued = bool(out) and out[-1].endswith("\\")  # (no line may come between a backslash and what it joins)
        if stripped.startswith("def ") and stripped.endswith(":"):  # (a signature over several lines gets none)
            out.append(line)
            body = next((b for b in lines[n + 1:] if b.strip()), "")  # the docstring takes the body's indentation
            out.append(body[:len(body) - len(body.lstrip())] + '"""My implementation."""')
            continue
        if stripped and not continued and not stripped.startswith(("@", "else", "elif", "except", "finally")) \
                and rng.random() < 0.3:
            out.append(indent + rng.choice(remarks))
        if stripped and not stripped.endswith(("(", "[", "{", ",", "\\", ":")) and rng.random() < 0.2:
            line += "  " + rng.choice(remarks)
        out.append(line)
    return "\n".join(out)


def _one_liners(body):
    return [s for s in body if isinstance(s, ast.Assign) and s.lineno == s.end_lineno]


def swap_independent(source: str, seed: int = 0) -> str:
    """Two adjacent one-line assignments swapped, where neither reads or writes a name the other writes."""
    tree = ast.parse(source)
    lines = source.split("\n")
    rng = random.Random(seed)
    candidates = []
    for f in _functions(tree):
        for node in ast.walk(f):
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                continue
            for a, b in zip(body, body[1:]):
                if a in _one_liners(body) and b in _one_liners(body) and b.lineno == a.lineno + 1:
                    names_a = {n.id for n in ast.walk(a) if isinstance(n, ast.Name)}
                    names_b = {n.id for n in ast.walk(b) if isinstance(n, ast.Name)}
                    stores_a = {n.id for t in a.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                    stores_b = {n.id for t in b.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                    if not (stores_a & names_b) and not (stores_b & names_a) and "(" not in lines[a.lineno - 1][-1:]:
                        candidates.append((a.lineno, b.lineno))
    if not candidates:
        return source
    i, j = rng.choice(candidates)
    lines[i - 1], lines[j - 1] = lines[j - 1], lines[i - 1]
    return "\n".join(lines)


def add_dead_code(source: str, contract: str, seed: int = 0) -> str:
    """Code that changes nothing: an unused variable, an ``if False:`` block, a statement after the last
    ``return`` of the function, and an unused helper."""
    tree = ast.parse(source)
    f = next((f for f in _functions(tree) if f.name == contract), None)
    if f is None or not (f.args.args or f.args.kwonlyargs):
        return source
    rng = random.Random(seed)
    lines = source.split("\n")
    first = f.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(f.body) > 1:
        first = f.body[1]
    indent = " " * first.col_offset
    param = (f.args.args or f.args.kwonlyargs)[0].arg
    junk = [f"{indent}_debug_copy = {param}",
            f"{indent}if False:",
            f"{indent}    print('checking', {param})",
            f"{indent}counter = 0" if rng.random() < 0.5 else f"{indent}scale_unused = 2.0 * 1.5"]
    lines[first.lineno - 1:first.lineno - 1] = junk
    out = "\n".join(lines)
    last = f.body[-1]
    if isinstance(last, ast.Return):
        end = last.end_lineno + len(junk)
        lines = out.split("\n")
        lines.insert(end, f"{' ' * last.col_offset}return None  # never reached")
        out = "\n".join(lines)
    return out + "\n\ndef _unused_helper(a, b):\n    return a * b + 1\n"


def split_helper(source: str, contract: str, seed: int = 0) -> str:
    """One assignment's value in the function (one that uses at least two local names) moved into a new helper
    ``_part(...)`` of those names."""
    tree = ast.parse(source)
    f = next((f for f in _functions(tree) if f.name == contract), None)
    if f is None:
        return source
    rng = random.Random(seed)
    bound = {a.arg for a in f.args.args + f.args.kwonlyargs} | {
        n.id for n in ast.walk(f) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    options = []
    for node in ast.walk(f):
        if isinstance(node, (ast.Assign, ast.Return)) and node.value is not None and not isinstance(
                node.value, (ast.Name, ast.Constant)):
            used = sorted({n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in bound})
            if used and not any(isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr))
                                for n in ast.walk(node.value)):
                options.append((node, used))
    if not options:
        return source
    node, used = rng.choice(options)
    helper = f"def _part({', '.join(used)}):\n    return {ast.unparse(node.value)}\n\n\n"
    call = ast.parse(f"_part({', '.join(used)})", mode="eval").body
    node.value = call
    return helper + ast.unparse(tree) + "\n"


def inline_helper(source: str, contract: str) -> str:
    """A helper whose body is one ``return`` written in place of its calls (its parameters replaced by the
    call's arguments, in parentheses); the helper removed when nothing calls it any more."""
    tree = ast.parse(source)
    simple = {f.name: f for f in _functions(tree) if f.name != contract and len(f.body) == 1
              and isinstance(f.body[0], ast.Return) and f.body[0].value is not None and not f.args.vararg
              and not f.args.kwonlyargs and not f.args.defaults}

    class Inline(ast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if isinstance(node.func, ast.Name) and node.func.id in simple and not node.keywords \
                    and len(node.args) == len(simple[node.func.id].args.args):
                helper = simple[node.func.id]
                values = {a.arg: v for a, v in zip(helper.args.args, node.args)}
                return ast.parse(ast.unparse(_Replace(values).visit(ast.parse(ast.unparse(helper.body[0].value),
                                                                                  mode="eval"))), mode="eval").body
            return node

    tree = Inline().visit(tree)
    called = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}  # called, or passed as a value
    tree.body = [n for n in tree.body if not (isinstance(n, ast.FunctionDef) and n.name in simple
                                              and n.name not in called)]
    return ast.unparse(tree) + "\n"


class _Tweak(ast.NodeTransformer):
    """Small edits that keep the value: ``a * b`` → ``b * a``, ``np.sum(x)`` ↔ ``x.sum()``, ``0.5 * x`` → ``x / 2``."""

    def __init__(self, rng, rate):
        self.rng, self.rate = rng, rate

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Mult, ast.Add)) and self.rng.random() < self.rate:
            return ast.BinOp(node.right, node.op, node.left)
        if isinstance(node.op, ast.Mult) and isinstance(node.left, ast.Constant) and node.left.value == 0.5:
            return ast.BinOp(node.right, ast.Div(), ast.Constant(2))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np" \
                and f.attr in ("sum", "max", "mean") and len(node.args) == 1 and self.rng.random() < self.rate:
            return ast.Call(ast.Attribute(node.args[0], f.attr, ast.Load()), [], node.keywords)
        if isinstance(f, ast.Attribute) and f.attr in ("sum", "max", "mean") and not node.args \
                and isinstance(f.value, ast.Name) and self.rng.random() < self.rate:
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), f.attr, ast.Load()), [f.value], node.keywords)
        return node


def tweak(source: str, seed: int = 0, rate: float = 0.3) -> str:
    """Small edits that keep what the code computes (see :class:`_Tweak`), each made with probability ``rate``."""
    return ast.unparse(ast.fix_missing_locations(_Tweak(random.Random(seed), rate).visit(ast.parse(source)))) + "\n"


class _Replace(ast.NodeTransformer):
    def __init__(self, values):
        self.values = values

    def visit_Name(self, node):
        return self.values.get(node.id, node) if isinstance(node.ctx, ast.Load) else node


def _contract_def(tree, contract: str):
    return next((f for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and f.name == contract), None)


def alias(source: str, contract: str, seed: int = 0) -> str:
    """The contract function renamed (``_<name>_impl``, or another private name) and bound by an alias."""
    tree = ast.parse(source)
    f = _contract_def(tree, contract)
    if f is None:
        return source
    new = random.Random(seed).choice(["_{}_impl", "_my_{}", "{}_v2", "_{}_core"]).format(contract)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == contract:
            node.id = new
    f.name = new
    return ast.unparse(tree) + f"\n\n{contract} = {new}\n"


def if_true(source: str) -> str:
    """The whole cell inside ``if True:`` (imports and helpers too)."""
    body = "\n".join("    " + line if line.strip() else line for line in source.split("\n"))
    return "if True:\n" + body + "\n"


def _call_args(args: ast.arguments) -> str:
    """The parameters of ``args`` passed on by name (``z, axis=axis, temperature=temperature``)."""
    positional = [a.arg for a in args.posonlyargs + args.args]
    out = positional + ([f"*{args.vararg.arg}"] if args.vararg else [])
    out += [f"{a.arg}={a.arg}" for a in args.kwonlyargs] + ([f"**{args.kwarg.arg}"] if args.kwarg else [])
    return ", ".join(out)


def _into_class(tree: ast.Module, f: ast.FunctionDef | ast.AsyncFunctionDef, name: str, method: str,
                after: ast.stmt) -> str:
    """``tree``'s source with ``f`` turned into method ``method`` of a new class ``name``, ``after`` following it."""
    f.args.args.insert(0, ast.arg("self"))
    f.name = method
    cls = ast.ClassDef(name, [], [], [f], [], type_params=[])
    index = tree.body.index(f)
    tree.body[index:index + 1] = [cls, after]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def instance(source: str, contract: str, seed: int = 0) -> str:
    """The contract function as the ``__call__`` of a class; the contract name bound to an instance."""
    tree = ast.parse(source)
    f = _contract_def(tree, contract)
    if f is None:
        return source
    name = random.Random(seed).choice(["_Impl", "_{}Fn", "Op", "_Callable"]).format(contract.title().replace("_", ""))
    return _into_class(tree, f, name, "__call__", ast.parse(f"{contract} = {name}()").body[0])


def class_method(source: str, contract: str, seed: int = 0) -> str:
    """The contract function as ``forward`` of a class, and a one-line ``def`` of the contract name calling it."""
    tree = ast.parse(source)
    f = _contract_def(tree, contract)
    if f is None:
        return source
    rng = random.Random(seed)
    name, method = rng.choice(["Layer", "Model", "Impl", "Module"]), rng.choice(["forward", "compute", "apply"])
    wrapper = ast.parse(f"def {contract}({ast.unparse(f.args)}):\n    return {name}().{method}({_call_args(f.args)})\n").body[0]
    return _into_class(tree, f, name, method, wrapper)


def decoy(source: str, contract: str, seed: int = 0) -> str:
    """A short ``def`` of the contract name first (never graded), the real one bound after it by alias."""
    tree = ast.parse(source)
    f = _contract_def(tree, contract)
    if f is None:
        return source
    first = (f.args.posonlyargs + f.args.args + f.args.kwonlyargs)[0].arg
    fake = f"def {contract}({ast.unparse(f.args)}):\n    # first try\n    return {first}\n\n\n"
    return fake + alias(source, contract, seed)


class _Ufuncs(ast.NodeTransformer):
    """``a - b`` → ``np.subtract(a, b)`` … and ``np.sum``/``np.max`` → ``np.add.reduce``/``np.maximum.reduce``."""

    NAMES = {ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "true_divide", ast.Add: "add"}
    REDUCE = {"sum": "add", "max": "maximum", "amax": "maximum", "min": "minimum", "prod": "multiply"}

    def __init__(self, rng, rate, np_name):
        self.rng, self.rate, self.np = rng, rate, np_name

    def visit_BinOp(self, node):
        self.generic_visit(node)
        name = self.NAMES.get(type(node.op))
        constant = isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)
        if name and not constant and self.rng.random() < self.rate:
            return ast.Call(ast.Attribute(ast.Name(self.np, ast.Load()), name, ast.Load()), [node.left, node.right],
                            [])
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == self.np \
                and f.attr in self.REDUCE and node.args and self.rng.random() < self.rate \
                and all(k.arg in ("axis", "keepdims") for k in node.keywords) and len(node.args) <= 2:
            ufunc = ast.Attribute(ast.Name(self.np, ast.Load()), self.REDUCE[f.attr], ast.Load())
            keywords = node.keywords if any(k.arg == "axis" for k in node.keywords) or len(node.args) == 2 else \
                node.keywords + [ast.keyword("axis", ast.Constant(None))]
            return ast.Call(ast.Attribute(ufunc, "reduce", ast.Load()), node.args, keywords)
        return node


def _numpy_name(tree) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "numpy":
                    return a.asname or "numpy"
    return ""


def ufuncs(source: str, seed: int = 0, rate: float = 0.6) -> str:
    """Operators and reductions written as NumPy ufuncs (see :class:`_Ufuncs`), each with probability ``rate``."""
    tree = ast.parse(source)
    np_name = _numpy_name(tree)
    if not np_name:
        return source
    tree = _Ufuncs(random.Random(seed), rate, np_name).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


class _Keywords(ast.NodeTransformer):
    REDUCTIONS = frozenset({"sum", "max", "min", "mean", "amax", "amin", "prod", "std", "var", "argmax", "argmin",
                            "cumsum", "expand_dims", "squeeze"})

    def __init__(self, rng):
        self.rng = rng

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else ""
        if name in self.REDUCTIONS and isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy"):
            axis = [k for k in node.keywords if k.arg == "axis"]
            if axis and len(node.args) == 1 and self.rng.random() < 0.7:
                node.keywords = [k for k in node.keywords if k.arg != "axis"]
                node.args = node.args + [axis[0].value]
            elif len(node.args) == 2 and self.rng.random() < 0.7:
                node.keywords = [ast.keyword("axis", node.args[1])] + node.keywords
                node.args = node.args[:1]
        elif name in ("asarray", "array") and isinstance(f.value, ast.Name) and self.rng.random() < 0.7:
            dtype = [k for k in node.keywords if k.arg == "dtype"]
            if dtype and len(node.args) == 1:
                node.keywords = [k for k in node.keywords if k.arg != "dtype"]
                node.args = node.args + [dtype[0].value]
            elif len(node.args) == 2:
                node.keywords = [ast.keyword("dtype", node.args[1])] + node.keywords
                node.args = node.args[:1]
        return node


def keywords(source: str, seed: int = 0) -> str:
    """``np.sum(x, axis=1)`` ↔ ``np.sum(x, 1)`` and ``np.asarray(x, dtype=float)`` ↔ ``np.asarray(x, float)``."""
    tree = _Keywords(random.Random(seed)).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def row_loop(source: str, contract: str, seed: int = 0) -> str:
    """A function with an ``axis`` parameter computed row by row: the copy renamed ``_row_<name>`` and applied
    to each slice along ``axis`` in a loop (the result's axis put back); others are left as they are."""
    tree = ast.parse(source)
    f = _contract_def(tree, contract)
    params = [a.arg for a in f.args.args] if f is not None else []
    if f is None or "axis" not in params or not _numpy_name(tree):
        return source
    np_name = _numpy_name(tree)
    helper = f"_row_{contract}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == contract:
            node.id = helper
    f.name = helper
    others = [p for p in params if p not in ("axis",)][1:]
    rest = "".join(f", {p}" for p in others)
    rng = random.Random(seed)
    out, slab, idx = rng.choice([("out", "rows", "i"), ("res", "moved", "k"), ("result", "data", "ix")])
    first = params[0]
    reduces = contract in ("logsumexp", "entropy", "kl_divergence", "js_divergence")
    shape = f"{slab}.shape[:-1]" if reduces else f"{slab}.shape"
    put_back = out if reduces else f"{np_name}.moveaxis({out}, -1, axis)"
    second = ""
    if contract in ("kl_divergence", "js_divergence"):
        second = f"\n    other = {np_name}.moveaxis({np_name}.asarray({others[0]}, dtype=float), axis, -1)"
        rest = ", other[" + idx + "]" + "".join(f", {p}" for p in others[1:])
    wrapper = (f"def {contract}({ast.unparse(f.args)}):\n"
               f"    {slab} = {np_name}.moveaxis({np_name}.asarray({first}, dtype=float), axis, -1){second}\n"
               f"    {out} = {np_name}.empty({shape})\n"
               f"    for {idx} in {np_name}.ndindex({slab}.shape[:-1]):\n"
               f"        {out}[{idx}] = {helper}({slab}[{idx}], -1{rest})\n"
               f"    return {put_back}\n")
    tree.body.insert(tree.body.index(f) + 1, ast.parse(wrapper).body[0])
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


#: The transformations :func:`disguise` chooses from, with what they need.
STEPS = ("rename", "reformat", "comment", "strip_comments", "swap_independent", "add_dead_code", "split_helper",
         "inline_helper", "tweak", "alias", "if_true", "instance", "class_method", "decoy", "ufuncs", "keywords",
         "row_loop")
#: The steps of issue 52's red teams (what hides the graded code, and the other spellings).
REWRITES = ("alias", "if_true", "instance", "class_method", "decoy", "ufuncs", "keywords", "row_loop")


def _ordered(chosen: list) -> list:
    """The steps in the order chosen, but those that hide the contract's ``def`` (binding steps) last but
    ``if_true``, which goes at the very end (the others read the cell's top level), and the text-level
    ``comment``/``strip_comments`` after them: a step that rewrites the tree would drop their comments."""
    binding = ("alias", "instance", "class_method", "decoy", "row_loop")
    text = ("comment", "strip_comments")
    head = [s for s in chosen if s not in binding + text + ("if_true",)]
    return head + [s for s in chosen if s in binding] + [s for s in chosen if s in text] + \
        [s for s in chosen if s == "if_true"]


def disguise(source: str, contract: str, seed: int, steps: int = 4) -> tuple:
    """``(copy, applied steps)``: ``steps`` transformations chosen by ``seed`` (renaming always among them),
    applied in a random order; each keeps the code valid Python that computes the same thing."""
    rng = random.Random(seed)
    source = source.expandtabs(4) if "\t" in source and ast.parse(source.expandtabs(4)) else source
    chosen = ["rename"] + rng.sample([s for s in STEPS if s != "rename"], steps - 1)
    rng.shuffle(chosen)
    out = source
    for step in _ordered(chosen):
        if step in ("rename", "add_dead_code", "split_helper", "alias", "instance", "class_method", "decoy",
                    "row_loop"):
            out = globals()[step](out, contract, rng.randrange(1 << 30))
        elif step == "inline_helper":
            out = inline_helper(out, contract)
        elif step in ("comment", "swap_independent", "tweak", "ufuncs", "keywords"):
            out = globals()[step](out, rng.randrange(1 << 30))
        else:
            out = globals()[step](out)
        ast.parse(out)  # still Python
    return out, tuple(chosen)
