"""Unit tests of pipelines/ci/buildbot/master.cfg without kernels or a running master:
the configuration Buildbot loads (Debian's buildbot 3.7, /usr/bin/python3), its Nightly
scheduler and force form for `kgate nightly`, the force form's properties (series, tree,
pull-request base/head), the exit-code → result mapping, and the check's build command
run for real by bash with a stand-in kgate: a tree_url that cannot be cloned is exit 4
(EXCEPTION, never the patch's FAILURE), kgate's own code passes through, the
pull-request form passes --base/--head. The full sharded check runs in
BuildbotEndToEndTests. Run: /usr/bin/python3 -m unittest test_buildbot_master."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MASTER = os.path.join(ROOT, "pipelines/ci/buildbot/master.cfg")
EXAMPLE = os.path.join(ROOT, "pipelines/ci/buildbot/kgate-buildbot.example.json")

STAND_IN = """#!/bin/bash
# A stand-in kgate: records its arguments; `build` exits with $FAKE_BUILD_EXIT.
echo "$*" >> "$FAKE_LOG"
case "$1" in build) exit "${FAKE_BUILD_EXIT:-0}";; *) exit 0;; esac
"""


class Props:
    def __init__(self, **values):
        self.values = dict(values, buildnumber=7)

    def getProperty(self, name, default=None):
        return self.values.get(name, default)


class MasterConfig(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="kgate-bb-unit-")
        cls.kgate = os.path.join(cls.dir, "kgate")
        with open(cls.kgate, "w") as f:
            f.write(STAND_IN)
        os.chmod(cls.kgate, 0o755)
        settings = json.load(open(EXAMPLE))
        settings.update(kgate=cls.kgate, build_cache=os.path.join(cls.dir, "cache"),
                        result_dir=os.path.join(cls.dir, "results"))
        shutil.copy(MASTER, os.path.join(cls.dir, "master.cfg"))
        with open(os.path.join(cls.dir, "kgate-buildbot.json"), "w") as f:
            json.dump(settings, f)
        cls.settings = settings
        cls.ns = {"__file__": os.path.join(cls.dir, "master.cfg")}
        exec(compile(open(cls.ns["__file__"]).read(), cls.ns["__file__"], "exec"), cls.ns)
        cls.config = cls.ns["BuildmasterConfig"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_buildbot_checkconfig_accepts_it(self):
        r = subprocess.run(["buildbot", "checkconfig", self.dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_nightly_scheduler_and_its_force_form_run_kgate_nightly(self):
        from buildbot.schedulers.forcesched import ForceScheduler
        from buildbot.schedulers.timed import Nightly
        by_name = {s.name: s for s in self.config["schedulers"]}
        nightly = by_name["kgate-nightly"]
        self.assertIsInstance(nightly, Nightly)
        self.assertEqual((nightly.hour, nightly.minute), (2, 0))
        self.assertEqual(list(nightly.builderNames), ["kgate-nightly"])
        self.assertIsInstance(by_name["kgate-nightly-force"], ForceScheduler)
        builder = next(b for b in self.config["builders"] if b.name == "kgate-nightly")
        command = builder.factory.steps[0].kwargs["command"]
        self.assertEqual(command[:6], [self.kgate, "nightly", "--tree", "linux-6.12", "--pipeline", "nightly"])
        self.assertEqual(command[6], "--report-dir")

    def test_force_form_takes_the_series_and_the_pull_request_forms(self):
        force = next(s for s in self.config["schedulers"] if s.name == "kgate-force")
        names = {p.name for p in force.all_fields}
        self.assertTrue({"series", "patchwork", "tree", "tree_url", "tree_branch", "base", "head", "pipeline"} <= names, names)

    def test_exit_codes_map_to_results(self):
        from buildbot.process.results import EXCEPTION, FAILURE, SUCCESS, WARNINGS
        self.assertEqual(self.ns["DECODE"], {0: SUCCESS, 1: FAILURE, 2: FAILURE, 3: WARNINGS, 4: EXCEPTION, 64: EXCEPTION})

    def run_export(self, build_exit=0, **props):
        command = self.ns["export_command"].fn(Props(**props))
        self.assertEqual(command[:2], ["bash", "-c"])
        log = os.path.join(self.dir, "calls.log")
        open(log, "w").close()
        env = {"PATH": os.environ["PATH"], "HOME": self.dir, "FAKE_LOG": log, "FAKE_BUILD_EXIT": str(build_exit),
               "SERIES": props.get("series", ""), "TREE_URL": props.get("tree_url", ""),
               "TREE_BRANCH": props.get("tree_branch", "master"), "BASE": props.get("base", ""),
               "HEAD": props.get("head", ""), "PIPELINE": "premerge"}
        r = subprocess.run(command, cwd=self.dir, env=env, capture_output=True, text=True, timeout=120)
        with open(log) as f:
            return r, f.read()

    def test_a_tree_url_that_cannot_be_cloned_is_infrastructure(self):
        r, calls = self.run_export(series="x.mbox", tree_url=os.path.join(self.dir, "no-such-tree.git"))
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("fetching the tree failed", r.stderr)
        self.assertEqual(calls, "", "kgate must not run")
        with open(os.path.join(self.dir, "build-exit-code")) as f:
            self.assertEqual(f.read().strip(), "4", "the merge step ends the check with the build's code")

    def test_kgate_exit_code_passes_through_and_the_pull_request_form(self):
        repo = os.path.join(self.dir, "kernel")
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run(["git", "init", "-q", "-b", "master", repo], check=True)
        with open(os.path.join(repo, "Makefile"), "w") as f:
            f.write("all:\n")
        subprocess.run(git + ["-C", repo, "add", "Makefile"], check=True)
        subprocess.run(git + ["-C", repo, "commit", "-qm", "base"], check=True)
        base = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        r, calls = self.run_export(build_exit=1, series="x.mbox", tree_url="file://" + repo)
        self.assertEqual(r.returncode, 1, r.stderr)   # a regression stays a regression
        with open(os.path.join(self.dir, "build-exit-code")) as f:
            self.assertEqual(f.read().strip(), "1")
        self.assertIn("tree add", calls)
        self.assertIn("--series x.mbox", calls)
        r, calls = self.run_export(build_exit=2, base=base, head=base, tree="linux-6.12")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--tree linux-6.12 --base %s --head %s" % (base, base), calls)
        self.assertNotIn("--series", calls)


if __name__ == "__main__":
    unittest.main()
