"""python -m offlinerl: the subcommands of the orl CLI."""

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest

from offlinerl import cli

from . import support


def run(*argv):
    """(exit status, stdout, stderr) of one in-process command."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(list(argv))
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 2
    return status, out.getvalue(), err.getvalue()


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.csv = support.Tmp.file("cli.csv")
        cls.model = support.Tmp.file("cli.orl")
        status, _, err = run("sim", "generate", "--sessions", "300", "--items", "30",
                             "--clusters", "3", "--out", cls.csv)
        assert status == 0, err
        status, out, err = run("train", "--data", cls.csv, "--holdout", "0.2", "--epochs", "1",
                               "--embed", "8", "--hidden", "8", "--threads", "1", "--json",
                               "--out", cls.model)
        assert status == 0, err
        cls.train_json = json.loads(out)

    def test_version(self):
        status, out, _ = run("version")
        self.assertEqual(status, 0)
        self.assertIn("orl 0.", out)

    def test_train_output(self):
        self.assertEqual(self.train_json["algorithm"], "sl")
        self.assertGreater(self.train_json["test"]["click"]["count"], 0)
        self.assertTrue(os.path.exists(self.model))

    def test_data_inspect_and_save(self):
        orld = support.Tmp.file("cli.orld")
        status, out, _ = run("data", "inspect", self.csv, "--json", "--save", orld)
        self.assertEqual(status, 0)
        stats = json.loads(out)
        self.assertEqual(stats["items"], 30)
        status, out, _ = run("data", "inspect", orld)
        self.assertEqual(status, 0)
        self.assertIn(f"events     {stats['events']}", out)

    def test_eval(self):
        status, out, _ = run("eval", "--model", self.model, "--data", self.csv, "--json")
        self.assertEqual(status, 0)
        r = json.loads(out)
        self.assertEqual(r["model"]["n_items"], 30)
        status, out, _ = run("eval", "--model", self.model, "--data", self.csv)
        self.assertIn("purchases", out)

    def test_recommend(self):
        status, out, _ = run("recommend", "--model", self.model, "--history", "1,2,3", "-k", "4",
                             "--json")
        self.assertEqual(status, 0)
        self.assertEqual(len(json.loads(out)["items"]), 4)
        status, out, _ = run("recommend", "--model", self.model, "--history", "1,2",
                             "--candidates", "5,6,99999")
        self.assertEqual(status, 0)
        lines = out.strip().splitlines()
        self.assertEqual(lines[-1].split("\t")[0], "99999", "unknown candidates rank last")
        # --exclude: the ranking without the excluded items
        status, out, _ = run("recommend", "--model", self.model, "--history", "1,2", "-k", "5",
                             "--json")
        full = [i["item"] for i in json.loads(out)["items"]]
        status, out, _ = run("recommend", "--model", self.model, "--history", "1,2", "-k", "3",
                             "--exclude", "%d,%d" % (full[0], full[2]), "--json")
        self.assertEqual(status, 0)
        self.assertEqual([i["item"] for i in json.loads(out)["items"]], [full[1]] + full[3:5])
        self.assertEqual(run("recommend", "--model", self.model, "--exclude", "x")[0], 2)

    def test_baselines(self):
        status, out, _ = run("sim", "baselines", "--sessions", "50", "--items", "30",
                             "--clusters", "3")
        self.assertEqual(status, 0)
        policies = [json.loads(line)["policy"] for line in out.splitlines()]
        self.assertEqual(policies, ["logging", "popularity", "random"])

    def test_errors(self):
        status, _, err = run("eval", "--model", support.Tmp.file("none.orl"), "--data", self.csv)
        self.assertEqual(status, 1)
        self.assertIn("none.orl", err)
        status, _, err = run("train", "--data", self.csv, "--out", self.model, "--algo", "zz")
        self.assertEqual(status, 1)
        self.assertIn("not available", err)
        self.assertEqual(run("recommend", "--model", self.model, "--history", "a,b")[0], 2)
        self.assertEqual(run("nonsense")[0], 2)

    def test_train_encoder_options(self):
        out_model = support.Tmp.file("cli-encoder.orl")
        status, out, err = run("train", "--data", self.csv, "--holdout", "0.2", "--epochs", "1",
                               "--embed", "8", "--hidden", "8", "--threads", "1", "--json",
                               "--encoder", "gru4rec", "--dropout", "0.5",
                               "--encoder-set", "embed_dim=4", "--out", out_model)
        self.assertEqual(status, 0, err)
        self.assertEqual(json.loads(out)["encoder"],
                         {"architecture": "gru4rec", "embed_dim": 4, "hidden_dim": 8,
                          "window": 10, "dropout": 0.5})
        self.assertEqual(self.train_json["encoder"]["architecture"], "gru4rec")
        status, out, _ = run("eval", "--model", out_model, "--data", self.csv, "--json")
        self.assertEqual(status, 0)
        self.assertEqual(json.loads(out)["model"]["encoder"]["embed_dim"], 4)
        # the printed configuration shows the encoder too
        status, _, err = run("train", "--data", self.csv, "--epochs", "1", "--embed", "8",
                             "--hidden", "8", "--threads", "1", "--quiet", "--out", out_model)
        self.assertEqual(status, 0, err)
        self.assertIn('encoder {"architecture": "gru4rec", "embed_dim": 8', err)

    def test_encoder_usage_errors(self):
        for args, message in ((["--encoder", "lstm"], "not supported"),
                              (["--encoder-set", "num_blocks=2"], "does not exist for gru4rec"),
                              (["--encoder-set", "hidden_dim=0"], "hidden_dim 0 is outside"),
                              (["--encoder-set", "dilations=1,x"], "integers separated"),
                              (["--encoder-set", "num_heads"], "KEY=VALUE"),
                              (["--encoder-set", "window=4"], "--window"),
                              (["--dropout", "1"], "dropout 1 is outside")):
            with self.subTest(args=args):
                status, _, err = run("train", "--data", self.csv, "--out",
                                     support.Tmp.file("unused.orl"), *args)
                self.assertEqual(status, 2, err)
                self.assertIn(message, err)

    def test_train_help_lists_the_encoder_options(self):
        status, out, _ = run("train", "--help")
        self.assertEqual(status, 0)
        for option in ("--encoder NAME", "--encoder-set KEY=VALUE", "--dropout X", "nextitnet"):
            self.assertIn(option, out)

    def test_unknown_missing_and_malformed_options_are_usage_errors(self):
        """Issue 20: every command refuses what it does not understand (status 2, the option
        named, the closest known one hinted, a pointer to --help); no abbreviations."""
        base = {"train": ["--data", "x.csv", "--out", "y.orl"], "eval": ["--model", "m",
                "--data", "d"], "recommend": ["--model", "m"], "data": ["inspect", "f.csv"],
                "sim": ["generate", "--out", "x.csv"], "version": []}
        cases = (
            ("train", ["--epoch", "5"], "unknown option '--epoch' (did you mean '--epochs'?)"),
            ("train", ["--bogus", "3"], "unknown option '--bogus'"),
            ("train", ["--epochs"], "argument --epochs: expected one argument"),
            ("train", ["--epochs", "5x"], "argument --epochs: invalid int value: '5x'"),
            ("train", ["--lr", "fast"], "argument --lr: invalid number value: 'fast'"),
            ("train", ["stray"], "unexpected argument 'stray'"),
            ("eval", ["--thread", "2"], "unknown option '--thread' (did you mean '--threads'?)"),
            ("eval", ["--threads"], "argument --threads: expected one argument"),
            ("eval", ["--threads", "two"], "argument --threads: invalid int value: 'two'"),
            ("recommend", ["--histroy", "1"], "unknown option '--histroy' (did you mean "
             "'--history'?)"),
            ("recommend", ["-k"], "argument -k: expected one argument"),
            ("recommend", ["-k", "1.5"], "argument -k: invalid int value: '1.5'"),
            ("data", ["--jsn"], "unknown option '--jsn' (did you mean '--json'?)"),
            ("data", ["--save"], "argument --save: expected one argument"),
            ("data", ["--window", "x"], "argument --window: invalid int value: 'x'"),
            ("sim", ["--sesions", "5"], "unknown option '--sesions' (did you mean "
             "'--sessions'?)"),
            ("sim", ["--sessions"], "argument --sessions: expected one argument"),
            ("sim", ["--epsilon", "abc"], "argument --epsilon: invalid number value: 'abc'"),
            ("version", ["--bogus"], "unknown option '--bogus'"),
        )
        for command, extra, message in cases:
            with self.subTest(command=command, args=extra):
                status, out, err = run(command, *base[command], *extra)
                self.assertEqual(status, 2, err)
                self.assertIn(message, err)
                self.assertIn(f"see 'python -m offlinerl {command} --help'", err)
                self.assertEqual(out, "")

    def test_module_entry_point(self):
        proc = subprocess.run([sys.executable, "-m", "offlinerl", "version"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(proc.stdout.startswith("orl "))
        proc = subprocess.run([sys.executable, "-m", "offlinerl", "train", "--data", "x.csv",
                               "--out", "y.orl", "--epoch", "5"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown option '--epoch' (did you mean '--epochs'?)", proc.stderr)


if __name__ == "__main__":
    unittest.main()
