"""Static performance advice for Python source, from its syntax tree.

Rules (each finding has a location, a reason and a suggested rewrite):

    string-concat-in-loop     `s += ...` on a string inside a loop: quadratic copying
    regex-compile-in-loop     `re.compile` (or `re.<fn>` with a literal pattern) per iteration
    list-membership-in-loop   `x in some_list` per iteration: a linear scan each time
    pandas-iterrows           `DataFrame.iterrows()`: a Series built per row
    pandas-apply-rows         `.apply(f, axis=1)`: a Python call per row
    blocking-call-in-async    `time.sleep`, `requests.*`, `subprocess.*`, file I/O... in `async def`
    per-item-call-in-loop     a model or database call per loop item instead of one batch

A line ending in `# perf: ignore` is skipped. Loops include comprehensions for
the rules where one iteration's cost is the point (regex, membership, per-item
calls), not for string building (a comprehension does not concatenate).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

_RE_FUNCS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
_BLOCKING = {
    "time.sleep": "await asyncio.sleep(...)",
    "requests.get": "an httpx.AsyncClient (await client.get(...))",
    "requests.post": "an httpx.AsyncClient (await client.post(...))",
    "requests.put": "an httpx.AsyncClient (await client.put(...))",
    "requests.patch": "an httpx.AsyncClient (await client.patch(...))",
    "requests.delete": "an httpx.AsyncClient (await client.delete(...))",
    "requests.head": "an httpx.AsyncClient (await client.head(...))",
    "requests.request": "an httpx.AsyncClient (await client.request(...))",
    "httpx.get": "an httpx.AsyncClient (await client.get(...))",
    "httpx.post": "an httpx.AsyncClient (await client.post(...))",
    "httpx.put": "an httpx.AsyncClient (await client.put(...))",
    "httpx.patch": "an httpx.AsyncClient (await client.patch(...))",
    "httpx.delete": "an httpx.AsyncClient (await client.delete(...))",
    "httpx.request": "an httpx.AsyncClient (await client.request(...))",
    "httpx.Client": "httpx.AsyncClient",
    "urllib.request.urlopen": "an httpx.AsyncClient",
    "subprocess.run": "await asyncio.create_subprocess_exec(...)",
    "subprocess.call": "await asyncio.create_subprocess_exec(...)",
    "subprocess.check_call": "await asyncio.create_subprocess_exec(...)",
    "subprocess.check_output": "await asyncio.create_subprocess_exec(...)",
    "subprocess.Popen": "await asyncio.create_subprocess_exec(...)",
    "os.system": "await asyncio.create_subprocess_shell(...)",
    "socket.create_connection": "await asyncio.open_connection(...)",
    "sqlite3.connect": "aiosqlite, or await asyncio.to_thread(...)",
    "psycopg.connect": "await psycopg.AsyncConnection.connect(...)",
    "psycopg2.connect": "psycopg's AsyncConnection",
    "open": "await asyncio.to_thread(path.read_text) (or aiofiles)",
    "input": "reading stdin through asyncio streams",
}
_BLOCKING_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes"}
# Methods whose per-item use in a loop usually has a batched form.
_BATCHABLE_ANY_RECEIVER = {"predict", "predict_proba", "embed", "embed_query", "infer",
                           "execute", "fetch", "fetchrow", "fetchval", "scalar", "scalars",
                           "find_one", "insert_one", "update_one", "delete_one"}
_BATCHABLE_MODEL_RECEIVER = {"encode", "transform", "generate", "run", "get", "query",
                             "post", "put", "polarity_scores", "classify"}
_MODELISH = ("model", "encoder", "embedder", "nlp", "clf", "classifier", "pipeline", "pipe",
             "llm", "generator", "booster", "regressor", "estimator", "session", "conn",
             "connection", "cursor", "cur", "db", "tx", "graph", "driver", "client", "repo",
             "repository", "use", "usem", "sbert", "analyzer", "tokenizer", "vectorizer")
_MODEL_CALLABLES = {"nlp", "model", "pipeline", "classifier", "encoder", "embedder", "llm"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    line: int
    column: int
    end_line: int
    function: str | None
    code: str
    reason: str
    suggestion: str
    rewrite: str
    path: str = "<source>"


@dataclass
class _Scope:
    name: str | None
    is_async: bool
    list_names: set[str] = field(default_factory=set)
    str_names: set[str] = field(default_factory=set)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _is_list_value(node: ast.AST) -> bool:
    if isinstance(node, ast.List | ast.ListComp):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("list", "sorted")


def _is_str_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("format", "join", "strip", "lower", "upper", "replace") and \
            isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and \
        (_is_str_value(node.left) or _is_str_value(node.right))


def _receiver_name(node: ast.AST) -> str:
    """The last name of a call's receiver: `self.session.execute` -> 'session'."""
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Call):
        return _receiver_name(node.func)
    return ""


def _modelish(name: str) -> bool:
    return any(name == m or name.endswith(("_" + m, m)) for m in _MODELISH)


class _Analyser(ast.NodeVisitor):
    def __init__(self, source: str, path: str) -> None:
        self.lines = source.splitlines()
        self.path = path
        self.findings: list[Finding] = []
        self.imports: dict[str, str] = {}
        self.scopes: list[_Scope] = []
        # each active loop: (names bound by its target plus names derived from them, is_comp)
        self.loops: list[tuple[set[str], bool]] = []

    # ---- bookkeeping -------------------------------------------------------------------
    def _qualified(self, func: ast.AST) -> str | None:
        dotted = _dotted(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        base = self.imports.get(head)
        if base is None:
            return dotted
        return f"{base}.{rest}" if rest else base

    def _emit(self, rule: str, severity: str, node: ast.AST, reason: str, suggestion: str,
              rewrite: str) -> None:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.rstrip().endswith("# perf: ignore"):
            return
        scope_names = [s.name for s in self.scopes if s.name]
        self.findings.append(Finding(
            rule=rule, severity=severity, line=line, column=getattr(node, "col_offset", 0) + 1,
            end_line=getattr(node, "end_lineno", line) or line,
            function=".".join(scope_names) or None, code=text.strip(), reason=reason,
            suggestion=suggestion, rewrite=rewrite, path=self.path))

    def _scan_scope(self, body: list[ast.stmt], scope: _Scope) -> None:
        """Names bound only to lists (or to strings) within this scope's own statements."""
        other: set[str] = set()
        lists: set[str] = set()
        strs: set[str] = set()
        for node in _own_nodes(body):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        if _is_list_value(node.value):
                            lists.add(t.id)
                        elif _is_str_value(node.value):
                            strs.add(t.id)
                        else:
                            other.add(t.id)
        scope.list_names = lists - other
        scope.str_names = strs - other

    def _in_loop(self, *, include_comprehensions: bool) -> bool:
        return any(include_comprehensions or not is_comp for _, is_comp in self.loops)

    def _loop_names(self) -> set[str]:
        out: set[str] = set()
        for names, _ in self.loops:
            out |= names
        return out

    def _visit_scope(self, node: ast.AST, name: str | None, is_async: bool,
                     body: list[ast.stmt]) -> None:
        scope = _Scope(name, is_async)
        self._scan_scope(body, scope)
        self.scopes.append(scope)
        saved, self.loops = self.loops, []
        self.generic_visit(node)
        self.loops = saved
        self.scopes.pop()

    # ---- structure ---------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        self._visit_scope(node, None, False, node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_scope(node, node.name, False, node.body)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_scope(node, node.name, True, node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        scope = _Scope(node.name, False)
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.scopes.append(_Scope("<lambda>", False))
        self.generic_visit(node)
        self.scopes.pop()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        names: set[str] = set()
        if isinstance(node, ast.For | ast.AsyncFor):
            self.visit(node.iter)
            names = _target_names(node.target)
            # one level of derivation: `text = row.text` inside the loop is per-item too
            for stmt in _own_nodes(node.body):
                if isinstance(stmt, ast.Assign) and _names_in(stmt.value) & names:
                    for t in stmt.targets:
                        names |= _target_names(t)
        else:
            self.visit(node.test)
        self.loops.append((names, False))
        for stmt in node.body:
            self.visit(stmt)
        self.loops.pop()
        for stmt in node.orelse:
            self.visit(stmt)

    visit_For = _loop
    visit_AsyncFor = _loop
    visit_While = _loop

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
                       ) -> None:
        names: set[str] = set()
        for gen in node.generators:
            self.visit(gen.iter)
            names |= _target_names(gen.target)
        self.loops.append((names, True))
        for gen in node.generators:
            for cond in gen.ifs:
                self.visit(cond)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.loops.pop()

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension

    # ---- rules -------------------------------------------------------------------------
    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name) and \
                self._in_loop(include_comprehensions=False):
            name = node.target.id
            if name in self.scopes[-1].str_names or _is_str_value(node.value):
                self._string_concat(node, name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and \
                isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and \
                isinstance(value.left, ast.Name) and value.left.id == node.targets[0].id and \
                self._in_loop(include_comprehensions=False):
            name = node.targets[0].id
            if name in self.scopes[-1].str_names or _is_str_value(value.right):
                self._string_concat(node, name)
        self.generic_visit(node)

    def _string_concat(self, node: ast.AST, name: str) -> None:
        self._emit(
            "string-concat-in-loop", "warning", node,
            f"`{name}` grows by concatenation inside a loop; each step copies the whole "
            "string, so the loop is quadratic in the output size",
            "collect the pieces in a list and join them once after the loop",
            f"{name}_parts = []\nfor ...:\n    {name}_parts.append(piece)\n"
            f"{name} = \"\".join({name}_parts)")

    def visit_Compare(self, node: ast.Compare) -> None:
        if self._in_loop(include_comprehensions=True):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn) and self._is_list_expr(right):
                    label = ast.unparse(right)
                    if len(label) > 40:
                        label = label[:37] + "..."
                    self._emit(
                        "list-membership-in-loop", "warning", node,
                        f"`in {label}` scans the list on every iteration: O(n) per test, "
                        "O(n·m) for the loop",
                        "build a set (or frozenset) once, before the loop, and test against it",
                        f"lookup = set({label})  # once, outside the loop\n"
                        f"... if item in lookup: ...")
        self.generic_visit(node)

    def _is_list_expr(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            local = self.scopes[-1]
            if node.id in local.list_names:
                return True
            # a module-level list, unless the function binds the name itself
            return node.id in self.scopes[0].list_names and node.id not in local.str_names
        if isinstance(node, ast.ListComp):
            return True
        if isinstance(node, ast.List):
            return len(node.elts) >= 8
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("list", "sorted")

    def visit_Call(self, node: ast.Call) -> None:
        qualified = self._qualified(node.func)
        self._regex(node, qualified)
        self._pandas(node)
        self._blocking(node, qualified)
        self._per_item(node)
        self.generic_visit(node)

    def _regex(self, node: ast.Call, qualified: str | None) -> None:
        if not qualified or not qualified.startswith("re.") or \
                not self._in_loop(include_comprehensions=True):
            return
        fn = qualified[3:]
        loop_names = self._loop_names()
        if fn == "compile":
            if any(_names_in(a) & loop_names for a in node.args):
                return  # the pattern depends on the item: it has to be built per item
            pattern = ast.unparse(node.args[0]) if node.args else "..."
            self._emit("regex-compile-in-loop", "warning", node,
                       "the pattern is compiled again on every iteration, though it does not "
                       "depend on the loop",
                       "compile it once, at module level or before the loop",
                       f"_PATTERN = re.compile({pattern})  # module level\n"
                       "... _PATTERN.search(text) ...")
        elif fn in _RE_FUNCS and node.args and isinstance(node.args[0], ast.Constant):
            pattern = ast.unparse(node.args[0])
            rest = ", ".join(ast.unparse(a) for a in node.args[1:])
            self._emit("regex-compile-in-loop", "info", node,
                       f"`re.{fn}` with a literal pattern inside a loop looks the pattern up in "
                       "re's cache on every call (and recompiles it once the cache is full)",
                       "precompile the pattern once and call its method",
                       f"_PATTERN = re.compile({pattern})  # module level\n"
                       f"... _PATTERN.{fn}({rest}) ...")

    def _pandas(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Attribute):
            return
        frame = ast.unparse(node.func.value)
        if node.func.attr == "iterrows" and not node.args:
            self._emit("pandas-iterrows", "warning", node,
                       f"`{frame}.iterrows()` builds a pandas Series for every row; row loops "
                       "run orders of magnitude slower than column operations",
                       "express the work as vectorised column operations; if a loop is "
                       "unavoidable, use itertuples(index=False)",
                       f"{frame}[\"total\"] = {frame}[\"price\"] * {frame}[\"quantity\"]  "
                       "# columns, not rows\n"
                       f"for row in {frame}.itertuples(index=False): ...  # if you must loop")
        if node.func.attr == "apply":
            for kw in node.keywords:
                if kw.arg == "axis" and isinstance(kw.value, ast.Constant) and \
                        kw.value.value in (1, "columns"):
                    fn = ast.unparse(node.args[0]) if node.args else "f"
                    self._emit("pandas-apply-rows", "warning", node,
                               f"`{frame}.apply({fn}, axis=1)` calls Python once per row with a "
                               "Series built for each",
                               "rewrite the function over whole columns (arithmetic, "
                               ".where/np.select, .str and .dt accessors, merge/map for lookups)",
                               f"{frame}[\"out\"] = np.where({frame}[\"a\"] > 0, "
                               f"{frame}[\"a\"] * {frame}[\"b\"], 0)")

    def _blocking(self, node: ast.Call, qualified: str | None) -> None:
        scope = self.scopes[-1] if self.scopes else None
        if scope is None or not scope.is_async:
            return
        hint = _BLOCKING.get(qualified or "")
        label = qualified
        if hint is None and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _BLOCKING_METHODS:
            hint = f"await asyncio.to_thread({ast.unparse(node.func)})"
            label = f".{node.func.attr}()"
        if hint is None:
            return
        self._emit("blocking-call-in-async", "error", node,
                   f"`{label}` blocks the event loop inside `async def {scope.name}`: every "
                   "other request and consumer of this process waits until it returns",
                   f"use {hint}, or move the call off the loop with asyncio.to_thread",
                   f"await asyncio.to_thread({ast.unparse(node.func)}, "
                   f"{', '.join(ast.unparse(a) for a in node.args)})"
                   if qualified not in ("time.sleep",) else
                   f"await asyncio.sleep({', '.join(ast.unparse(a) for a in node.args)})")

    def _per_item(self, node: ast.Call) -> None:
        if not self._in_loop(include_comprehensions=True):
            return
        loop_names = self._loop_names()
        args = [*node.args, *(kw.value for kw in node.keywords)]
        if not any(_names_in(a) & loop_names for a in args):
            return
        func = node.func
        call = ast.unparse(func)
        if isinstance(func, ast.Attribute):
            receiver = _receiver_name(func.value)
            method = func.attr
            if method in _BATCHABLE_ANY_RECEIVER or (
                    method in _BATCHABLE_MODEL_RECEIVER and _modelish(receiver)):
                self._emit_per_item(node, call, method, receiver)
        elif isinstance(func, ast.Name) and func.id in _MODEL_CALLABLES:
            self._emit_per_item(node, call, func.id, "")

    def _emit_per_item(self, node: ast.Call, call: str, method: str, receiver: str) -> None:
        http = method in ("post", "put") or (method == "get" and receiver.endswith("client"))
        db = not http and method in (
            "execute", "fetch", "fetchrow", "fetchval", "scalar", "scalars", "get", "run",
            "query", "find_one", "insert_one", "update_one", "delete_one")
        if db:
            why = "one database round trip per item (the N+1 pattern)"
            fix = ("fetch or write all items in one statement (`WHERE id IN (...)`, "
                   "executemany / insert().values([...]), UNWIND in Cypher)")
            rewrite = ("ids = [item.id for item in items]\n"
                       "rows = (await session.execute(select(T).where(T.id.in_(ids)))).scalars()")
        elif http:
            why = "one network call per item, awaited in sequence"
            fix = "send one batch request, or run the calls concurrently with asyncio.gather"
            rewrite = f"await asyncio.gather(*({call}(...) for item in items))"
        else:
            why = "one model call per item: the model never sees a batch, so its vectorised " \
                  "or GPU path stays idle and per-call overhead dominates"
            fix = "call it once on the whole list (predict/encode take batches; spaCy has " \
                  "nlp.pipe)"
            rewrite = f"results = {call}(items)  # one batched call\n" \
                      "for item, result in zip(items, results, strict=True): ..."
        self._emit("per-item-call-in-loop", "warning", node,
                   f"`{call}(...)` runs once per loop item: {why}", fix, rewrite)


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of these statements, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef |
                              ast.Lambda):
                stack.append(child)


def analyse_source(source: str, path: str = "<source>") -> list[Finding]:
    """Every finding in `source`, by line; SyntaxError if it does not parse."""
    tree = ast.parse(source, filename=path)
    analyser = _Analyser(source, path)
    analyser.visit(tree)
    return sorted(analyser.findings,
                  key=lambda f: (f.line, f.column, SEVERITY_ORDER[f.severity], f.rule))
