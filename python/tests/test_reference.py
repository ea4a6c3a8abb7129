"""docs/python-api.md is the output of python/scripts/gen_reference.py, and the API it documents
is consistent: docstrings everywhere, stub signatures equal to the compiled ones, examples run.
"""

from __future__ import annotations

import ast
import doctest
import importlib.util
import inspect
import sys
import types
from collections.abc import Iterator
from typing import Union

import compteur
import compteur._native

from conftest import REPO

SCRIPT = REPO / "python" / "scripts" / "gen_reference.py"
REFERENCE = REPO / "docs" / "python-api.md"


def load_generator() -> types.ModuleType:
    """python/scripts/gen_reference.py as a module (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module runs
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GEN = load_generator()


def test_reference_is_up_to_date() -> None:
    generated: str = GEN.render()
    committed = REFERENCE.read_text(encoding="utf-8")
    assert generated == committed, (
        "docs/python-api.md is out of date: run "
        "`.venv/bin/python python/scripts/gen_reference.py` and commit the result"
    )


def test_rendering_is_deterministic() -> None:
    assert GEN.render() == GEN.render()


def test_reference_lists_every_public_name_in_order() -> None:
    text: str = GEN.render()
    positions = []
    for module_name in GEN.MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            heading = f"### `{module_name}.{name}`"
            assert text.count(heading) == 1, heading
            positions.append(text.index(heading))
    assert positions == sorted(positions)
    # the five modules, and the names of the five __all__ lists
    assert len(positions) == sum(len(importlib.import_module(m).__all__) for m in GEN.MODULES)


def public_objects() -> Iterator[tuple[str, object]]:
    """Every public name of the documented modules, and every public member of their classes
    (those the stub declares), as ``(qualified name, object)``."""
    for entry in GEN.entries():
        yield entry.qualname, entry.obj
        obj = entry.obj
        if not isinstance(obj, type) or entry.name in GEN.DATA_DOCS:
            continue
        stub = GEN.source_stub(obj)
        cls = stub.classes[GEN.stub_name(obj)]
        for member in cls.functions:
            if not member.startswith("_"):
                yield f"{entry.qualname}.{member}", getattr(obj, member)


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    checked = 0
    for name, obj in public_objects():
        short = name.rsplit(".", 1)[1]
        if short in GEN.DATA_DOCS:
            # plain data (``__version__``): the generator's own sentence documents it
            assert isinstance(obj, str) and GEN.DATA_DOCS[short], name
            continue
        checked += 1
        doc = obj.__doc__ if isinstance(obj, (type, types.ModuleType)) else GEN.own_doc(obj)
        if not isinstance(doc, str) or not doc.strip():
            missing.append(name)
        elif isinstance(obj, type) and obj.__doc__ in (Exception.__doc__, object.__doc__):
            missing.append(name)
    assert missing == [], f"public names without a docstring: {missing}"
    assert checked > 150


def test_annotated_attributes_are_named_in_the_class_docstring() -> None:
    """Exception attributes (``DecodeError.offset``) have no docstring of their own."""
    stub = GEN.parse_stub(GEN.STUB)
    named = 0
    for class_name, cls in stub.classes.items():
        doc = getattr(compteur._native, class_name).__doc__ or ""
        for attribute in cls.attributes:
            assert f".{attribute}" in doc, f"{class_name}.{attribute}"
            named += 1
    assert named == 2


def parameter_kinds(args: ast.arguments, *, drop_first: bool) -> list[tuple[str, str]]:
    """``(name, kind)`` of every parameter, in order. A positional-only parameter cannot be
    passed by name, so its name is no part of the contract: it is compared as ``_``
    (CPython's slot wrappers call ``__getitem__``'s parameter ``key``, the stub ``index``)."""
    out = [("_", "positional-only") for a in args.posonlyargs]
    out += [(a.arg, "positional") for a in args.args]
    if drop_first and out:
        out.pop(0)
    if args.vararg is not None:
        out.append((args.vararg.arg, "*args"))
    out += [(a.arg, "keyword-only") for a in args.kwonlyargs]
    if args.kwarg is not None:
        out.append((args.kwarg.arg, "**kwargs"))
    return out


def runtime_parameters(text_signature: str) -> list[tuple[str, str]]:
    """The parameters of a ``__text_signature__`` (``($self, a, *, b=1)``), ``$self`` dropped."""
    drop_first = text_signature.startswith(("($self", "($cls", "($type"))
    source = f"def f{text_signature.replace('$', '')}: pass"
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return parameter_kinds(node.args, drop_first=drop_first)


Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def signature_pairs() -> Iterator[tuple[str, Definition, bool, object]]:
    """``(name, stub definition, whether its first parameter is self/cls, runtime object)``
    for every definition of the native stub, overloads included."""
    stub = GEN.parse_stub(GEN.STUB)
    for name, nodes in stub.functions.items():
        for node in nodes:
            yield name, node, False, getattr(compteur._native, name)
    for class_name, cls in stub.classes.items():
        runtime_class = getattr(compteur._native, class_name)
        for member, nodes in cls.functions.items():
            for node in nodes:
                if member == "__new__":
                    yield f"{class_name}()", node, True, runtime_class
                    continue
                static = "staticmethod" in GEN.decorators(node)
                runtime = inspect.getattr_static(runtime_class, member)
                if isinstance(runtime, staticmethod):
                    runtime = runtime.__func__
                yield f"{class_name}.{member}", node, not static, runtime


def test_stub_signatures_match_the_compiled_ones() -> None:
    """Parameter names, kinds and order; every compiled function and method has a
    ``__text_signature__``, only properties (getters) have none."""
    compared = 0
    mismatches = []
    for name, node, drop_first, runtime in signature_pairs():
        text_signature = getattr(runtime, "__text_signature__", None)
        if not isinstance(text_signature, str):
            assert GEN.is_property(node), f"{name} has no __text_signature__"
            continue
        args = node.args
        ours = parameter_kinds(args, drop_first=drop_first)
        theirs = runtime_parameters(text_signature)
        compared += 1
        if ours != theirs:
            mismatches.append(f"{name}: stub {ours}, runtime {text_signature}")
    assert mismatches == []
    assert compared >= 71


def native_docstrings() -> Iterator[tuple[str, str]]:
    """The docstrings of the compiled module's objects and of their members."""
    for name in compteur._native.__all__:
        obj = getattr(compteur._native, name)
        doc = getattr(obj, "__doc__", None)
        if isinstance(doc, str) and not isinstance(obj, str):
            yield name, doc
        if isinstance(obj, type):
            for member, value in vars(obj).items():
                doc = getattr(value, "__doc__", None)
                if isinstance(doc, str):
                    yield f"{name}.{member}", doc


def test_examples_in_compiled_docstrings_run() -> None:
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with_examples = []
    for name, doc in native_docstrings():
        test = parser.get_doctest(doc, {"compteur": compteur}, f"compteur.{name}", None, 0)
        if test.examples:
            with_examples.append(name)
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert "Simulator.push_frames" in with_examples
    assert result.failed == 0, f"failing examples in {with_examples}"
    assert result.attempted >= 5
