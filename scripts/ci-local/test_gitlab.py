"""Unit tests of the local GitLab executor: expressions, variables, ordering, artifacts,
caches, junit and the keywords it refuses. Run: python3 -m unittest discover scripts/ci-local
(Tests/KGateCommandsTests/CILocalExecutorTests.swift runs them with the unit tests)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gitlab  # noqa: E402
from gitlab_rules import ExpressionError, evaluate, expand  # noqa: E402


class Expressions(unittest.TestCase):
    V = {"A": "abc", "E": "", "SRC": "merge_request_event"}

    def test_variable_alone_is_set_and_not_empty(self):
        self.assertTrue(evaluate("$A", self.V))
        self.assertFalse(evaluate("$E", self.V))
        self.assertFalse(evaluate("$MISSING", self.V))

    def test_equality_null_and_empty_differ(self):
        self.assertTrue(evaluate('$E == ""', self.V))
        self.assertFalse(evaluate("$E == null", self.V))
        self.assertTrue(evaluate("$MISSING == null", self.V))
        self.assertTrue(evaluate("$SRC == 'merge_request_event'", self.V))
        self.assertTrue(evaluate('$A != "x"', self.V))

    def test_regex_and_precedence(self):
        self.assertTrue(evaluate("$A =~ /^AB/i", self.V))
        self.assertTrue(evaluate("$A !~ /^z/", self.V))
        self.assertFalse(evaluate("$MISSING =~ /.*/", self.V))
        # && binds tighter than ||: false || (true && true)
        self.assertTrue(evaluate('$E || $A && $SRC == "merge_request_event"', self.V))
        self.assertFalse(evaluate('($E || $A) && $SRC == "push"', self.V))

    def test_garbage_is_an_error_not_false(self):
        for bad in ["$A ==", "$A = 'x'", "(A", "/x/ =~ $A", "$A == /x/"]:
            with self.assertRaises(ExpressionError, msg=bad):
                evaluate(bad, self.V)

    def test_expand(self):
        self.assertEqual(expand("k-$A-${A}-$$A-$NONE.", self.V), "k-abc-abc-$A-.")


class Pipelines(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gitlab-local-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.project = os.path.join(self.dir, "p")
        subprocess.run(["git", "init", "-q", self.project], check=True)
        subprocess.run(["git", "-C", self.project, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q",
                        "--allow-empty", "-m", "x"], check=True)

    def run_pipeline(self, text, *extra):
        cfg = os.path.join(self.dir, "ci.yml")
        with open(cfg, "w") as f:
            f.write(textwrap.dedent(text))
        summary = os.path.join(self.dir, "summary.json")
        code = gitlab.main([cfg, "--project", self.project, "--work", os.path.join(self.dir, "w%d" % len(os.listdir(self.dir))),
                            "--cache-store", os.path.join(self.dir, "store"), "--summary", summary] + list(extra))
        jobs = []
        if code != 2:
            with open(summary) as f:
                jobs = json.load(f)["jobs"]
        return code, {j["name"]: j for j in jobs}, [j["name"] for j in jobs]

    def test_needs_order_parallel_and_artifacts_of_a_failed_shard(self):
        code, jobs, order = self.run_pipeline("""
            merge:
              stage: test
              needs: [shard]
              rules: [{when: always}]
              script: ['cat out/1 out/2 > all; grep -q "node 2/2" all']
            shard:
              stage: build
              parallel: 2
              script: ['mkdir out; echo "node $CI_NODE_INDEX/$CI_NODE_TOTAL" > out/$CI_NODE_INDEX; test $CI_NODE_INDEX = 1']
              artifacts: {when: always, paths: [out/]}
            """)
        self.assertEqual(order, ["shard 1/2", "shard 2/2", "merge"])
        self.assertEqual(jobs["shard 2/2"]["status"], "failed")
        self.assertEqual(jobs["merge"]["status"], "success")   # when: always, the failed shard's artifact is there
        self.assertEqual(code, 1)

    def test_on_success_job_after_a_failure_is_skipped(self):
        code, jobs, _ = self.run_pipeline("""
            a: {stage: build, script: ['exit 4']}
            b: {stage: test, script: ['true']}
            c: {stage: test, when: on_failure, script: ['true']}
            """)
        self.assertEqual((jobs["b"]["status"], jobs["c"]["status"], code), ("skipped", "success", 1))

    def test_allowed_exit_code_and_fresh_home_and_rules(self):
        code, jobs, order = self.run_pipeline("""
            a:
              variables: {D: $CI_PROJECT_DIR/x}
              rules: [{if: $MODE == "mr", when: never}, {if: $MODE}]
              allow_failure: {exit_codes: [3]}
              script: ['test "$D" = "$PWD/x"', 'test -z "$(ls -A $HOME)"', 'exit 3']
            b:
              rules: [{if: $MODE == "mr"}]
              script: ['true']
            """, "--var", "MODE=series")
        self.assertEqual(order, ["a"])
        self.assertTrue(jobs["a"]["allowed_failure"])
        self.assertEqual(code, 0)

    def test_before_script_shares_the_shell_after_script_does_not_count(self):
        code, jobs, _ = self.run_pipeline("""
            a:
              before_script: ['export X=1']
              script: ['test "$X" = 1']
              after_script: ['test -z "$X"', 'exit 7']
            """)
        self.assertEqual((jobs["a"]["status"], code), ("success", 0))

    def test_masked_variable_comes_from_the_environment_and_never_reaches_a_log(self):
        os.environ["TEST_SECRET_TOKEN"] = "s3cr3t-t0ken"
        self.addCleanup(os.environ.pop, "TEST_SECRET_TOKEN", None)
        code, jobs, _ = self.run_pipeline("""
            a:
              script: ['test "$TEST_SECRET_TOKEN" = s3cr3t-t0ken', 'echo "token $TEST_SECRET_TOKEN"']
            """, "--masked-var", "TEST_SECRET_TOKEN")
        self.assertEqual((jobs["a"]["status"], code), ("success", 0))
        with open(jobs["a"]["log"]) as f:
            log = f.read()
        self.assertIn("token [MASKED]", log)
        self.assertNotIn("s3cr3t-t0ken", log)
        os.environ.pop("TEST_SECRET_TOKEN")
        code, _, _ = self.run_pipeline("a: {script: ['true']}", "--masked-var", "TEST_SECRET_TOKEN")
        self.assertEqual(code, 2, "an unset masked variable is refused")

    def test_malformed_junit_fails_the_job(self):
        code, jobs, _ = self.run_pipeline("""
            a:
              script: ['echo "<testsuites><testsuite>" > j.xml']
              artifacts: {reports: {junit: j.xml}}
            """)
        self.assertEqual((jobs["a"]["status"], code), ("failed", 1))

    def test_cache_is_saved_by_key_and_restored_in_the_next_pipeline(self):
        text = """
            a:
              variables: {K: one}
              cache: [{key: c-$K, paths: [cache/]}]
              script: ['mkdir -p cache; echo x >> cache/f; wc -l < cache/f > n']
              artifacts: {paths: [n]}
            """
        self.run_pipeline(text)
        self.run_pipeline(text)
        with open(os.path.join(self.dir, "store", "c-one", "cache", "f")) as f:
            self.assertEqual(f.read(), "x\nx\n")

    def test_unknown_keywords_and_when_with_rules_are_refused(self):
        for text in ["a: {script: [x], retry: 2}", "a: {script: [x], trigger: {include: c.yml}}",
                     "a: {script: [x], when: always, rules: [{when: always}]}", "a: {script: [!reference [.b, s]]}",
                     "a: {script: [x], rules: [{if: '$A ='}]}", "workflow: {rules: []}\na: {script: [x]}"]:
            code, _, _ = self.run_pipeline(text)
            self.assertEqual(code, 2, text)

    def test_require_install_finds_a_tool_run_before_its_installer(self):
        code, _, _ = self.run_pipeline("a: {script: ['kgate merge x', 'bash install-runtime.sh']}",
                                       "--require-install", r"\bkgate\b=install-runtime\.sh")
        self.assertEqual(code, 2)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE_KGATE = r"""#!/usr/bin/env bash
# A stand-in for kgate that records how the template calls it (the plumbing, not the measuring).
echo "$*" >> "$FAKE_CALLS"
case "$1" in
  tree) exit 0 ;;
  build) [ "${FAKE_BUILD_EXIT:-0}" = 0 ] || exit "$FAKE_BUILD_EXIT"; mkdir -p "$3"; echo '{}' > "$3/manifest.json" ;;
  check) shard=""; dir=""; while [ $# -gt 0 ]; do case "$1" in --shard) shard=$2 ;; --shard-dir) dir=$2 ;; esac; shift; done
         [ "${shard%/*}" = "${FAKE_FAIL_SHARD:-0}" ] && exit 4
         mkdir -p "$dir"; echo '{}' > "$dir/shard.json" ;;
  merge) shift; dirs=0; report=""; while [ $# -gt 0 ]; do case "$1" in --report-dir) report=$2; shift ;; --*) shift ;; *) dirs=$((dirs + 1)) ;; esac; shift; done
         mkdir -p "$report"; code=0; [ "$dirs" -ge 2 ] || code=4
         echo "<testsuites><testsuite name='kgate'><testcase name='merge of $dirs'/></testsuite></testsuites>" > "$report/junit.xml"
         exit $code ;;
esac
"""


class ShippedTemplatePlumbing(unittest.TestCase):
    """pipelines/ci/gitlab-ci.yml with a stand-in kgate: a failed shard still reaches the
    verdict job, which merges what there is into an infrastructure verdict (4) with JUnit;
    a failed build gives a JUnit naming it and its exit code. Seconds, no kernels."""

    def run_template(self, **fake):
        d = tempfile.mkdtemp(prefix="gitlab-template-test-")
        self.addCleanup(shutil.rmtree, d, True)
        kgate = os.path.join(d, "fake-kgate")
        with open(kgate, "w") as f:
            f.write(FAKE_KGATE)
        os.chmod(kgate, 0o755)
        calls = os.path.join(d, "calls")
        # The kgate project as the jobs see it, its installers stand-ins too (a unit test installs nothing).
        project = os.path.join(d, "kgate-project")
        shutil.copytree(os.path.join(ROOT, "pipelines"), os.path.join(project, "pipelines"))
        shutil.copytree(os.path.join(ROOT, "vm-images"), os.path.join(project, "vm-images"))
        os.makedirs(os.path.join(project, "scripts"))
        for name in ["Package.swift", "scripts/install-deps.sh", "scripts/install-runtime.sh"]:
            with open(os.path.join(project, name), "w") as f:
                f.write("echo stand-in for %s\n" % name)
        subprocess.run(["git", "init", "-q", project], check=True)
        subprocess.run(["git", "-C", project, "add", "-A"], check=True)
        subprocess.run(["git", "-C", project, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "x"],
                       check=True)
        head = subprocess.run(["git", "-C", project, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        tree = os.path.join(d, "tree")
        subprocess.run(["git", "init", "-q", "-b", "main", tree], check=True)
        subprocess.run(["git", "-C", tree, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty",
                        "-m", "x"], check=True)
        variables = dict(KGATE_BIN=kgate, FAKE_CALLS=calls, KGATE_SERIES="pipelines/examples/regress-tcp-rcv-audit.mbox",
                         KGATE_TREE_URL=tree, KGATE_TREE_BRANCH="main", KGATE_GIT_URL=project, KGATE_GIT_REF=head,
                         **{k: str(v) for k, v in fake.items()})
        summary = os.path.join(d, "summary.json")
        args = [os.path.join(ROOT, "pipelines/ci/gitlab-ci.yml"), "--project", project, "--work", os.path.join(d, "w"),
                "--summary", summary, "--require-install", r"(^|[;&|\s])kgate\s=install-(runtime|deps)\.sh"]
        for k, v in variables.items():
            args += ["--var", "%s=%s" % (k, v)]
        code = gitlab.main(args)
        with open(summary) as f:
            jobs = {j["name"]: j for j in json.load(f)["jobs"]}
        with open(calls) as f:
            return code, jobs, f.read()

    def test_a_failed_shard_is_merged_into_an_infrastructure_verdict_with_junit(self):
        code, jobs, calls = self.run_template(FAKE_FAIL_SHARD=2)
        self.assertEqual(jobs["kgate-shard-1 2/2"]["status"], "failed")
        self.assertEqual(jobs["kgate-verdict"]["exit_code"], 4)
        self.assertIsNotNone(jobs["kgate-verdict"]["junit"])
        self.assertIn("merge shards/w1-1 --pipeline premerge --report-dir report", calls)
        self.assertEqual(code, 1)

    def test_a_failed_build_still_publishes_junit_naming_it(self):
        code, jobs, _ = self.run_template(FAKE_BUILD_EXIT=2)
        self.assertEqual(jobs["kgate-build"]["exit_code"], 2)
        self.assertEqual(jobs["kgate-shard-1 1/2"]["status"], "skipped")
        self.assertEqual(jobs["kgate-verdict"]["exit_code"], 2)
        self.assertEqual(jobs["kgate-verdict"]["junit"]["failures"], 1)


if __name__ == "__main__":
    unittest.main()
