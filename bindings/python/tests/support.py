"""Shared fixtures: a small simulator world and one trained model, built once per run."""

import functools
import os
import shutil
import tempfile
import unittest

import offlinerl

N_ITEMS = 40


class Tmp:
    """A scratch directory removed at interpreter exit."""

    path = None

    @classmethod
    def file(cls, name):
        if cls.path is None:
            cls.path = tempfile.mkdtemp(prefix="offlinerl-py-")
            import atexit

            atexit.register(shutil.rmtree, cls.path, True)
        return os.path.join(cls.path, name)


@functools.lru_cache(maxsize=None)
def world():
    """(simulator, train, valid, test, model): 400 logged sessions over 40 items, one epoch."""
    sim = offlinerl.Simulator(n_items=N_ITEMS, n_users=60, n_clusters=5, seed=7)
    data = sim.generate(400)
    train, valid, test = data.split(0.8, 0.1, seed=3)
    data.close()
    trainer = offlinerl.Trainer("sl", epochs=2, batch_size=64, embed_dim=8, hidden_dim=8,
                                seed=1, threads=1)
    trainer.fit(train)
    model = trainer.export()
    trainer.close()
    return sim, train, valid, test, model


def csv_path():
    """A canonical CSV of the simulator world's logs (written once)."""
    path = Tmp.file("logs.csv")
    if not os.path.exists(path):
        world()[0].write_csv(300, path)
    return path


def symbols_file():
    """tests/abi/symbols.txt of the checkout, or None when installed elsewhere."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "tests", "abi", "symbols.txt")
    return path if os.path.exists(path) else None


class ErrorAssertions(unittest.TestCase):
    def assertStatus(self, status, fn, *args, **kwargs):
        """fn(*args) raises OfflineRLError with this status; returns the error."""
        with self.assertRaises(offlinerl.OfflineRLError) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(ctx.exception.status, status, str(ctx.exception))
        self.assertTrue(ctx.exception.message)
        return ctx.exception
