#!/usr/bin/env bash
# Schema check of the CI templates in pipelines/ci/, offline: check-jsonschema's
# vendored GitHub Actions and GitLab CI schemas (installed by scripts/install-deps.sh),
# the GitHub workflow's static audit (gha.py --audit-only), the templates' Swift images
# against this toolchain, and a Python syntax check of the Buildbot master configuration.
# The workflow itself runs in GitHubWorkflowEndToEndTests.
set -euo pipefail
cd "$(dirname "$0")/.."
tool="${KGATE_LINT_VENV:-/opt/kgate-lint}/bin/check-jsonschema"
[ -x "$tool" ] || { echo "lint-ci: $tool missing; fix: bash scripts/install-deps.sh" >&2; exit 1; }
"$tool" --builtin-schema vendor.github-workflows pipelines/ci/github-actions.yml
"$tool" --builtin-schema vendor.gitlab-ci pipelines/ci/gitlab-ci.yml
# What the local runner (scripts/ci-local/gha.py) cannot execute, checked statically:
# permissions declared, actions pinned, every job that starts kgate installs its runtime first.
python3 scripts/ci-local/gha.py pipelines/ci/github-actions.yml --root /nonexistent --event pull_request --audit-only
python3 -c "import ast, sys; ast.parse(open(sys.argv[1]).read())" pipelines/ci/buildbot/master.cfg
# The templates' Swift images are the toolchain the project is built and tested with
# (`swift --version` here): a template naming another Swift cannot drift in unnoticed.
python3 scripts/ci-local/swift_images.py "$(swift --version 2>&1)" pipelines/ci/github-actions.yml pipelines/ci/gitlab-ci.yml
# The Buildbot master loads with the example settings (Buildbot's own checkconfig).
if command -v buildbot >/dev/null; then
  master=$(mktemp -d)
  trap 'rm -rf "$master"' EXIT
  cp pipelines/ci/buildbot/master.cfg "$master/"
  cp pipelines/ci/buildbot/kgate-buildbot.example.json "$master/kgate-buildbot.json"
  buildbot checkconfig "$master" >/dev/null
fi
echo "lint-ci: templates valid"
