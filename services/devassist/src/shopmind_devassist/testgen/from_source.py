"""pytest skeletons for the public functions of a Python module, with edge-case inputs.

Each public function (module level, or a method of a public class that can be
built without arguments) gets a parametrised test: one baseline call with
ordinary values, then one call per edge case of one parameter at a time (empty
and huge strings, zero and negative numbers, NaN, empty collections, None where
the annotation allows it). The test accepts a clean refusal (ValueError,
TypeError, or an exception the function raises itself) and otherwise checks the
return type against the annotation; a `TODO` marks where the expected values go.
A function whose parameters cannot be built from their annotations is emitted
as a skipped test that says what it needs.
"""

from __future__ import annotations

import ast
import re
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from typing import Any

from shopmind_devassist.pyliteral import py_literal

_SAFE_DECORATORS = {"staticmethod", "classmethod", "lru_cache", "cache", "functools.lru_cache",
                    "functools.cache", "cached_property"}
_MAX_CASES = 24


class _Raw:
    """A value written into the generated file as code, not as its repr."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code


_NAN, _INF = _Raw('float("nan")'), _Raw('float("inf")')


@dataclass
class _Param:
    name: str
    annotation: str | None
    has_default: bool
    kind: str  # "positional" | "keyword"


@dataclass
class FunctionPlan:
    qualname: str
    call: str  # the expression that calls it: target.f / target.C().m
    is_async: bool
    params: list[_Param]
    raises: list[str]
    returns: str | None
    cases: list[tuple[str, list[Any], dict[str, Any]]] = field(default_factory=list)
    skip_reason: str | None = None


@dataclass
class GeneratedSourceTests:
    content: str
    functions: list[str]
    skipped: dict[str, str]
    cases: int


def _split_union(annotation: str) -> list[str]:
    text = annotation.strip()
    m = re.fullmatch(r"(?:typing\.)?Optional\[(.*)\]", text)
    if m:
        return [*_split_union(m.group(1)), "None"]
    m = re.fullmatch(r"(?:typing\.)?Union\[(.*)\]", text)
    if m:
        text = m.group(1).replace(",", "|")
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _base(annotation: str) -> tuple[str, str]:
    m = re.fullmatch(r"([\w.]+)\s*\[(.*)\]", annotation.strip())
    if m:
        return m.group(1).rsplit(".", 1)[-1], m.group(2)
    return annotation.strip().rsplit(".", 1)[-1], ""


# The module's classes that a test can build: name -> required constructor parameters.
_CLASSES: ContextVar[dict[str, list[_Param]]] = ContextVar("devassist_testgen_classes")
# The classes the generated file builds, in first-use order (each gets a `_new_<name>()`).
_BUILT: ContextVar[dict[str, None]] = ContextVar("devassist_testgen_built")


def _typical(annotation: str | None, depth: int = 0) -> tuple[bool, Any]:
    """(buildable, an ordinary value) for an annotation."""
    if annotation is None:
        return True, "example"
    options = _split_union(annotation)
    for option in options:
        ok, value = _typical_one(option, depth)
        if ok:
            return True, value
    return False, None


def _construct(name: str, depth: int) -> tuple[bool, Any]:
    """A call that builds one of the module's own classes from ordinary values."""
    required = _CLASSES.get({}).get(name)
    if required is None or depth > 2:
        return False, None
    for p in required:
        ok, _ = _typical(p.annotation, depth + 1)
        if not ok:
            return False, None
    _BUILT.get({})[name] = None
    return True, _Raw(f"{_builder_name(name)}()")


def _builder_name(cls: str) -> str:
    return "_new_" + re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()


def _builders() -> str:
    """`_new_<class>()` functions for every class the cases build (and those they need)."""
    out: list[str] = []
    done: set[str] = set()
    built = _BUILT.get({})
    while len(done) < len(built):
        for name in [n for n in built if n not in done]:
            done.add(name)
            rows = []
            for p in _CLASSES.get({})[name]:
                _, value = _typical(p.annotation, 1)
                rows.append(f"        {p.name}={py_literal(value, 8, 9 + len(p.name))},\n")
            args = ("\n" + "".join(rows) + "    ") if rows else ""
            out.append(f"\n\ndef {_builder_name(name)}() -> Any:\n"
                       f"    return target.{name}({args})\n")
    return "".join(out)


def _typical_one(option: str, depth: int = 0) -> tuple[bool, Any]:
    name, inner = _base(option)
    if name in _CLASSES.get({}):
        return _construct(name, depth)
    simple = {"str": "example", "int": 1, "float": 1.5, "bool": True, "bytes": b"example",
              "None": None, "Any": "example", "object": "example"}
    if name in simple:
        return True, simple[name]
    if name in ("list", "List", "Sequence", "Iterable", "Collection", "MutableSequence"):
        ok, item = _typical(inner or None)
        return (True, [item]) if ok else (False, None)
    if name in ("tuple", "Tuple"):
        items = [p.strip() for p in inner.split(",")] if inner else []
        if items and items[-1] == "...":
            ok, item = _typical(items[0])
            return (True, (item,)) if ok else (False, None)
        built = [_typical(p) for p in items]
        return (True, tuple(v for _, v in built)) if all(ok for ok, _ in built) else (False, None)
    if name in ("set", "Set", "frozenset", "AbstractSet"):
        ok, item = _typical(inner or None)
        return (True, {item} if name != "frozenset" else _Raw(f"frozenset({{{item!r}}})")) \
            if ok and isinstance(item, str | int | float | bool) else (False, None)
    if name in ("dict", "Dict", "Mapping", "MutableMapping"):
        return True, {}
    if name == "Literal":
        try:
            values = ast.literal_eval(f"[{inner}]")
        except (ValueError, SyntaxError):
            return False, None
        return (True, values[0]) if values else (False, None)
    return False, None


def _edges(annotation: str | None) -> list[tuple[str, Any]]:
    """Edge cases for an annotation: (label, value)."""
    if annotation is None:
        return [("None", None), ("empty string", ""), ("zero", 0), ("empty list", [])]
    out: list[tuple[str, Any]] = []
    for option in _split_union(annotation):
        name, inner = _base(option)
        if name == "str":
            out += [("empty string", ""), ("whitespace", " \t\n"), ("unicode", "ünïcødé ✓ 中文"),
                    ("very long string", _Raw('"x" * 100_000')), ("NUL byte", "a\x00b")]
        elif name == "int":
            out += [("zero", 0), ("negative", -1), ("huge int", _Raw("2**63"))]
        elif name == "float":
            out += [("zero", 0.0), ("negative", -1.5), ("NaN", _NAN), ("infinity", _INF)]
        elif name == "bool":
            out += [("False", False)]
        elif name == "bytes":
            out += [("empty bytes", b""), ("non-UTF-8 bytes", b"\xff\xfe\x00")]
        elif name == "None":
            out += [("None", None)]
        elif name in ("list", "List", "Sequence", "Iterable", "Collection", "MutableSequence"):
            ok, item = _typical(inner or None)
            out += [("empty list", [])]
            if ok:
                out += [("many items", _Raw(f"[{item!r}] * 1000"))]
        elif name in ("dict", "Dict", "Mapping", "MutableMapping"):
            out += [("empty dict", {})]
        elif name in ("tuple", "Tuple") and inner.endswith("..."):
            out += [("empty tuple", ())]
        elif name in ("set", "Set"):
            out += [("empty set", _Raw("set()"))]
        elif name == "Literal":
            try:
                values = ast.literal_eval(f"[{inner}]")
            except (ValueError, SyntaxError):
                values = []
            out += [(f"literal {v!r}", v) for v in values[1:]]
    seen: set[str] = set()
    unique = []
    for label, value in out:
        if repr(value) not in seen:
            seen.add(repr(value))
            unique.append((label, value))
    return unique


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef, drop_first: bool) -> list[_Param]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    if drop_first and positional:
        positional = positional[1:]
    n_defaults = len(args.defaults)
    out = []
    for i, a in enumerate(positional):
        has_default = i >= len(positional) - n_defaults
        out.append(_Param(a.arg, ast.unparse(a.annotation) if a.annotation else None,
                          has_default, "positional"))
    for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_Param(a.arg, ast.unparse(a.annotation) if a.annotation else None,
                          default is not None, "keyword"))
    return out


def _raises(fn: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name | ast.Attribute):
                names.append(ast.unparse(exc))
    return sorted(set(names))


_UNBUILDABLE_BASES = {"Protocol", "ABC", "abc.ABC", "Enum", "StrEnum", "IntEnum", "Exception",
                      "ValueError", "TypeError", "RuntimeError", "LookupError", "KeyError"}


def _required_params(cls: ast.ClassDef) -> list[_Param] | None:
    """The parameters a constructor call must give, or None when it cannot be built."""
    decorators = {_decorator_name(d) for d in cls.decorator_list}
    bases = {ast.unparse(b) for b in cls.bases}
    if bases & _UNBUILDABLE_BASES:
        return None
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            return [p for p in _params(node, drop_first=True) if not p.has_default]
    fielded = any(d.endswith("dataclass") for d in decorators) or \
        bases & {"BaseModel", "pydantic.BaseModel", "NamedTuple", "typing.NamedTuple"}
    if fielded:
        return [_Param(node.target.id, ast.unparse(node.annotation), False, "keyword")
                for node in cls.body
                if isinstance(node, ast.AnnAssign) and node.value is None
                and isinstance(node.target, ast.Name)
                and "ClassVar" not in ast.unparse(node.annotation)]
    return [] if not bases or bases <= {"object"} else None


_DOC_ERRORS = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b")


def _plan_function(fn: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, call: str,
                   drop_first: bool) -> FunctionPlan:
    params = _params(fn, drop_first)
    documented = _DOC_ERRORS.findall(ast.get_docstring(fn) or "")
    plan = FunctionPlan(qualname=qualname, call=call, is_async=isinstance(fn, ast.AsyncFunctionDef),
                        params=params, raises=sorted(set(_raises(fn)) | set(documented)),
                        returns=ast.unparse(fn.returns) if fn.returns else None)
    baseline: dict[str, Any] = {}
    for p in params:
        if p.has_default:
            continue
        ok, value = _typical(p.annotation)
        if not ok:
            plan.skip_reason = f"needs a {p.annotation} for `{p.name}`: build one and call it"
            return plan
        baseline[p.name] = value

    def build(overrides: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        values = {**baseline, **overrides}
        # a defaulted positional after an omitted one must go by keyword
        positional: list[Any] = []
        kwargs: dict[str, Any] = {}
        omitted = False
        for p in params:
            if p.name not in values:
                omitted = True
                continue
            if p.kind == "positional" and not omitted:
                positional.append(values[p.name])
            else:
                kwargs[p.name] = values[p.name]
        return positional, kwargs

    plan.cases.append(("baseline", *build({})))
    for p in params:
        for label, value in _edges(p.annotation):
            if len(plan.cases) >= _MAX_CASES:
                break
            plan.cases.append((f"{p.name}: {label}", *build({p.name: value})))
    return plan


def plan_module(source: str) -> list[FunctionPlan]:
    tree = ast.parse(source)
    classes = {node.name: required for node in tree.body
               if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
               and (required := _required_params(node)) is not None}
    _CLASSES.set(classes)
    _BUILT.set({})
    return _plan_module(tree)


def _plan_module(tree: ast.Module) -> list[FunctionPlan]:
    plans = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                not node.name.startswith("_"):
            if any(_decorator_name(d) not in _SAFE_DECORATORS for d in node.decorator_list):
                continue  # routes, fixtures, commands: not callable as plain functions
            plans.append(_plan_function(node, node.name, f"target.{node.name}", False))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            ok, instance = _construct(node.name, 0)
            for item in node.body:
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) or \
                        item.name.startswith("_"):
                    continue
                decorators = {_decorator_name(d) for d in item.decorator_list}
                if decorators - _SAFE_DECORATORS or "cached_property" in decorators:
                    continue
                qualname = f"{node.name}.{item.name}"
                if "staticmethod" in decorators:
                    plans.append(_plan_function(item, qualname, f"target.{qualname}", False))
                elif "classmethod" in decorators:
                    plans.append(_plan_function(item, qualname, f"target.{qualname}", True))
                elif ok:
                    plans.append(_plan_function(item, qualname, f"{instance!r}.{item.name}", True))
                else:
                    plan = FunctionPlan(qualname, "", False, [], [], None)
                    plan.skip_reason = f"`{node.name}` needs constructor arguments"
                    plans.append(plan)
    return plans


_NO_CHECK = {"Any", "object", "Iterator", "Iterable", "Generator", "AsyncIterator",
             "AsyncGenerator", "Awaitable", "Coroutine", "Callable", "Self", "T"}
_ALIASES = {"None": ["NoneType"], "float": ["float", "int"], "List": ["list"],
            "Dict": ["dict"], "Tuple": ["tuple"], "Set": ["set"], "Sequence": ["list", "tuple"],
            "Mapping": ["dict"], "MutableMapping": ["dict"], "FrozenSet": ["frozenset"],
            "Optional": []}


def _type_names(returns: str | None) -> list[str] | None:
    """Class names one of which the result's type (or a base) must have; None: no check."""
    if returns is None:
        return None
    names: list[str] = []
    for option in _split_union(returns.strip("'\"")):
        base, _ = _base(option)
        if base in _NO_CHECK or len(base) == 1:
            return None
        names += _ALIASES.get(base, [base])
    return sorted(set(names)) or None


def _unique(name: str, used: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... if taken; recorded in `used`."""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def _test_name(qualname: str) -> str:
    return "test_" + re.sub(r"\W+", "_", qualname).strip("_").lower() + "_edge_cases"


def generate_source_tests(source: str, module: str) -> GeneratedSourceTests:
    """A pytest file for `module`; SyntaxError when the source does not parse."""
    return copy_context().run(_generate, source, module)


def _generate(source: str, module: str) -> GeneratedSourceTests:
    plans = plan_module(source)
    imports = "\n".join(sorted([f"import {module} as target", "import pytest"],
                               key=lambda line: line.split()[1].lower()))
    parts = [f'''"""Edge-case tests for `{module}`, generated from its source.

Each test calls one public function with ordinary inputs and then with one edge
case at a time. A clean refusal (ValueError, TypeError or an error the function
raises itself) passes; otherwise the result must have the annotated type.
TODO: replace the type checks with the values you expect.
"""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

{imports}


def _errors(*names: str) -> tuple[type[BaseException], ...]:
    """ValueError, TypeError and the named exceptions the function raises itself."""
    found: list[type[BaseException]] = [ValueError, TypeError]
    for name in names:
        head, *rest = name.split(".")
        obj: Any = getattr(target, head, getattr(builtins, head, None))
        for part in rest:
            obj = getattr(obj, part, None)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            found.append(obj)
    return tuple(found)


def _run(result: Any) -> Any:
    return asyncio.run(result) if asyncio.iscoroutine(result) else result
''']
    parts.append(_builders())
    names: list[str] = []
    skipped: dict[str, str] = {}
    total = 0
    used: set[str] = set()
    for plan in plans:
        test = _unique(_test_name(plan.qualname), used)
        if plan.skip_reason:
            skipped[plan.qualname] = plan.skip_reason
            parts.append(f"\n\n@pytest.mark.skip(reason={plan.skip_reason!r})\n"
                         f"def {test}() -> None:\n"
                         f'    """TODO: `{plan.qualname}` on edge cases."""\n')
            continue
        names.append(plan.qualname)
        total += len(plan.cases)
        rows = ",\n".join(
            f"        pytest.param(\n            {py_literal(args, 12)},\n"
            f"            {py_literal(kwargs, 12)},\n            id={label[:60]!r},\n        )"
            for label, args, kwargs in plan.cases)
        expected = _type_names(plan.returns)
        mro = "{c.__name__ for c in type(result).__mro__}"
        check_line = (f"    assert {mro} & {set(expected)!r}, (\n"
                      f"        f\"expected {plan.returns}, got {{type(result).__name__}}\"\n"
                      "    )\n" if expected else "")
        raises = ", ".join(repr(r) for r in plan.raises)
        parts.append(
            "\n\n@pytest.mark.parametrize(\n    (\"args\", \"kwargs\"),\n"
            f"    [\n{rows},\n    ],\n)\n"
            f"def {test}(args: list[Any], kwargs: dict[str, Any]) -> None:\n"
            f'    """`{plan.qualname}` returns its annotated type or refuses cleanly."""\n'
            f"    try:\n"
            f"        result = _run(\n            {plan.call}(*args, **kwargs)\n        )\n"
            f"    except _errors({raises}):\n"
            f"        return  # a clean refusal of this input\n"
            f"    # TODO: assert the expected value for these inputs\n"
            f"{check_line}")
    return GeneratedSourceTests("".join(parts), names, skipped, total)
