"""scripts/results_table.py: the file loader keeps the files' split, the smoke run works."""

import contextlib
import importlib.util
import io
import json
import os
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts",
                      "results_table.py")
SHARED = os.environ.get("ORL_SHARED_DIR") or os.path.join(os.path.dirname(SCRIPT), "..", "..",
                                                          "shared")


def load_script():
    spec = importlib.util.spec_from_file_location("results_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_csv(path, sessions):
    with open(path, "w") as f:
        f.write("session_id,timestamp,item_id,event\n")
        for sid, t0, items in sessions:
            for k, item in enumerate(items):
                f.write(f"{sid},{t0 + k},{item},{'purchase' if k == len(items) - 1 else 'click'}\n")


@unittest.skipUnless(os.path.exists(SCRIPT), "scripts/ not beside the package")
class ResultsTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mod = load_script()

    def test_files_keep_their_split_and_share_items(self):
        with tempfile.TemporaryDirectory() as tmp:
            # Test sessions start BEFORE the train sessions and reuse a session id: the
            # loader must still give back exactly the files' sessions.
            tr, va, te = (os.path.join(tmp, n) for n in ("train.csv", "val.csv", "test.csv"))
            write_csv(tr, [(1, 1000, [10, 11, 12, 13]), (2, 2000, [11, 12, 14])])
            write_csv(va, [(3, 5, [10, 12])])
            write_csv(te, [(1, 0, [12, 99, 10]), (7, 3, [14, 10])])
            parts = self.mod.load_files([tr, va, te], tmp)
            try:
                stats = [p.stats() for p in parts]
                self.assertEqual([s["n_sessions"] for s in stats], [2, 1, 2])
                self.assertEqual([s["n_events"] for s in stats], [7, 2, 5])
                self.assertEqual([s["n_purchases"] for s in stats], [2, 1, 2])
                # one dictionary: item 99 (test only) is a catalogue item of the train part
                self.assertEqual({s["n_items"] for s in stats}, {6})
                self.assertEqual(parts[0].item_id("99"), parts[2].item_id("99"))
            finally:
                for p in parts:
                    p.close()

    @unittest.skipUnless(os.path.exists(os.path.join(SHARED, "data", "diginetica_cikm16")),
                         "shared/data/diginetica_cikm16 absent (ORL_SHARED_DIR)")
    def test_quick_smoke_run(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = self.mod.main(["--quick", "--threads", "1"])
        self.assertEqual(status, 0)
        rows = json.loads(out.getvalue())
        self.assertEqual([r["algorithm"] for r in rows], ["CE", "SQN"])
        for r in rows:
            self.assertEqual(r["set"], "diginetica")
            # the reference preprocessing's counts (shared/peer/README.md)
            self.assertEqual(r["full"], {"events": 2998, "sessions": 596, "items": 700,
                                         "purchases": 67})
            self.assertTrue(0.0 <= r["click_hr@10"] <= 1.0)
            self.assertTrue(0.0 <= r["purchase_hr@10"] <= 1.0)


if __name__ == "__main__":
    unittest.main()
