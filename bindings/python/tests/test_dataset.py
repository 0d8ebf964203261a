"""Dataset: host arrays, files, event types, splits, statistics, lookups, errors."""

import array
import gzip
import math
import os
import unittest

import offlinerl
from offlinerl import Status

from . import support


def _small():
    """Three sessions; keys 100.. so that dense ids differ from keys."""
    return dict(
        sessions=[1, 1, 1, 2, 2, 3, 3, 3, 3],
        items=[100, 101, 102, 101, 103, 100, 104, 101, 102],
        timestamps=[3, 1, 2, 5, 6, 9, 8, 7, 10],
        events=["click", "click", "purchase", "click", "click", "click", "click", "purchase",
                "click"],
    )


class BuildTest(support.ErrorAssertions):
    def test_from_lists(self):
        with offlinerl.Dataset.from_events(**_small()) as ds:
            st = ds.stats()
            self.assertTrue(st["finalized"])
            self.assertEqual((st["n_events"], st["n_sessions"], st["n_items"]), (9, 3, 5))
            self.assertEqual(st["n_purchases"], 2)
            self.assertEqual(len(ds), 9)
            self.assertEqual(ds.n_items, 5)
            self.assertEqual(ds.count_events("purchase"), 2)
            self.assertEqual(ds.count_events("click"), 7)
            # sorted key order: 100 -> 0 ... 104 -> 4
            self.assertEqual([ds.item_id(k) for k in (100, 104)], [0, 4])
            self.assertEqual(ds.item_id("103"), 3)
            self.assertEqual(ds.item_key(2), "102")
            self.assertEqual(ds.session_length_histogram(4), [0, 0, 1, 2])
            self.assertIn("3 sessions", repr(ds))

    def test_array_array_and_codes(self):
        d = _small()
        with offlinerl.Dataset(item_order="first_seen") as ds:
            click, buy = ds.event_type("click"), ds.event_type("purchase")
            self.assertEqual((click, buy), (0, 1))
            codes = array.array("i", [buy if e == "purchase" else click for e in d["events"]])
            ds.add_events(array.array("q", d["sessions"]), array.array("q", d["items"]),
                          array.array("q", d["timestamps"]), codes,
                          rewards=array.array("f", [0.5] * 9),
                          propensities=[0.25] * 8 + [float("nan")])
            self.assertFalse(ds.finalized)
            ds.finalize()
            st = ds.stats()
            self.assertEqual(st["n_with_propensity"], 8)
            # first-seen order after sorting session 1 by time: 101 first
            self.assertEqual(ds.item_key(0), "101")

    def test_string_keys(self):
        d = _small()
        sessions = [f"s{s}" for s in d["sessions"]]
        items = [f"item-{i}" for i in d["items"]]
        with offlinerl.Dataset.from_events(sessions, items, d["timestamps"], d["events"]) as ds:
            self.assertEqual(ds.n_sessions, 3)
            self.assertEqual(ds.item_key(ds.item_id("item-104")), "item-104")
            self.assertStatus(Status.NOT_FOUND, ds.item_id, "item-999")

    def test_event_rewards_and_purchase_flags(self):
        with offlinerl.Dataset() as ds:
            ds.set_event_reward("like", 0.7)
            ds.set_event_purchase("like", True)
            ds.add_events([1, 1], [5, 6], [1, 2], ["like", "view"])
            ds.finalize()
            info = {t["name"]: t for t in ds.stats_json()["event_types"]}
            self.assertAlmostEqual(info["like"]["reward"], 0.7, places=6)
            self.assertEqual(info["like"]["purchase"], 1)
            self.assertAlmostEqual(info["view"]["reward"], 0.2, places=6)
            self.assertEqual(ds.stats()["n_purchases"], 1)
            self.assertStatus(Status.STATE, ds.event_type, "new-after-finalize")

    def test_sessions_read_back(self):
        ds = offlinerl.Dataset()
        with self.assertRaises(offlinerl.OfflineRLError) as cm:
            ds.session_count()
        self.assertEqual(cm.exception.status, Status.STATE)
        ds.add_events(sessions=[7, 7, 9, 7, 9], items=[10, 11, 12, 13, 10],
                      timestamps=[3, 1, 5, 2, 4],
                      events=["click", "click", "purchase", "purchase", "click"])
        ds.finalize()
        self.assertEqual(ds.session_count(), 2)
        self.assertEqual(ds.session_key(0), "7")
        ev = ds.session_events(0)
        self.assertEqual([e["item"] for e in ev], [11, 13, 10])
        self.assertEqual([e["timestamp"] for e in ev], [1, 2, 3])
        self.assertEqual([e["event_code"] for e in ev],
                         [ds.event_type("click"), ds.event_type("purchase"),
                          ds.event_type("click")])
        self.assertAlmostEqual(ev[1]["reward"], 1.0)
        self.assertEqual([k for k, _ in ds.sessions()], ["7", "9"])
        with self.assertRaises(offlinerl.OfflineRLError) as cm:
            ds.session_events(2)
        self.assertEqual(cm.exception.status, Status.OUT_OF_RANGE)
        ds.close()

    def test_errors(self):
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Dataset, window=0)
        self.assertStatus(Status.UNKNOWN_KEY, offlinerl.Dataset, windw=3)
        self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Dataset, item_order="random")
        with offlinerl.Dataset() as ds:
            self.assertStatus(Status.INVALID_ARGUMENT, ds.add_events, [1, 2], [1], [1, 2], [0, 0])
            self.assertStatus(Status.INVALID_ARGUMENT, ds.add_events, [1], [1], [1], [7])
            self.assertStatus(Status.INVALID_ARGUMENT, ds.add_events, [1], [1.5], [1], ["click"])
            self.assertStatus(Status.OUT_OF_RANGE, ds.add_events, [1], [1], [1], ["click"],
                              propensities=[2.0])
            self.assertEqual(len(ds), 0, "failed appends keep nothing")
            self.assertStatus(Status.STATE, ds.session_length_histogram, 4)
            self.assertStatus(Status.STATE, ds.split)
            self.assertStatus(Status.STATE, ds.item_id, 1)
            self.assertStatus(Status.OUT_OF_RANGE, ds.set_event_reward, "click", math.inf)
            self.assertStatus(Status.NOT_FOUND, ds.count_events, "nope")
            ds.add_events([1], [1], [1], ["click"])
            ds.finalize()
            self.assertStatus(Status.STATE, ds.finalize)
            self.assertStatus(Status.STATE, ds.add_events, [1], [1], [1], ["click"])
            self.assertStatus(Status.OUT_OF_RANGE, ds.item_key, 5)
            self.assertStatus(Status.INVALID_ARGUMENT, ds.session_length_histogram, 1)

    def test_closed_handle_raises(self):
        ds = offlinerl.Dataset()
        ds.close()
        ds.close()  # idempotent
        self.assertTrue(ds.closed)
        self.assertStatus(Status.STATE, ds.stats)
        self.assertStatus(Status.STATE, len, ds)
        self.assertEqual(repr(ds), "<offlinerl.Dataset closed>")


class FileTest(support.ErrorAssertions):
    def test_csv_and_preset_and_columns(self):
        path = support.csv_path()
        with offlinerl.Dataset.from_csv(path, window=5) as ds:
            self.assertGreater(len(ds), 100)
            self.assertEqual(ds.stats()["window"], 5)
            self.assertEqual(ds.last_report["rows_loaded"], len(ds))
            n = len(ds)
        # The same file through an explicit column mapping and a gzip copy.
        gz = support.Tmp.file("logs.csv.gz")
        with open(path, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        with offlinerl.Dataset.from_csv(gz, "canonical", session_col="session_id",
                                        item_col="#2", time_col="timestamp",
                                        event_col="event", time_format="integer") as ds:
            self.assertEqual(len(ds), n)

    def test_csv_errors(self):
        bad = support.Tmp.file("bad.csv")
        with open(bad, "w") as f:
            f.write("session_id,timestamp,item_id,event\n1,abc,3,click\n1,5,4,click\n")
        err = self.assertStatus(Status.PARSE, offlinerl.Dataset.from_csv, bad)
        self.assertIn("bad.csv:2", err.message)
        with offlinerl.Dataset() as ds:
            report = ds.load_csv(bad, strict=False)
            self.assertEqual((report["rows_read"], report["rows_malformed"]), (2, 1))
            self.assertEqual(report["first_error_line"], 2)
            self.assertIn("abc", report["first_error"])
        self.assertStatus(Status.NOT_FOUND, offlinerl.Dataset.from_csv,
                          support.Tmp.file("missing.csv"))
        self.assertStatus(Status.NOT_FOUND, offlinerl.Dataset.from_csv, bad, "no-such-preset")
        self.assertStatus(Status.UNKNOWN_KEY, offlinerl.Dataset.from_csv, bad, sesion_col="x")
        self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Dataset.from_csv, bad,
                          time_format="weekly")

    def test_jsonl(self):
        path = support.Tmp.file("otto.jsonl")
        with open(path, "w") as f:
            f.write('{"session":1,"events":[{"aid":5,"ts":1,"type":"clicks"},'
                    '{"aid":6,"ts":2,"type":"orders"}]}\n')
            f.write('{"session":2,"events":[{"aid":5,"ts":3,"type":"carts"}]}\n')
            f.write("not json\n")
        self.assertStatus(Status.PARSE, offlinerl.Dataset.from_jsonl, path)
        with offlinerl.Dataset.from_jsonl(path, strict=False) as ds:
            self.assertEqual((len(ds), ds.n_sessions), (3, 2))
            self.assertEqual(ds.last_report["rows_malformed"], 1)
            self.assertEqual(ds.stats()["n_purchases"], 2)

    def test_save_load_roundtrip(self):
        path = support.Tmp.file("data.orld")
        with offlinerl.Dataset.from_events(**_small()) as ds:
            ds.save(path)
            before = ds.stats_json()
        with offlinerl.Dataset.load(path) as ds:
            self.assertEqual(ds.stats_json()["events"], before["events"])
            self.assertEqual(ds.stats_json()["event_types"], before["event_types"])
            self.assertEqual(ds.item_key(4), "104")
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0xFF]))
        self.assertStatus(Status.CHECKSUM, offlinerl.Dataset.load, path)
        self.assertStatus(Status.NOT_FOUND, offlinerl.Dataset.load, support.Tmp.file("none.orld"))
        with offlinerl.Dataset() as open_ds:
            self.assertStatus(Status.STATE, open_ds.save, support.Tmp.file("x.orld"))


class SplitTest(support.ErrorAssertions):
    def test_split_parts_share_items(self):
        _, train, valid, test, _ = support.world()
        n = sum(p.n_sessions for p in (train, valid, test))
        self.assertEqual(train.n_sessions, int(0.8 * n))
        self.assertEqual(train.n_items, test.n_items)
        key = train.item_key(3)
        self.assertEqual(test.item_id(int(key)), 3)

    def test_time_split_and_errors(self):
        with offlinerl.Dataset.from_events(**_small()) as ds:
            a, b, c = ds.split(train=1 / 3, valid=1 / 3, method="time")
            with a, b, c:
                self.assertEqual([p.n_sessions for p in (a, b, c)], [1, 1, 1])
                # by session start: session 1 (t=1), 2 (t=5), 3 (t=7)
                self.assertEqual(a.stats()["time_min"], 1)
                self.assertEqual(c.stats()["time_min"], 7)
            self.assertStatus(Status.OUT_OF_RANGE, ds.split, 0.9, 0.2)
            self.assertStatus(Status.INVALID_ARGUMENT, ds.split, method="alphabetical")


if __name__ == "__main__":
    unittest.main()
