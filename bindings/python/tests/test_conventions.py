"""Python conventions: ``__version__``, the binding's version against the library's,
a docstring on every public name and method, type hints on the public API."""

import inspect
import os
import re
import unittest
import warnings

import offlinerl
from offlinerl import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Dunder methods a user meets through help() and builtins: documented like the rest.
DOCUMENTED_DUNDERS = {"__len__", "__iter__", "__getitem__", "__contains__", "__call__"}


def public_members(cls):
    """(name, function or property) of a public class's own public API."""
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in DOCUMENTED_DUNDERS:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property) or inspect.isfunction(value):
            yield name, value


def public_objects():
    """(qualified name, object) of every name in __all__ and every public method."""
    for name in offlinerl.__all__:
        obj = getattr(offlinerl, name)
        if inspect.isclass(obj):
            yield name, obj
            for member, value in public_members(obj):
                yield f"{name}.{member}", value
        elif callable(obj):
            yield name, obj


class VersionTest(unittest.TestCase):
    def test_dunder_version_is_the_library_version(self):
        self.assertEqual(offlinerl.__version__, offlinerl.version())
        self.assertRegex(offlinerl.__version__, r"^\d+\.\d+\.\d+$")

    def test_binding_version_is_the_package_metadata_version(self):
        self.assertRegex(offlinerl.__binding_version__, r"^\d+\.\d+\.\d+$")
        major, minor = (int(x) for x in offlinerl.__binding_version__.split(".")[:2])
        self.assertEqual((major, minor), (_lib.ABI_MAJOR, _lib.ABI_MINOR))
        pyproject = os.path.join(HERE, "..", "pyproject.toml")
        if os.path.exists(pyproject):  # the source tree: the metadata reads _version.py
            with open(pyproject) as f:
                text = f.read()
            self.assertIn('dynamic = ["version"]', text)
            self.assertIn('attr = "offlinerl._version.__binding_version__"', text)
            self.assertIsNone(re.search(r"(?m)^version\s*=\s*\"", text))  # no second copy
        try:
            from importlib import metadata
            installed = metadata.version("offlinerl")
        except Exception:  # noqa: BLE001 - not installed (the source tree on PYTHONPATH)
            installed = None
        if installed is not None and "site-packages" in offlinerl.__file__:
            self.assertEqual(installed, offlinerl.__binding_version__)

    def test_binding_follows_the_library_header(self):
        header = os.path.join(REPO, "include", "offlinerl", "common.h")
        if not os.path.exists(header):
            self.skipTest("not in the source tree")
        with open(header) as f:
            text = f.read()
        parts = [re.search(r"#define ORL_VERSION_%s (\d+)" % p, text).group(1)
                 for p in ("MAJOR", "MINOR", "PATCH")]
        self.assertEqual(".".join(parts), offlinerl.__binding_version__)

    def test_other_minor_loads_with_a_warning(self):
        saved = _lib.ABI_MINOR
        _lib.ABI_MINOR = saved + 1
        try:
            path = os.environ.get("OFFLINERL_LIBRARY") or offlinerl.load()._name
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lib = _lib.load(path)
            self.assertIsNotNone(lib)
            self.assertTrue(any(issubclass(w.category, offlinerl.VersionWarning) for w in caught))
            self.assertIn("was written for", str(caught[0].message))
        finally:
            _lib.ABI_MINOR = saved

    def test_same_version_loads_silently(self):
        path = os.environ.get("OFFLINERL_LIBRARY") or offlinerl.load()._name
        with warnings.catch_warnings():
            warnings.simplefilter("error", offlinerl.VersionWarning)
            _lib.load(path)

    def test_unknown_attribute_is_an_attribute_error(self):
        with self.assertRaises(AttributeError):
            offlinerl.no_such_name  # noqa: B018


class DocumentationTest(unittest.TestCase):
    def test_every_public_name_and_method_has_a_docstring(self):
        missing = []
        for name, obj in public_objects():
            doc = obj.__doc__ if isinstance(obj, property) else inspect.getdoc(obj)
            if inspect.isclass(obj) and obj.__doc__ is None:
                doc = None
            if not doc or not doc.strip():
                missing.append(name)
        self.assertEqual(missing, [], "public names without a docstring")

    def test_public_functions_and_methods_have_type_hints(self):
        missing = []
        for name, obj in public_objects():
            if isinstance(obj, property):
                if obj.fget and "return" not in obj.fget.__annotations__:
                    missing.append(name + " -> ?")
                continue
            if not inspect.isfunction(obj):
                continue
            sig = inspect.signature(obj)
            for p in sig.parameters.values():
                if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty:
                    missing.append(f"{name}({p.name})")
            if not name.endswith("__init__") and sig.return_annotation is inspect.Signature.empty:
                missing.append(name + " -> ?")
        self.assertEqual(missing, [], "public API without type hints")

    def test_help_renders_every_public_class(self):
        import pydoc
        for name in offlinerl.__all__:
            obj = getattr(offlinerl, name)
            if inspect.isclass(obj):
                text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
                self.assertIn(name, text)
                self.assertNotIn("No documentation", text)


if __name__ == "__main__":
    unittest.main()
