#!/usr/bin/env python3
"""Runs a GitLab CI pipeline's jobs on this machine, one after another, as GitLab would.

usage: gitlab.py CONFIG --project REPO --work DIR [--cache-store DIR] [--var K=V ...]
                 [--masked-var NAME ...]  (value from the environment, [MASKED] in job logs)
                 [--source push|merge_request_event|api] [--sha REV] [--mr-base REV]
                 [--summary FILE] [--require-install CMD_RE=INSTALL_RE]

What it honours: `include: local`, `extends`, `variables` (predefined, global, job,
pipeline; `$VAR` expansion), `stages` (GitLab's default list when absent), `rules`
(`if`, `when`, `variables`, `allow_failure`), `when`, `needs` (with `artifacts`,
`optional`), `dependencies`, `parallel: N` (CI_NODE_INDEX/CI_NODE_TOTAL), `allow_failure`
(`exit_codes`), `timeout`, `before_script`/`script` in one shell with `set -eo pipefail`,
`after_script` in its own shell (its failure ignored), `artifacts` (`paths`, `when`,
`reports: junit`, parsed: malformed XML fails the job), `cache` (`key`, `paths`, `when`,
`policy`; restored from and saved to --cache-store/<key>), `GIT_STRATEGY` (clone, none), `GIT_CHECKOUT`.
Each job runs in a fresh clone of REPO at the pipeline's commit and a fresh HOME.
Any other keyword fails the run (exit 2) before a job starts: nothing is skipped silently.

What it cannot reproduce: `image:` (jobs run on this host's tools; --require-install
checks each job that runs a tool installs its runtime first), runners and `tags:`,
concurrency (jobs run one at a time, in an order GitLab could have used), clone depth
(a local clone has all history), `expire_in`, `interruptible` (nothing is cancelled).
Exit: 0 when the pipeline passes, 1 when it fails, 2 for a configuration it cannot run.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gitlab_rules import ExpressionError, evaluate, expand  # noqa: E402

DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]
GLOBAL_KEYS = {"include", "stages", "variables", "default", "workflow"}
DEFAULT_KEYS = {"image", "before_script", "after_script", "cache", "timeout", "interruptible", "tags",
                "artifacts", "retry"}
JOB_KEYS = {"script", "before_script", "after_script", "stage", "needs", "parallel", "rules", "when", "variables",
            "artifacts", "cache", "extends", "allow_failure", "timeout", "dependencies",
            # accepted, not reproducible here (see the module's docstring)
            "image", "interruptible", "tags"}
RULE_KEYS = {"if", "when", "variables", "allow_failure"}
ARTIFACT_KEYS = {"paths", "when", "reports", "expire_in", "name", "expose_as"}
CACHE_KEYS = {"key", "paths", "when", "policy"}


class ConfigError(Exception):
    """A configuration this executor cannot honour: the run stops before any job."""


def load(path, seen=()):
    path = os.path.abspath(path)
    if path in seen:
        raise ConfigError("include cycle at %s" % path)
    with open(path) as f:
        doc = yaml.safe_load(f) or {}   # an unknown tag such as !reference raises here
    if not isinstance(doc, dict):
        raise ConfigError("%s: the top level must be a mapping" % path)
    includes = doc.pop("include", [])
    if isinstance(includes, (str, dict)):
        includes = [includes]
    merged = {}
    for inc in includes:
        if isinstance(inc, dict) and set(inc) == {"local"}:
            inc = inc["local"]
        if not isinstance(inc, str) or re.match(r"^[a-z]+://", inc):
            raise ConfigError("only include: local is supported, not %r" % (inc,))
        merged = deep_merge(merged, load(os.path.join(os.path.dirname(path), inc.lstrip("/")), seen + (path,)))
    return deep_merge(merged, doc)


def deep_merge(base, over):
    """GitLab's merge for extends/include: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve_extends(name, jobs, depth=0):
    job = jobs[name]
    parents = job.get("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if depth > 11:
        raise ConfigError("%s: extends nests deeper than GitLab's 11 levels" % name)
    merged = {}
    for p in parents:
        if p not in jobs:
            raise ConfigError("%s: extends unknown %s" % (name, p))
        merged = deep_merge(merged, resolve_extends(p, jobs, depth + 1))
    out = deep_merge(merged, {k: v for k, v in job.items() if k != "extends"})
    return out


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def flat_script(lines, where):
    out = []
    for line in as_list(lines):
        if isinstance(line, list):
            out += flat_script(line, where)
        elif isinstance(line, (str, int, float)):
            out.append(str(line))
        else:
            raise ConfigError("%s: a script line must be a string, not %r" % (where, line))
    return out


def parse_timeout(text):
    if text is None:
        return 3600.0
    total, found = 0.0, False
    for num, unit in re.findall(r"(\d+)\s*(h|hr|hours?|m|min|minutes?|s|sec|seconds?)", str(text)):
        total += int(num) * {"h": 3600, "m": 60, "s": 1}[unit[0]]
        found = True
    if not found:
        raise ConfigError("cannot read timeout %r" % text)
    return total


class Pipeline:
    def __init__(self, config, args):
        self.args = args
        doc = load(config)
        for k in list(doc):
            if k in ("image", "services", "cache", "before_script", "after_script"):
                raise ConfigError("global %s: is deprecated in GitLab; not supported (use default: or the job)" % k)
        if "workflow" in doc:
            raise ConfigError("workflow: is not supported by this executor")
        self.stages = doc.get("stages") or DEFAULT_STAGES
        if doc.get("stages"):
            self.stages = [".pre"] + [s for s in self.stages if s not in (".pre", ".post")] + [".post"]
        default = doc.get("default") or {}
        unknown = set(default) - DEFAULT_KEYS
        if unknown:
            raise ConfigError("default: keys not supported: %s" % ", ".join(sorted(unknown)))
        self.global_vars = self.var_values(doc.get("variables") or {}, "variables")
        raw = {k: v for k, v in doc.items() if k not in GLOBAL_KEYS}
        for k, v in raw.items():
            if not isinstance(v, dict):
                raise ConfigError("%s: a job must be a mapping" % k)
        self.order = [k for k in raw if not k.startswith(".")]
        self.jobs = {}
        for name in self.order:
            job = deep_merge({k: v for k, v in default.items()}, resolve_extends(name, raw))
            unknown = set(job) - JOB_KEYS
            if unknown:
                raise ConfigError("%s: keywords this executor cannot honour: %s" % (name, ", ".join(sorted(unknown))))
            if "script" not in job:
                raise ConfigError("%s: no script" % name)
            if "rules" in job and "when" in job:
                raise ConfigError("%s: `when` may not be used with `rules` (GitLab rejects the config)" % name)
            if job.get("stage", "test") not in self.stages:
                raise ConfigError("%s: stage %s is not in stages %s" % (name, job.get("stage"), self.stages))
            self.jobs[name] = job

    @staticmethod
    def var_values(block, where):
        out = {}
        for k, v in block.items():
            if isinstance(v, dict):
                if set(v) - {"value", "description", "options", "expand"}:
                    raise ConfigError("%s.%s: unsupported variable keys" % (where, k))
                v = v.get("value", "")
            if v is None or isinstance(v, (dict, list)):
                raise ConfigError("%s.%s: a variable's value must be a string" % (where, k))
            out[str(k)] = str(v) if not isinstance(v, bool) else str(v).lower()
        return out

    def predefined(self):
        a = self.args
        v = {"CI": "true", "GITLAB_CI": "true", "CI_SERVER": "yes", "CI_PIPELINE_ID": str(os.getpid()),
             "CI_PIPELINE_SOURCE": a.source, "CI_COMMIT_SHA": a.sha, "CI_COMMIT_SHORT_SHA": a.sha[:8],
             "CI_PROJECT_NAME": os.path.basename(os.path.abspath(a.project).rstrip("/")).removesuffix(".git"),
             "CI_REPOSITORY_URL": os.path.abspath(a.project), "CI_PIPELINE_URL": "local://pipeline/%d" % os.getpid(),
             "CI_DEFAULT_BRANCH": a.branch, "CI_COMMIT_REF_NAME": a.branch}
        if a.source == "merge_request_event":
            v.update({"CI_MERGE_REQUEST_DIFF_BASE_SHA": a.mr_base, "CI_MERGE_REQUEST_IID": "1",
                      "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": a.sha, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": a.branch})
        else:
            v["CI_COMMIT_BRANCH"] = a.branch
        return v

    def job_variables(self, job, extra=None, job_predefined=None):
        """Predefined < global < job < rule < pipeline variables, values expanded once."""
        v = self.predefined()
        v.update(job_predefined or {})
        layers = [self.global_vars, self.var_values(job.get("variables") or {}, "variables"), extra or {}]
        for layer in layers:
            for k, val in layer.items():
                v[k] = expand(val, v)
        v.update(self.args.pipeline_vars)
        return v

    def instances(self):
        """The jobs GitLab would create: rules applied, parallel expanded, in stage then file order."""
        out = []
        for stage in self.stages:
            for name in self.order:
                job = self.jobs[name]
                if job.get("stage", "test") != stage:
                    continue
                when, allow, rule_vars = job.get("when", "on_success"), job.get("allow_failure", False), {}
                if "rules" in job:
                    when = "never"
                    for rule in as_list(job["rules"]):
                        if set(rule) - RULE_KEYS:
                            raise ConfigError("%s: rule keys not supported: %s" % (name, set(rule) - RULE_KEYS))
                        try:
                            hit = "if" not in rule or evaluate(rule["if"], self.job_variables(job))
                        except ExpressionError as e:
                            raise ConfigError("%s: %s" % (name, e))
                        if hit:
                            when = rule.get("when", "on_success")
                            allow = rule.get("allow_failure", allow)
                            rule_vars = self.var_values(rule.get("variables") or {}, name + ".rules")
                            break
                if when not in ("on_success", "always", "on_failure", "never"):
                    raise ConfigError("%s: when: %s is not supported" % (name, when))
                if when == "never":
                    continue
                n = job.get("parallel", 1)
                if not isinstance(n, int) or not 1 <= n <= 200:
                    raise ConfigError("%s: only parallel: N (1..200) is supported" % name)
                for i in range(1, n + 1):
                    node = {"CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": str(n)} if n > 1 else {}
                    out.append({"name": "%s %d/%d" % (name, i, n) if n > 1 else name, "base": name, "job": job,
                                "when": when, "allow_failure": allow, "extra": rule_vars, "node": node})
        return out

    def dependencies(self, inst, by_base):
        """(jobs that must finish first, jobs whose artifacts are downloaded)."""
        job, stage = inst["job"], inst["job"].get("stage", "test")
        if "needs" in job:
            wait, fetch = [], []
            for need in as_list(job["needs"]):
                if isinstance(need, str):
                    need = {"job": need}
                if set(need) - {"job", "artifacts", "optional"}:
                    raise ConfigError("%s: needs keys not supported: %s" % (inst["name"], need))
                found = by_base.get(need["job"])
                if not found:
                    if need.get("optional"):
                        continue
                    raise ConfigError("%s needs %s, which is not in the pipeline" % (inst["name"], need["job"]))
                wait += found
                if need.get("artifacts", True):
                    fetch += found
            return wait, fetch
        earlier = [i for base in self.order for i in by_base.get(base, [])
                   if self.stages.index(i["job"].get("stage", "test")) < self.stages.index(stage)]
        if "dependencies" in job:
            names = as_list(job["dependencies"])
            for n in names:
                if n not in by_base:
                    raise ConfigError("%s: dependencies names %s, not an earlier job" % (inst["name"], n))
            return earlier, [i for i in earlier if i["base"] in names]
        return earlier, earlier


def require_install(insts, rules):
    """Every job whose scripts run a tool (CMD_RE) runs its installer (INSTALL_RE) on an earlier line."""
    problems = []
    for inst in insts:
        lines = flat_script(inst["job"].get("before_script"), inst["name"]) + flat_script(inst["job"]["script"], inst["name"])
        for tool, installer in rules:
            first_tool = next((i for i, l in enumerate(lines) if re.search(tool, l)), None)
            first_inst = next((i for i, l in enumerate(lines) if re.search(installer, l)), None)
            if first_tool is not None and (first_inst is None or first_inst > first_tool):
                problems.append("%s runs /%s/ without running /%s/ first" % (inst["name"], tool, installer))
    return problems


def copy_paths(src_root, patterns, dst_root, variables):
    """Copies what `patterns` (GitLab artifact/cache paths, globs) match under src_root to dst_root."""
    copied = 0
    for pattern in patterns:
        pattern = expand(pattern, variables)
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise ConfigError("path %r leaves the project directory" % pattern)
        for path in sorted(glob.glob(os.path.join(src_root, pattern), recursive=True)):
            rel = os.path.relpath(path, src_root)
            dst = os.path.join(dst_root, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.copytree(path, dst, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copy2(path, dst, follow_symlinks=False)
            copied += 1
    return copied


def parse_junit(path):
    """(tests, failures) of a JUnit XML file; raises ValueError when it is not JUnit."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite")) if root.tag == "testsuites" else None
    if suites is None:
        raise ValueError("root element <%s>, not <testsuites> or <testsuite>" % root.tag)
    cases = [c for s in suites for c in s.iter("testcase")]
    failures = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    return len(cases), failures


def sh(lines, cwd, env, timeout, log):
    """One shell as GitLab's bash executor writes it: errexit and pipefail, each command echoed."""
    script = "set -eo pipefail\n" + "".join("echo %s\n%s\n" % (shquote("$ " + l.splitlines()[0]), l) for l in lines)
    with open(log, "a") as out:
        try:
            p = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                               timeout=timeout, start_new_session=True)
            return p.returncode
        except subprocess.TimeoutExpired:
            out.write("ERROR: job timed out after %.0f s\n" % timeout)
            return -1


def mask(log, values):
    """GitLab's masked variables: their values never appear in a job log."""
    if not values or not os.path.exists(log):
        return
    with open(log, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    for v in values:
        text = text.replace(v, "[MASKED]")
    with open(log, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


class Runner:
    def __init__(self, pipeline, args):
        self.p, self.args = pipeline, args
        self.work = os.path.abspath(args.work)
        self.store = os.path.abspath(args.cache_store or os.path.join(self.work, "cache-store"))
        self.results = []

    def log(self, text):
        print("gitlab-local: " + text, flush=True)

    def cache_dir(self, key):
        if not key or "/" in key or key in (".", "..") or len(key) > 255:
            raise ConfigError("cache key %r is not a valid GitLab key" % key)
        return os.path.join(self.store, key)

    def caches(self, job, variables):
        out = []
        for c in as_list(job.get("cache")):
            if set(c) - CACHE_KEYS:
                raise ConfigError("cache keys not supported: %s" % (set(c) - CACHE_KEYS))
            if not isinstance(c.get("key", "default"), str):
                raise ConfigError("only a string cache key is supported (not key: files)")
            when, policy = c.get("when", "on_success"), c.get("policy", "pull-push")
            if when not in ("on_success", "on_failure", "always") or policy not in ("pull", "push", "pull-push"):
                raise ConfigError("cache when %s / policy %s not supported" % (when, policy))
            out.append({"key": expand(c.get("key", "default"), variables), "paths": as_list(c.get("paths")),
                        "when": when, "policy": policy})
        return out

    def run_job(self, inst, fetch):
        job = inst["job"]
        index = len(self.results) + 1
        root = os.path.join(self.work, "jobs", "%02d-%s" % (index, re.sub(r"[^A-Za-z0-9_.-]", "_", inst["name"])))
        project, home = os.path.join(root, "project"), os.path.join(root, "home")
        os.makedirs(home)
        log = os.path.join(root, "job.log")
        variables = self.p.job_variables(job, inst["extra"], {
            "CI_JOB_NAME": inst["name"], "CI_JOB_STAGE": job.get("stage", "test"), "CI_JOB_ID": str(index),
            "CI_PROJECT_DIR": project, "CI_BUILDS_DIR": root, **inst["node"]})
        started = time.time()
        strategy = variables.get("GIT_STRATEGY", "clone")
        if strategy == "clone" or strategy == "fetch":
            subprocess.run(["git", "clone", "-q", "--no-checkout", os.path.abspath(self.args.project), project], check=True)
            if variables.get("GIT_CHECKOUT", "true") == "false":
                subprocess.run(["git", "-C", project, "update-ref", "--no-deref", "HEAD", self.args.sha], check=True)
            else:
                subprocess.run(["git", "-C", project, "checkout", "-q", "--detach", self.args.sha], check=True)
        elif strategy == "none":
            os.makedirs(project)
        else:
            raise ConfigError("%s: GIT_STRATEGY %s is not supported" % (inst["name"], strategy))
        for c in self.caches(job, variables):
            src = self.cache_dir(c["key"])
            if c["policy"] != "push" and os.path.isdir(src):
                n = copy_paths(src, c["paths"], project, variables)
                self.log("%s: cache %s restored (%d paths)" % (inst["name"], c["key"], n))
            elif c["policy"] != "push":
                self.log("%s: cache %s not found" % (inst["name"], c["key"]))
        for dep in fetch:
            if dep.get("artifacts_dir") and os.path.isdir(dep["artifacts_dir"]):
                shutil.copytree(dep["artifacts_dir"], project, symlinks=True, dirs_exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
               "TMPDIR": os.environ.get("TMPDIR", "/tmp"), "USER": os.environ.get("USER", "root")}
        env.update(variables)
        timeout = parse_timeout(job.get("timeout"))
        self.log("%s: started (stage %s)" % (inst["name"], job.get("stage", "test")))
        lines = flat_script(job.get("before_script"), inst["name"]) + flat_script(job["script"], inst["name"])
        code = sh(lines, project, env, timeout, log)
        after = flat_script(job.get("after_script"), inst["name"])
        if after:
            with open(log, "a") as out:
                out.write("Running after_script\n")
            if sh(after, project, env, min(timeout, 300), log) != 0:
                with open(log, "a") as out:
                    out.write("WARNING: after_script failed (ignored, as GitLab does)\n")
        mask(log, self.args.masked)
        status = "success" if code == 0 else "failed"
        allow = inst["allow_failure"]
        allowed = bool(allow) if not isinstance(allow, dict) else code in as_list(allow.get("exit_codes"))
        junit = None
        art = job.get("artifacts") or {}
        if set(art) - ARTIFACT_KEYS:
            raise ConfigError("%s: artifacts keys not supported: %s" % (inst["name"], set(art) - ARTIFACT_KEYS))
        a_when = art.get("when", "on_success")
        artifacts_dir = os.path.join(root, "artifacts")
        os.makedirs(artifacts_dir)
        if a_when == "always" or (a_when == "on_success") == (status == "success"):
            copy_paths(project, as_list(art.get("paths")), artifacts_dir, variables)
            reports = art.get("reports") or {}
            if set(reports) - {"junit"}:
                raise ConfigError("%s: reports other than junit: %s" % (inst["name"], set(reports) - {"junit"}))
            for pattern in as_list(reports.get("junit")):
                files = sorted(glob.glob(os.path.join(project, expand(pattern, variables)), recursive=True))
                if not files:
                    self.log("%s: WARNING: junit report %s not found" % (inst["name"], pattern))
                for f in files:
                    try:
                        tests, failures = parse_junit(f)
                        junit = {"file": os.path.relpath(f, project), "tests": tests, "failures": failures}
                    except (ET.ParseError, ValueError) as e:
                        self.log("%s: junit report %s is malformed: %s" % (inst["name"], f, e))
                        status, allowed, code = "failed", False, code or 1
        for c in self.caches(job, variables):
            ok = c["when"] == "always" or (c["when"] == "on_success") == (status == "success")
            if c["policy"] != "pull" and ok:
                tmp = self.cache_dir(c["key"]) + ".saving"
                shutil.rmtree(tmp, ignore_errors=True)
                os.makedirs(tmp)
                n = copy_paths(project, c["paths"], tmp, variables)
                shutil.rmtree(self.cache_dir(c["key"]), ignore_errors=True)
                os.replace(tmp, self.cache_dir(c["key"]))
                self.log("%s: cache %s saved (%d paths)" % (inst["name"], c["key"], n))
        if not self.args.keep:
            shutil.rmtree(project, ignore_errors=True)
        seconds = time.time() - started
        result = {"name": inst["name"], "stage": job.get("stage", "test"), "status": status, "exit_code": code,
                  "allowed_failure": status == "failed" and allowed, "seconds": round(seconds, 1), "log": log,
                  "junit": junit, "artifacts_dir": artifacts_dir}
        self.log("%s: %s (exit %d%s) in %.1f s; log %s" % (inst["name"], status, code,
                 ", allowed to fail" if result["allowed_failure"] else "", seconds, log))
        return result

    def run(self):
        insts = self.p.instances()
        by_base = {}
        for i in insts:
            by_base.setdefault(i["base"], []).append(i)
        deps = {id(i): self.p.dependencies(i, by_base) for i in insts}
        if self.args.require_install:
            problems = require_install(insts, self.args.require_install)
            if problems:
                raise ConfigError("; ".join(problems))
        done = {}
        pending = list(insts)
        while pending:
            ready = next((i for i in pending if all(id(d) in done for d in deps[id(i)][0])), None)
            if ready is None:
                raise ConfigError("needs form a cycle among: " + ", ".join(i["name"] for i in pending))
            pending.remove(ready)
            wait, fetch = deps[id(ready)]
            states = [done[id(d)]["status"] for d in wait]
            bad = any(done[id(d)]["status"] == "failed" and not done[id(d)]["allowed_failure"] for d in wait)
            bad = bad or (any(s == "skipped" for s in states) and "needs" in ready["job"])
            run = {"on_success": not bad, "on_failure": bad, "always": True}[ready["when"]]
            if not run:
                result = {"name": ready["name"], "stage": ready["job"].get("stage", "test"), "status": "skipped",
                          "exit_code": None, "allowed_failure": False, "seconds": 0, "junit": None}
                self.log("%s: skipped (when: %s)" % (ready["name"], ready["when"]))
            else:
                result = self.run_job(ready, [done[id(d)] for d in fetch])
            done[id(ready)] = result
            self.results.append(result)
        failed = any(r["status"] == "failed" and not r["allowed_failure"] for r in self.results)
        return "failed" if failed else "success"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--project", required=True, help="the project's git repository (cloned fresh for each job)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cache-store", help="where caches live between pipelines (default: WORK/cache-store)")
    ap.add_argument("--var", action="append", default=[], help="a pipeline variable K=V (highest precedence)")
    ap.add_argument("--masked-var", action="append", default=[], metavar="NAME",
                    help="a masked CI/CD variable: its value from this process's environment (never argv), "
                         "replaced by [MASKED] in job logs")
    ap.add_argument("--source", default="push", choices=["push", "merge_request_event", "api", "schedule", "web"])
    ap.add_argument("--sha", default="HEAD")
    ap.add_argument("--branch", default="main")
    ap.add_argument("--mr-base", default="")
    ap.add_argument("--summary")
    ap.add_argument("--keep", action="store_true", help="keep each job's project directory")
    ap.add_argument("--require-install", action="append", default=[], metavar="TOOL_RE=INSTALL_RE")
    args = ap.parse_args(argv)
    args.pipeline_vars = dict(v.split("=", 1) for v in args.var)
    args.masked = []
    for name in args.masked_var:
        if not os.environ.get(name):
            print("gitlab-local: masked variable %s is not set in the environment" % name, file=sys.stderr)
            return 2
        args.pipeline_vars[name] = os.environ[name]
        args.masked.append(os.environ[name])
    args.require_install = [tuple(r.split("=", 1)) for r in args.require_install]
    rev = subprocess.run(["git", "-C", args.project, "rev-parse", args.sha + "^{commit}"], capture_output=True, text=True)
    if rev.returncode != 0:
        print("gitlab-local: %s is not a commit of %s" % (args.sha, args.project), file=sys.stderr)
        return 2
    args.sha = rev.stdout.strip()
    if args.source == "merge_request_event":
        base = subprocess.run(["git", "-C", args.project, "rev-parse", args.mr_base + "^{commit}"],
                              capture_output=True, text=True)
        if not args.mr_base or base.returncode != 0:
            print("gitlab-local: a merge request needs --mr-base, a commit of the project", file=sys.stderr)
            return 2
        args.mr_base = base.stdout.strip()
    os.makedirs(args.work, exist_ok=True)
    try:
        runner = Runner(Pipeline(args.config, args), args)
        status = runner.run()
    except (ConfigError, yaml.YAMLError) as e:
        print("gitlab-local: cannot run this pipeline: %s" % e, file=sys.stderr)
        return 2
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"status": status, "jobs": [{k: v for k, v in r.items() if k != "artifacts_dir"}
                                                  for r in runner.results]}, f, indent=1)
    runner.log("pipeline %s (%d jobs)" % (status, len(runner.results)))
    return 0 if status == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
