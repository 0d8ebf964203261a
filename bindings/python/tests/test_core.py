"""Loading, versions, errors and logging through ctypes."""

import os
import unittest

import offlinerl
from offlinerl import _lib

from . import support


class LoadingTest(unittest.TestCase):
    def test_version_matches_number(self):
        n = offlinerl.version_number()
        major, minor, patch = (int(x) for x in offlinerl.version().split("."))
        self.assertEqual(n, major * 10000 + minor * 100 + patch)
        self.assertEqual(major, offlinerl.ABI_MAJOR)

    def test_build_info_has_keys(self):
        info = offlinerl.build_info()
        for key in ("version", "blas", "threads", "compiler", "build_type"):
            self.assertIn(key, info)
        self.assertEqual(info["version"], offlinerl.version())
        self.assertGreaterEqual(info["threads"], 1)

    def test_explicit_bad_path_raises_oserror(self):
        with self.assertRaises(OSError):
            _lib.load("/nonexistent/libofflinerl.so")

    def test_every_declared_function_has_types(self):
        lib = offlinerl.load()
        for name in _lib._SIGNATURES:
            fn = getattr(lib, name)
            self.assertIsNotNone(fn.argtypes, name)

    def test_every_exported_symbol_is_declared(self):
        path = support.symbols_file()
        if path is None:
            self.skipTest("tests/abi/symbols.txt not found (installed package)")
        with open(path) as f:
            exported = {line.strip() for line in f if line.strip()}
        self.assertEqual(set(_lib._SIGNATURES), exported)

    def test_other_major_is_refused(self):
        saved = _lib.ABI_MAJOR
        _lib.ABI_MAJOR = saved + 1
        try:
            path = os.environ.get("OFFLINERL_LIBRARY") or offlinerl.load()._name
            with self.assertRaises(offlinerl.OfflineRLError) as ctx:
                _lib.load(path)
            self.assertIn("major", str(ctx.exception))
        finally:
            _lib.ABI_MAJOR = saved


class ErrorTest(unittest.TestCase):
    def test_failing_status_raises_with_library_message(self):
        with self.assertRaises(offlinerl.OfflineRLError) as ctx:
            offlinerl.set_log_callback(lambda level, msg: None, min_level=42)
        err = ctx.exception
        self.assertEqual(err.status, -2)
        self.assertIn("min_level 42", err.message)
        self.assertEqual(offlinerl.status_string(err.status), "value out of range")

    def test_last_error_and_status_follow_failures(self):
        with self.assertRaises(offlinerl.OfflineRLError):
            offlinerl.Dataset(window=0)
        self.assertEqual(offlinerl.last_status(), offlinerl.Status.OUT_OF_RANGE)
        self.assertIn("window", offlinerl.last_error())

    def test_status_enum_matches_library_strings(self):
        for status in offlinerl.Status:
            self.assertNotEqual(offlinerl.status_string(status), "unknown status", status)

    def test_status_strings(self):
        self.assertEqual(offlinerl.status_string(0), "ok")
        self.assertEqual(offlinerl.status_string(-3), "out of memory")
        self.assertEqual(offlinerl.status_string(1234), "unknown status")


class LoggingTest(unittest.TestCase):
    def test_callback_receives_library_messages(self):
        seen = []
        offlinerl.set_log_callback(lambda level, msg: seen.append((level, msg)),
                                   offlinerl.LOG_DEBUG)
        try:
            sim, train, _, _, _ = support.world()
            with offlinerl.Trainer("sl", epochs=1, embed_dim=4, hidden_dim=4) as t:
                t.fit(train)
        finally:
            offlinerl.set_log_callback(None)
        self.assertTrue(seen, "training logs at INFO level")
        self.assertTrue(all(offlinerl.LOG_DEBUG <= lv < offlinerl.LOG_OFF for lv, _ in seen))
        self.assertTrue(any("epoch" in msg for _, msg in seen))

    def test_callback_receives_nothing_when_silent_and_resets(self):
        seen = []
        offlinerl.set_log_callback(lambda level, msg: seen.append((level, msg)), offlinerl.LOG_OFF)
        offlinerl.set_log_callback(None)
        self.assertEqual(seen, [])


if __name__ == "__main__":
    unittest.main()
