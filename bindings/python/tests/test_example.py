"""examples/python/papers_table.py runs and reports unavailable algorithms as skipped."""

import contextlib
import importlib.util
import io
import json
import os
import unittest

import offlinerl

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples",
                       "python", "papers_table.py")


@unittest.skipUnless(os.path.exists(EXAMPLE), "examples/ not beside the package")
class PapersTableTest(unittest.TestCase):
    def test_small_run(self):
        spec = importlib.util.spec_from_file_location("papers_table", EXAMPLE)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = mod.main(["--simulate", "200", "--items", "30", "--epochs", "1",
                               "--embed", "8", "--threads", "1", "--algorithms", "CE,SQN",
                               "--json"])
        self.assertEqual(status, 0)
        table = json.loads(out.getvalue())
        self.assertEqual(set(table), {"CE", "SQN"})
        self.assertGreater(table["CE"]["click"]["count"], 0)
        try:
            offlinerl.Trainer("sqn", epochs=1).close()
            sqn_available = True
        except offlinerl.OfflineRLError:
            sqn_available = False
        self.assertEqual("skipped" in table["SQN"], not sqn_available)


if __name__ == "__main__":
    unittest.main()
