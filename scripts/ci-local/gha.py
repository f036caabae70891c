#!/usr/bin/env python3
"""Runs a GitHub Actions workflow's jobs and steps on this machine, as GitHub would.

  gha.py WORKFLOW --root DIR --event workflow_dispatch|pull_request [--input k=v]
         [--pull-request base=SHA,head=SHA] [--repository NAME=PATH]... [--var k=v]
         [--secret k=v] [--run-id N]

What it does as GitHub: jobs in `needs` order; job and step `if:` with success(),
failure(), always(), cancelled() and `needs.X.result/outputs`; matrix expansion
(each leg a job run); `${{ }}` expressions (inputs, env, matrix, steps, needs,
secrets, vars, github, runner, literals, ==/!=/</>/&&/||/!, contains, startsWith,
endsWith, format, join, toJSON, fromJSON, hashFiles) with GitHub's loose equality;
GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY files; `run:` steps under
`bash --noprofile --norc -eo pipefail`, `working-directory`, step/job/workflow env;
every job in a fresh workspace and a fresh HOME (same paths every job, as on a
hosted runner); these actions, emulated:
  actions/checkout (a fresh local clone of the mapped repository: repository, ref,
  path, sparse-checkout and its cone mode; fetch-depth is accepted, history stays
  complete), actions/upload-artifact and download-artifact (name, pattern,
  merge-multiple, if-no-files-found; names unique in a run), actions/cache/restore
  and actions/cache/save (a directory store under --root/cache-store: exact key,
  then restore-keys prefixes newest first; paths with `~` and `!` exclusions; an
  existing key is not overwritten; saved as hardlinks, restored as copies but for
  git objects, which git never rewrites: a kernel clone costs no copy),
  mikepenz/action-junit-report (parses the XML:
  a missing or malformed report fails the step).
An expression, context, function or action it does not know fails the run loudly.

What it cannot reproduce: `container:` images and `runs-on:` hosted runner software
(jobs run on this host, with its packages; a job's install step runs here too),
`permissions:` and `concurrency:` enforcement, timeouts, parallel matrix legs (run
one after another), the Checks API (the JUnit result is printed). `audit()` checks
what it cannot run: `permissions:` declared, every `uses:` pinned to a version,
and every job that starts kgate installs its runtime first.

Writes --root/runs/<run-id>/result.json: per job and leg its result, outputs and
seconds, each step's outcome and seconds, and the step summaries.
"""
import argparse, fnmatch, glob, hashlib, json, os, re, shutil, subprocess, sys, time
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml


class WorkflowError(Exception):
    """A workflow this runner cannot run faithfully: fail loudly."""


# ---------------------------------------------------------------- expressions

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])"
                   r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))")


def tokenize(text):
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WorkflowError(f"cannot parse expression at {text[pos:]!r} in {text!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def loose(v):
    """GitHub coerces mismatched types to numbers."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return float(v) if v.strip() else 0
        except ValueError:
            return float("nan")
    return float("nan")


def equal(a, b):
    if type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)):
        if isinstance(a, str):
            return a.lower() == b.lower()
        return a == b
    return loose(a) == loose(b)


def truthy(v):
    return not (v is None or v is False or v == 0 or v == "")


def to_string(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


class Evaluator:
    def __init__(self, contexts, functions):
        self.contexts, self.functions = contexts, functions

    def eval(self, text):
        self.toks, self.i = tokenize(text), 0
        if not self.toks:
            raise WorkflowError(f"empty expression {text!r}")
        v = self.or_()
        if self.i != len(self.toks):
            raise WorkflowError(f"unexpected {self.toks[self.i][1]!r} in {text!r}")
        return v

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise WorkflowError(f"expected {value!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def or_(self):
        v = self.and_()
        while self.peek()[1] == "||":
            self.take()
            r = self.and_()
            v = v if truthy(v) else r
        return v

    def and_(self):
        v = self.cmp()
        while self.peek()[1] == "&&":
            self.take()
            r = self.cmp()
            v = r if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek()[1] in ("==", "!=", "<", ">", "<=", ">="):
            op = self.take()[1]
            r = self.unary()
            if op == "==":
                v = equal(v, r)
            elif op == "!=":
                v = not equal(v, r)
            else:
                a, b = loose(v), loose(r)
                v = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return v

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self):
        kind, value = self.take()
        if kind == "num":
            v = float(value) if "." in value else int(value)
        elif kind == "str":
            v = value[1:-1].replace("''", "'")
        elif kind == "op" and value == "(":
            v = self.or_()
            self.take(")")
        elif kind == "name" and value in ("true", "false", "null"):
            v = {"true": True, "false": False, "null": None}[value]
        elif kind == "name" and self.peek()[1] == "(":
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.or_())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            fn = self.functions.get(value.lower())
            if fn is None:
                raise WorkflowError(f"unknown function {value}()")
            v = fn(*args)
        elif kind == "name":
            if value not in self.contexts:
                raise WorkflowError(f"unknown context {value!r} (known: {', '.join(sorted(self.contexts))})")
            v = self.contexts[value]
        else:
            raise WorkflowError(f"unexpected {value!r}")
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                kind, key = self.take()
                if kind != "name":
                    raise WorkflowError(f"bad property {key!r}")
            else:
                key = self.or_()
                self.take("]")
            v = v.get(key) if isinstance(v, dict) else None
        return v


EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


# ---------------------------------------------------------------- the runner

def merged(*dicts):
    out = {}
    for d in dicts:
        out.update(d or {})
    return out


class Runner:
    def __init__(self, args, workflow):
        self.args, self.wf = args, workflow
        self.root = Path(args.root).resolve()
        self.run_id = args.run_id
        self.run_dir = self.root / "runs" / str(self.run_id)
        self.artifacts = self.run_dir / "artifacts"
        self.cache_store = self.root / "cache-store"
        self.home = self.root / "home"
        self.workspace_root = self.root / "workspace"
        if self.run_dir.exists():
            raise WorkflowError(f"run {self.run_id} exists in {self.root}: give another --run-id")
        self.artifacts.mkdir(parents=True)
        self.cache_store.mkdir(parents=True, exist_ok=True)
        self.repos = dict(kv.split("=", 1) for kv in args.repository)
        self.event = args.event
        self.inputs = dict(kv.split("=", 1) for kv in args.input)
        self.vars = dict(kv.split("=", 1) for kv in args.var)
        self.secrets = dict(kv.split("=", 1) for kv in args.secret)
        self.results = {}
        self.record = {"event": self.event, "jobs": {}}
        on = workflow.get("on", workflow.get(True))  # PyYAML reads `on:` as True
        if self.event not in (on or {}):
            raise WorkflowError(f"the workflow has no '{self.event}' trigger")
        if self.event == "workflow_dispatch":
            for name, spec in ((on[self.event] or {}).get("inputs") or {}).items():
                if name not in self.inputs:
                    if spec.get("required") and "default" not in spec:
                        raise WorkflowError(f"input {name} is required")
                    self.inputs[name] = str(spec.get("default", ""))
            unknown = set(self.inputs) - set(((on[self.event] or {}).get("inputs") or {}))
            if unknown:
                raise WorkflowError(f"unknown inputs {sorted(unknown)}")
        event = {}
        if self.event == "pull_request":
            pr = dict(kv.split("=", 1) for kv in args.pull_request.split(","))
            event = {"pull_request": {"number": 1, "base": {"sha": pr["base"]}, "head": {"sha": pr["head"]}}}
        elif self.event == "workflow_dispatch":
            event = {"inputs": self.inputs}
        self.github = {"event_name": self.event, "event": event, "run_id": str(self.run_id), "run_attempt": "1",
                       "repository": args.github_repository, "server_url": "https://github.com",
                       "workflow": workflow.get("name", "workflow"), "sha": "", "ref": "", "token": "local",
                       "workspace": str(self.workspace_root)}

    # -- expressions
    def evaluator(self, ctx, job_state=None):
        def status(kind):
            def fn():
                failed = job_state["failed"] if job_state else ctx["_needs_failed"]
                return {"success": not failed, "failure": failed, "always": True, "cancelled": False}[kind]
            return fn

        def hash_files(*patterns):
            ws = Path(ctx["_workspace"])
            files = set()
            for p in patterns:
                files.update(f for f in glob.glob(str(ws / p), recursive=True) if os.path.isfile(f))
            if not files:
                return ""
            h = hashlib.sha256()
            for f in sorted(files):
                h.update(hashlib.sha256(Path(f).read_bytes()).digest())
            return h.hexdigest()

        functions = {
            "success": status("success"), "failure": status("failure"), "always": status("always"),
            "cancelled": status("cancelled"),
            "contains": lambda a, b: (any(equal(x, b) for x in a) if isinstance(a, list)
                                      else to_string(b).lower() in to_string(a).lower()),
            "startswith": lambda a, b: to_string(a).lower().startswith(to_string(b).lower()),
            "endswith": lambda a, b: to_string(a).lower().endswith(to_string(b).lower()),
            "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: to_string(a[int(m.group(1))]), f),
            "join": lambda a, sep=",": sep.join(map(to_string, a)) if isinstance(a, list) else to_string(a),
            "tojson": lambda v: json.dumps(v, indent=2), "fromjson": lambda v: json.loads(v),
            "hashfiles": hash_files,
        }
        contexts = {k: v for k, v in ctx.items() if not k.startswith("_")}
        return Evaluator(contexts, functions)

    def expand(self, value, ctx, job_state=None):
        """Interpolates ${{ }} in a string (recursively in lists and dicts)."""
        if isinstance(value, dict):
            return {k: self.expand(v, ctx, job_state) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v, ctx, job_state) for v in value]
        if not isinstance(value, str):
            return value
        ev = self.evaluator(ctx, job_state)
        m = EXPR.fullmatch(value)
        if m and value.count("${{") == 1:
            return to_string(ev.eval(m.group(1)))
        return EXPR.sub(lambda m: to_string(ev.eval(m.group(1))), value)

    def condition(self, text, ctx, job_state=None):
        if text is None:
            text = "success()"
        if isinstance(text, bool):
            return text
        text = str(text).strip()
        m = EXPR.fullmatch(text)
        if m and text.count("${{") == 1:
            text = m.group(1)
        if not re.search(r"\b(success|failure|always|cancelled)\s*\(", text):
            text = f"success() && ({text})"
        return truthy(self.evaluator(ctx, job_state).eval(text))

    # -- jobs
    def run(self):
        jobs = self.wf["jobs"]
        order, done = [], set()
        while len(order) < len(jobs):
            ready = [j for j in jobs if j not in done and all(n in done for n in self.needs(j))]
            if not ready:
                raise WorkflowError("a cycle or an unknown job in needs")
            for j in ready:
                order.append(j)
                done.add(j)
        for name in order:
            self.run_job(name, jobs[name])
        for p in REMOVALS:
            p.wait()
        (self.run_dir / "result.json").write_text(json.dumps(self.record, indent=2))
        return self.record

    def needs(self, name):
        n = self.wf["jobs"][name].get("needs", [])
        return [n] if isinstance(n, str) else list(n)

    def base_context(self):
        return {"github": self.github, "inputs": self.inputs, "vars": self.vars, "secrets": self.secrets,
                "runner": {"os": "Linux", "arch": "X64", "temp": str(self.root / "runner-temp")},
                "env": {}, "matrix": {}, "strategy": {}, "needs": {}, "steps": {}, "job": {"status": "success"}}

    def run_job(self, name, job):
        needs = {n: self.results[n] for n in self.needs(name)}
        ctx = self.base_context()
        ctx["needs"] = needs
        ctx["_needs_failed"] = any(r["result"] != "success" for r in needs.values())
        ctx["_workspace"] = str(self.workspace_root)
        started = time.time()
        log(f"== job {name}")
        workflow_env = {k: self.expand(v, ctx) for k, v in (self.wf.get("env") or {}).items()}
        ctx["env"] = workflow_env
        if not self.condition(job.get("if"), ctx):
            log(f"== job {name}: skipped")
            self.results[name] = {"result": "skipped", "outputs": {}}
            self.record["jobs"][name] = {"result": "skipped"}
            return
        for key in job:
            if key not in ("needs", "if", "runs-on", "container", "timeout-minutes", "env", "outputs", "strategy",
                           "steps", "permissions", "name"):
                raise WorkflowError(f"job {name}: unsupported key {key!r}")
        legs = self.matrix(job.get("strategy"), ctx)
        outputs, results, records = {}, [], []
        for leg in legs:
            r, out, rec = self.run_leg(name, job, leg, dict(ctx, env=dict(workflow_env)))
            results.append(r)
            outputs.update({k: v for k, v in out.items() if v != ""})
            records.append(rec)
        result = "failure" if "failure" in results else "success"
        self.results[name] = {"result": result, "outputs": outputs}
        self.record["jobs"][name] = {"result": result, "outputs": outputs, "seconds": round(time.time() - started, 1),
                                     "legs": records}
        log(f"== job {name}: {result} in {time.time() - started:.0f} s {outputs if outputs else ''}")

    def matrix(self, strategy, ctx):
        if not strategy:
            return [{}]
        matrix = strategy.get("matrix") or {}
        for key in matrix:
            if key in ("include", "exclude"):
                raise WorkflowError("matrix include/exclude not emulated")
        legs = [{}]
        for key, values in matrix.items():
            values = self.expand(values, ctx)
            legs = [dict(l, **{key: v}) for l in legs for v in values]
        return legs

    def run_leg(self, name, job, leg, ctx):
        for d in (self.home, self.workspace_root, self.root / "runner-temp"):
            discard(d)
            d.mkdir(parents=True)
        files = self.root / "runner-files"
        shutil.rmtree(files, ignore_errors=True)
        files.mkdir()
        ctx["matrix"] = leg
        ctx["steps"] = {}
        job_env = dict(ctx["env"])
        job_env.update({k: self.expand(v, ctx) for k, v in (job.get("env") or {}).items()})
        ctx["env"] = job_env
        state = {"failed": False}
        summary, record = [], {"matrix": leg, "steps": []}
        extra_env = {}
        for i, step in enumerate(job.get("steps") or []):
            sid = step.get("id", f"__{i}")
            ctx["steps"] = dict(ctx["steps"])
            step_ctx = dict(ctx, env=merged(job_env, extra_env))
            label = step.get("name") or step.get("uses") or (step.get("run") or "").split("\n")[0]
            label = self.expand(label, step_ctx, state)
            if not self.condition(step.get("if"), step_ctx, state):
                ctx["steps"][sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                record["steps"].append({"step": label, "outcome": "skipped"})
                continue
            step_ctx["env"] = merged(step_ctx["env"], {k: self.expand(v, step_ctx, state)
                                                       for k, v in (step.get("env") or {}).items()})
            t0 = time.time()
            out_file, env_file, sum_file = files / f"out-{i}", files / f"env-{i}", files / f"summary-{i}"
            for f in (out_file, env_file, sum_file):
                f.write_text("")
            log(f"-- {name}{' ' + json.dumps(leg) if leg else ''}: {label}")
            try:
                if "run" in step:
                    ok = self.run_step(step, step_ctx, state, out_file, env_file, sum_file)
                elif "uses" in step:
                    ok = self.use(step, step_ctx, state, out_file)
                else:
                    raise WorkflowError(f"step {label}: neither run nor uses")
            except WorkflowError:
                raise
            except Exception as e:  # an emulated action failing is the step's failure
                log(f"   error: {e}")
                ok = False
            outputs = parse_kv(out_file.read_text())
            extra_env.update(parse_kv(env_file.read_text()))
            summary.append(sum_file.read_text())
            outcome = "success" if ok else "failure"
            if not ok:
                state["failed"] = True
            ctx["steps"][sid] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
            record["steps"].append({"step": label, "outcome": outcome, "seconds": round(time.time() - t0, 1)})
            log(f"   {outcome} in {time.time() - t0:.0f} s")
        ctx["env"] = merged(job_env, extra_env)
        outputs = {k: self.expand(v, ctx, state) for k, v in (job.get("outputs") or {}).items()}
        record["summary"] = "".join(summary)
        record["result"] = "failure" if state["failed"] else "success"
        return record["result"], outputs, record

    def process_env(self, step_ctx):
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "LANG", "LC_ALL", "TERM", "TZ") or k.startswith("KGATE_TIMING")}
        env.update({"HOME": str(self.home), "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux",
                    "RUNNER_TEMP": str(self.root / "runner-temp"), "GITHUB_WORKSPACE": str(self.workspace_root),
                    "GITHUB_RUN_ID": str(self.run_id), "GITHUB_EVENT_NAME": self.event,
                    "GITHUB_REPOSITORY": self.github["repository"]})
        env.update({k: to_string(v) for k, v in step_ctx["env"].items()})
        return env

    def run_step(self, step, step_ctx, state, out_file, env_file, sum_file):
        script = self.expand(step["run"], step_ctx, state)
        shell = step.get("shell", "bash")
        if shell != "bash":
            raise WorkflowError(f"shell {shell!r} not emulated")
        cwd = self.workspace_root / self.expand(step.get("working-directory", "."), step_ctx, state)
        path = self.root / "runner-temp" / "step.sh"
        path.write_text(script)
        env = self.process_env(step_ctx)
        env.update({"GITHUB_OUTPUT": str(out_file), "GITHUB_ENV": str(env_file), "GITHUB_STEP_SUMMARY": str(sum_file)})
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd=cwd, env=env)
        return r.returncode == 0

    # -- actions
    def use(self, step, step_ctx, state, out_file):
        uses = step["uses"]
        action, _, version = uses.partition("@")
        if not version:
            raise WorkflowError(f"{uses}: not pinned to a version")
        w = {k: self.expand(v, step_ctx, state) for k, v in (step.get("with") or {}).items()}
        handlers = {"actions/checkout": self.checkout, "actions/upload-artifact": self.upload,
                    "actions/download-artifact": self.download, "actions/cache/restore": self.cache_restore,
                    "actions/cache/save": self.cache_save, "mikepenz/action-junit-report": self.junit}
        if action not in handlers:
            raise WorkflowError(f"action {uses} is not emulated")
        known = {"actions/checkout": {"repository", "ref", "path", "fetch-depth", "sparse-checkout",
                                      "sparse-checkout-cone-mode"},
                 "actions/upload-artifact": {"name", "path", "if-no-files-found"},
                 "actions/download-artifact": {"name", "pattern", "path", "merge-multiple"},
                 "actions/cache/restore": {"path", "key", "restore-keys"}, "actions/cache/save": {"path", "key"},
                 "mikepenz/action-junit-report": {"report_paths", "check_name"}}[action]
        if set(w) - known:
            raise WorkflowError(f"{uses}: inputs {sorted(set(w) - known)} not emulated")
        outputs = handlers[action](w) or {}
        with open(out_file, "a") as f:
            for k, v in outputs.items():
                f.write(f"{k}={v}\n")
        return True

    def checkout(self, w):
        name = w.get("repository") or self.github["repository"]
        if name not in self.repos:
            raise WorkflowError(f"checkout: no local path for repository {name!r} (--repository {name}=PATH)")
        dest = self.workspace_root / w.get("path", ".")
        if dest.exists() and any(dest.iterdir()):
            raise WorkflowError(f"checkout into a non-empty {dest}")
        # A local clone (objects hardlinked): the ref's files at `path` and an `origin` that
        # fetches any commit by id, as on GitHub; fetch-depth is not emulated (history is
        # complete here), so packing a kernel tree for a shallow clone costs nothing.
        int(w.get("fetch-depth", 1))
        src = str(Path(self.repos[name]).resolve())
        ref = w.get("ref") or ""
        git = ["git", "-c", "advice.detachedHead=false", "-c", "gc.auto=0"]
        subprocess.run(git + ["clone", "-q", "--no-checkout", src, str(dest)], check=True)
        sparse = [l.strip() for l in str(w.get("sparse-checkout", "")).splitlines() if l.strip()]
        if sparse:  # as actions/checkout: cone mode unless sparse-checkout-cone-mode is false
            cone = str(w.get("sparse-checkout-cone-mode", "true")).lower() != "false"
            subprocess.run(git + ["-C", str(dest), "sparse-checkout", "set", "--cone" if cone else "--no-cone"] + sparse,
                           check=True)
        if ref:
            subprocess.run(git + ["-C", str(dest), "fetch", "-q", "origin", ref], check=True)
        subprocess.run(git + ["-C", str(dest), "checkout", "-q", "FETCH_HEAD" if ref else "HEAD"], check=True)

    def upload(self, w):
        name, path = w["name"], self.workspace_root / w["path"]
        target = self.artifacts / name
        if target.exists():
            raise RuntimeError(f"upload-artifact: an artifact named {name} exists in this run")
        if not path.exists() or (path.is_dir() and not any(path.rglob("*"))):
            mode = w.get("if-no-files-found", "warn")
            log(f"   upload-artifact: no files at {w['path']} ({mode})")
            if mode == "error":
                raise RuntimeError(f"upload-artifact: no files at {w['path']}")
            return
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            target.mkdir()
            shutil.copy2(path, target / path.name)
        for f in target.rglob("*"):  # artifacts do not keep file modes
            if f.is_file():
                f.chmod(0o644)

    def download(self, w):
        dest = self.workspace_root / w.get("path", ".")
        if "name" in w:
            src = self.artifacts / w["name"]
            if not src.exists():
                raise RuntimeError(f"download-artifact: no artifact named {w['name']}")
            shutil.copytree(src, dest, dirs_exist_ok=True)
            return
        pattern = w.get("pattern", "*")
        names = sorted(n for n in os.listdir(self.artifacts) if fnmatch.fnmatch(n, pattern))
        merge = str(w.get("merge-multiple", "false")).lower() == "true"
        for n in names:
            shutil.copytree(self.artifacts / n, dest if merge else dest / n, dirs_exist_ok=True)
        dest.mkdir(parents=True, exist_ok=True)
        log(f"   download-artifact: {len(names)} artifact(s) matching {pattern}")

    def cache_paths(self, w):
        include, exclude = [], []
        for line in str(w["path"]).splitlines():
            line = line.strip()
            if not line:
                continue
            neg = line.startswith("!")
            p = line[1:] if neg else line
            p = str(self.home) + p[1:] if p.startswith("~") else str(self.workspace_root / p)
            (exclude if neg else include).append(Path(p))
        return include, exclude

    def cache_save(self, w):
        key = w["key"]
        entry = self.cache_store / safe_key(key)
        if entry.exists():
            log(f"   cache: {key} exists, not saved again")
            return
        include, exclude = self.cache_paths(w)
        scratch = self.cache_store / (".tmp-" + safe_key(key))
        shutil.rmtree(scratch, ignore_errors=True)
        saved = 0
        # Hardlinks, not copies: exact because nothing in the job runs after a save (audit():
        # only uses: steps follow it) and the job's HOME is then discarded, so no saved file
        # is written again; a restore copies (see restore_tree).
        for i, p in enumerate(include):
            if not p.exists():
                continue
            dst = scratch / str(i)
            dst.mkdir(parents=True)
            if p.is_dir():
                for x in exclude:
                    if x.parent != p and p in x.parents:
                        raise WorkflowError(f"cache: exclusion {x} is not a direct child of {p} (not emulated)")
                children = [c for c in p.iterdir() if c not in exclude]
                if children:
                    subprocess.run(["cp", "-al"] + [str(c) for c in children] + [str(dst)], check=True)
            else:
                subprocess.run(["cp", "-al", str(p), str(dst / p.name)], check=True)
            saved += 1
        if not saved:
            log(f"   cache: nothing to save for {key}")
            return
        (scratch / "meta.json").write_text(json.dumps({"key": key, "time": time.time(), "paths": [str(p) for p in include],
                                                       "version": cache_version(w)}))
        scratch.rename(entry)
        log(f"   cache: saved {key}")

    def cache_restore(self, w):
        key = w["key"]
        prefixes = [k.strip() for k in str(w.get("restore-keys", "")).splitlines() if k.strip()]
        # As GitHub: an entry is found only by a restore with the same `path` lines (the cache
        # version); one saved with other paths (or by an older runner) is not a match.
        entries = []
        for d in self.cache_store.iterdir():
            if d.name.startswith("."):
                continue
            meta = json.loads((d / "meta.json").read_text())
            if meta.get("version") == cache_version(w):
                entries.append((meta["time"], meta["key"], d, meta))
        hit = [e for e in entries if e[1] == key]
        matched = hit[0] if hit else None
        for prefix in ([] if matched else prefixes):
            found = sorted((e for e in entries if e[1].startswith(prefix)), reverse=True)
            if found:
                matched = found[0]
                break
        if not matched:
            log(f"   cache: miss for {key}")
            return {"cache-hit": "false"}
        include, _ = self.cache_paths(w)
        for i, p in enumerate(include):
            src = matched[2] / str(i)
            if not src.exists():
                continue
            if (src / p.name).is_file() and len(list(src.iterdir())) == 1:
                p.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(["cp", "-a", str(src / p.name), str(p)], check=True)
            else:
                p.mkdir(parents=True, exist_ok=True)
                restore_tree(src, p)
        log(f"   cache: restored {matched[1]}" + (" (exact)" if hit else " (restore-keys)"))
        return {"cache-hit": "true" if hit else "false", "cache-matched-key": matched[1]}

    def junit(self, w):
        paths = [p for pattern in str(w["report_paths"]).split(",")
                 for p in glob.glob(str(self.workspace_root / pattern.strip()), recursive=True)]
        if not paths:
            raise RuntimeError(f"junit: no report at {w['report_paths']}")
        for p in paths:
            root = ET.parse(p).getroot()  # a malformed file raises: the step fails
            cases = root.findall(".//testcase")
            failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
            log(f"   junit {Path(p).name}: {len(cases)} test case(s), {len(failed)} failed {failed if failed else ''}")
            if not cases:
                raise RuntimeError(f"junit: {p} has no test case")


def cache_version(w):
    """GitHub's cache version: the `path` lines as written (so `~` entries match across HOMEs)."""
    return hashlib.sha256("\n".join(l.strip() for l in str(w["path"]).splitlines() if l.strip()).encode()).hexdigest()[:16]


def restore_tree(src, dest):
    """A cache entry's directory restored to `dest` as GitHub's tarball would be: every
    file a copy, except git object stores (`objects/` beside a `HEAD`), hardlinked: git
    never rewrites an object file in place (a new one is written aside and renamed), so
    sharing them is exact, and a kernel clone's ~90,000 loose objects cost no copy."""
    objects = []
    for d, subdirs, files in os.walk(src):
        if "objects" in subdirs and "HEAD" in files:
            objects.append(Path(d).relative_to(src) / "objects")
            subdirs.remove("objects")
    excludes = [f"--exclude=./{o}" for o in objects]
    pack = subprocess.Popen(["tar", "-C", str(src)] + excludes + ["-cf", "-", "."], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-C", str(dest), "-xf", "-"], stdin=pack.stdout, check=True)
    pack.stdout.close()
    if pack.wait() != 0:
        raise RuntimeError(f"cache restore: tar of {src} failed")
    for o in objects:
        (dest / o).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(src / o), str(dest / o.parent)], check=True)


def discard(path):
    """Empties `path` now: renamed aside at once, removed by a background rm (a kernel
    checkout takes minutes to delete) that the run waits for before it ends."""
    if not path.exists():
        return
    trash = path.parent / ".trash"
    trash.mkdir(exist_ok=True)
    target = trash / f"{path.name}-{time.time_ns()}"
    path.rename(target)
    REMOVALS.append(subprocess.Popen(["rm", "-rf", str(target)]))


REMOVALS = []


def parse_kv(text):
    out, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        elif line.strip():
            raise WorkflowError(f"malformed line in GITHUB_OUTPUT/GITHUB_ENV: {line!r}")
        i += 1
    return out


def safe_key(key):
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)[:200] + "-" + hashlib.sha256(key.encode()).hexdigest()[:8]


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- audit

def audit(wf):
    """What the runner cannot execute, checked statically. Returns a list of problems."""
    problems = []
    perms = wf.get("permissions")
    if not isinstance(perms, dict) or perms.get("checks") != "write" or perms.get("contents") != "read":
        problems.append("permissions: must declare contents: read and checks: write (the JUnit action)")
    for name, job in wf["jobs"].items():
        installed = saved = False
        for step in job.get("steps") or []:
            uses = step.get("uses")
            if uses and uses.startswith("actions/cache/save@"):
                saved = True
            elif saved and "run" in step:
                # The runner saves caches as hardlinks (cache_save): a step after the save could rewrite a saved file.
                problems.append(f"{name}: a run: step follows an actions/cache save (not emulated)")
            if uses and not re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", uses):
                problems.append(f"{name}: {uses} is not pinned to a version")
            run = step.get("run") or ""
            if "install-runtime.sh" in run or "install-deps.sh" in run:
                installed = True
            if re.search(r"(^|\s)(bin/kgate|\$KGATE_BIN|kgate/\.build)", run) and "swift build" not in run \
                    and not installed and not run.lstrip().startswith("mkdir -p bin"):
                problems.append(f"{name}: a step starts kgate before the job installs its runtime")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workflow")
    p.add_argument("--root", required=True)
    p.add_argument("--event", required=True)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--pull-request", default="")
    p.add_argument("--repository", action="append", default=[], help="NAME=PATH for checkout")
    p.add_argument("--github-repository", default="local/repository")
    p.add_argument("--var", action="append", default=[])
    p.add_argument("--secret", action="append", default=[])
    p.add_argument("--run-id", type=int, default=1)
    p.add_argument("--audit-only", action="store_true")
    args = p.parse_args()
    wf = yaml.safe_load(Path(args.workflow).read_text())
    problems = audit(wf)
    for problem in problems:
        log(f"audit: {problem}")
    if problems:
        return 2
    if args.audit_only:
        log("audit: ok")
        return 0
    try:
        record = Runner(args, wf).run()
    except WorkflowError as e:
        log(f"gha.py: {e}")
        return 2
    failed = [j for j, r in record["jobs"].items() if r["result"] == "failure"]
    log(f"gha.py: run {args.run_id}: " + ("failed jobs " + ", ".join(failed) if failed else "all jobs succeeded or skipped"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
