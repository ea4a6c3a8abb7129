"""Writes ``docs/python-api.md``, the API reference of the ``compteur`` Python package.

The reference lists every public name of ``compteur``, ``compteur.hdlc``, ``compteur.dlms``,
``compteur.mbus`` and ``compteur.registry`` (their ``__all__``, in that order). Signatures come
from the type stubs (``compteur/_native.pyi``, parsed with ``ast``: the stub is the contract),
or from the typed source for the few names written in Python; docstrings come from the
installed objects (``__doc__``). ``python/tests/test_reference.py`` regenerates the text in
memory and compares it with the committed file.

Usage (from the repository root, with the package installed)::

    .venv/bin/python python/scripts/gen_reference.py           # rewrite docs/python-api.md
    .venv/bin/python python/scripts/gen_reference.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import pathlib
import sys
import types
from collections.abc import Iterator
from typing import Optional, Union

import compteur
import compteur._native

REPO = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = REPO / "docs" / "python-api.md"
STUB = pathlib.Path(compteur._native.__file__).with_name("_native.pyi")
MODULES = ("compteur", "compteur.hdlc", "compteur.dlms", "compteur.mbus", "compteur.registry")

# Public names that are plain data: they have no docstring of their own.
DATA_DOCS = {
    "__version__": "The version of the installed package (`0.1.0`, ...).",
}

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
LINE = 88


@dataclasses.dataclass
class StubClass:
    """A class of a stub or source file: bases, members in order, annotated attributes."""

    node: ast.ClassDef
    bases: list[str]
    # name -> every definition (several for @overload)
    functions: dict[str, list[FunctionNode]]
    attributes: dict[str, str]


@dataclasses.dataclass
class Stub:
    """The top-level definitions of a stub or source file."""

    functions: dict[str, list[FunctionNode]]
    classes: dict[str, StubClass]
    attributes: dict[str, str]


def parse_stub(path: pathlib.Path) -> Stub:
    """Parses a ``.pyi`` (or typed ``.py``) file into its top-level definitions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    stub = Stub({}, {}, {})
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stub.functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            cls = StubClass(node, [ast.unparse(b) for b in node.bases], {}, {})
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    cls.functions.setdefault(item.name, []).append(item)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    cls.attributes[item.target.id] = ast.unparse(item.annotation)
            stub.classes[node.name] = cls
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            stub.attributes[node.target.id] = ast.unparse(node.annotation)
    return stub


def decorators(node: FunctionNode) -> list[str]:
    """The decorator names of a definition (``property``, ``staticmethod``, ``overload``)."""
    return [ast.unparse(d) for d in node.decorator_list]


def is_property(node: FunctionNode) -> bool:
    """Whether a stub definition is a property getter."""
    return "property" in decorators(node)


def parameters(node: FunctionNode, *, drop_first: bool) -> list[str]:
    """The parameters of a definition as source text, ``/`` and ``*`` markers included."""
    args = node.args
    out: list[str] = []

    def one(arg: ast.arg, default: Optional[ast.expr]) -> str:
        text = arg.arg
        if arg.annotation is not None:
            text += f": {ast.unparse(arg.annotation)}"
            if default is not None:
                text += f" = {ast.unparse(default)}"
        elif default is not None:
            text += f"={ast.unparse(default)}"
        return text

    positional = args.posonlyargs + args.args
    defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        out.append(one(arg, default))
        if args.posonlyargs and i == len(args.posonlyargs) - 1:
            out.append("/")
    if args.vararg is not None:
        out.append("*" + one(args.vararg, None))
    elif args.kwonlyargs:
        out.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        out.append(one(arg, kw_default))
    if args.kwarg is not None:
        out.append("**" + one(args.kwarg, None))
    if drop_first and positional:
        out.pop(0)
        if out and out[0] == "/":
            out.pop(0)
    return out


def signature(name: str, node: FunctionNode, *, drop_first: bool, prefix: str = "def") -> str:
    """``def name(params) -> returns``, one parameter a line when it does not fit on one."""
    params = parameters(node, drop_first=drop_first)
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    if isinstance(node, ast.AsyncFunctionDef):
        prefix = f"async {prefix}"
    flat = f"{prefix} {name}({', '.join(params)}){returns}"
    if len(flat) <= LINE:
        return flat
    lines = [f"{prefix} {name}("]
    lines += [f"    {p}," for p in params]
    lines.append(f"){returns}")
    return "\n".join(lines)


def split_doc(doc: Optional[str]) -> tuple[str, str]:
    """A docstring's first paragraph (joined into one line) and the rest (as written)."""
    text = inspect.cleandoc(doc or "")
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split()), rest.strip()


def own_doc(obj: object) -> Optional[str]:
    """The docstring of an installed object; None for plain data (str, int) and empty ones."""
    if isinstance(obj, (str, int, float, bytes)) or obj is None:
        return None
    doc = getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) and doc.strip() else None


def code_block(text: str) -> list[str]:
    """A fenced Python block."""
    return ["```python", text, "```"]


def fence_examples(text: str) -> str:
    """Puts the ``>>>`` examples that are not in a fenced block yet into one."""
    out: list[str] = []
    fenced = in_example = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and not in_example and line.startswith(">>>"):
            out.append("```python")
            in_example = True
        elif in_example and not line.strip():
            out.append("```")
            in_example = False
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)


def doc_lines(doc: Optional[str]) -> list[str]:
    """A docstring as Markdown: the first paragraph, then the rest as written."""
    first, rest = split_doc(doc)
    if first.startswith(">>>"):
        first, rest = "", inspect.cleandoc(doc or "")
    out = [first] if first else []
    if rest:
        out += ["", fence_examples(rest)]
    return out


def native_name(obj: object) -> Optional[str]:
    """The name under which ``compteur._native`` defines an object, if it does."""
    name = getattr(obj, "__name__", None)
    if isinstance(name, str) and getattr(compteur._native, name, None) is obj:
        return name
    return None


@dataclasses.dataclass(frozen=True)
class Entry:
    """One public name of one module."""

    module: str
    name: str
    obj: object

    @property
    def qualname(self) -> str:
        """``module.name``."""
        return f"{self.module}.{self.name}"


def entries() -> Iterator[Entry]:
    """Every public name of the documented modules, in the order of their ``__all__``."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield Entry(module_name, name, getattr(module, name))


def source_stub(obj: object) -> Stub:
    """The stub of a name: ``_native.pyi`` for compiled ones, the typed source otherwise."""
    if native_name(obj) is not None:
        return parse_stub(STUB)
    path = inspect.getsourcefile(obj)  # type: ignore[arg-type]
    if path is None:
        raise LookupError(f"no source for {obj!r}")
    return parse_stub(pathlib.Path(path))


def stub_name(obj: object) -> str:
    """The name of an object in its stub or source file."""
    name = native_name(obj) or getattr(obj, "__name__", None)
    if not isinstance(name, str):
        raise LookupError(f"{obj!r} has no name")
    return name


def render_class(entry: Entry, cls: StubClass) -> list[str]:
    """A class: constructor, properties, methods, attributes and special methods."""
    obj = entry.obj
    assert isinstance(obj, type)
    bases = f"({', '.join(cls.bases)})" if cls.bases else ""
    out: list[str] = []
    constructor = cls.functions.get("__new__") or cls.functions.get("__init__")
    if constructor:
        for node in constructor:
            text = signature(entry.name, node, drop_first=True, prefix="class")
            out += code_block(text.rsplit(" -> ", 1)[0])
    else:
        out += code_block(f"class {entry.name}{bases}")
    out += [""] + doc_lines(own_doc(obj))
    if cls.bases and constructor:
        out += ["", f"Bases: {', '.join(f'`{b}`' for b in cls.bases)}."]
    elif not constructor and not issubclass(obj, BaseException):
        out += ["", "No constructor: instances come from the functions and methods returning one."]
    if cls.attributes:
        out += ["", "Attributes:", ""]
        out += [f"- `{n}: {t}`" for n, t in cls.attributes.items()]
    props = [(n, defs[0]) for n, defs in cls.functions.items() if is_property(defs[0])]
    methods = [
        (n, defs)
        for n, defs in cls.functions.items()
        if not n.startswith("_") and not is_property(defs[0])
    ]
    special = [n for n in cls.functions if n.startswith("__") and n not in ("__new__", "__init__")]
    if props:
        out += ["", "| property | type | description |", "| --- | --- | --- |"]
        for name, node in props:
            first, rest = split_doc(own_doc(getattr(obj, name)))
            doc = " ".join([first] + rest.split())
            returns = ast.unparse(node.returns) if node.returns is not None else ""
            cell = doc.replace("|", "\\|")
            out.append(f"| `{name}` | `{returns}` | {cell} |")
    for name, defs in methods:
        out += ["", f"#### `{entry.name}.{name}`", ""]
        for i, node in enumerate(defs):
            static = "staticmethod" in decorators(node)
            text = signature(name, node, drop_first=not static)
            out += ([""] if i else []) + code_block(("@staticmethod\n" if static else "") + text)
        out += [""] + doc_lines(own_doc(getattr(obj, name)))
    if special:
        out += ["", "Special methods: " + ", ".join(f"`{n}`" for n in special) + "."]
    return out


def render_entry(entry: Entry, seen: dict[int, str]) -> list[str]:
    """One public name: its heading, signature and docstring."""
    obj = entry.obj
    anchor = f'<a id="{entry.qualname}"></a>'
    if id(obj) in seen and not isinstance(obj, (str, int)):
        first = seen[id(obj)]
        return [f"### `{entry.qualname}`", "", f"The same object as [`{first}`](#{first})."]
    if isinstance(obj, types.ModuleType):
        first, _ = split_doc(obj.__doc__)
        link = f"[`{obj.__name__}`](#{obj.__name__})"
        return [f"### `{entry.qualname}`", "", f"The module {link}: {first}"]
    seen[id(obj)] = entry.qualname
    out = [anchor, f"### `{entry.qualname}`", ""]
    if entry.name in DATA_DOCS:
        stub = parse_stub(STUB)
        out += code_block(f"{entry.name}: {stub.attributes[entry.name]}")
        return out + ["", DATA_DOCS[entry.name]]
    stub = source_stub(obj)
    name = stub_name(obj)
    if isinstance(obj, type):
        if name not in stub.classes:
            raise LookupError(f"{entry.qualname}: no class {name} in the stub")
        return out + render_class(entry, stub.classes[name])
    if name not in stub.functions:
        raise LookupError(f"{entry.qualname}: no function {name} in the stub")
    for i, node in enumerate(stub.functions[name]):
        out += ([""] if i else []) + code_block(signature(entry.name, node, drop_first=False))
    return out + [""] + doc_lines(own_doc(obj))


def render() -> str:
    """The whole reference, as ``docs/python-api.md`` holds it."""
    out = [
        "# Python API reference",
        "",
        "<!-- Generated by python/scripts/gen_reference.py from the installed package and its",
        "     stubs: do not edit. After an API change, run",
        "     `.venv/bin/python python/scripts/gen_reference.py` from the repository root. -->",
        "",
        "Every public name of the `compteur` package, module by module, in the order of each",
        "module's `__all__`. Signatures are those of the type stubs (`compteur/_native.pyi`),",
        "the texts those of the docstrings. [Python](python.md) introduces the package.",
        "",
    ]
    out += [f"- [`{m}`](#{m})" for m in MODULES]
    seen: dict[int, str] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        out += ["", f'<a id="{module_name}"></a>', f"## `{module_name}`", ""]
        out += doc_lines(module.__doc__)
        for entry in entries():
            if entry.module == module_name:
                out += [""] + render_entry(entry, seen)
    return "\n".join(out).rstrip() + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    """Writes the reference, or with ``--check`` tells whether the file is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run {pathlib.Path(__file__).name}")
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
