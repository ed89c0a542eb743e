#!/usr/bin/env bash
# The whole test suite from a clean clone: installs dependencies, starts the local
# Kafka, Redis and OpenSearch (deploy/local/start), builds, lints, then runs the unit
# and end-to-end tests against those real servers. Prints one summary line at the end.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
export TZ=UTC CI="${CI:-}"

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "install"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # npm install, not npm ci: this npm omits other platforms' optional packages from the
  # lock file and npm ci then refuses it; install still follows the lock's versions.
  npm install --no-audit --no-fund
fi

step "infrastructure"
deploy/local/start

step "build"
npm run build

step "lint and generated documents"
npm run lint
npm run --silent asyncapi:check

mkdir -p .local/test-results
status=0
step "unit tests"
npx jest --selectProjects unit --json --outputFile=.local/test-results/unit.json || status=1
step "end-to-end tests (real Kafka, Redis, OpenSearch)"
# --forceExit: once every suite has finished and the results are written, the run ends. One run
# on a loaded machine stayed up after that (all 188 passed, the process busy with no socket
# open), which CI would have read as a hang. Whatever stayed up is not found yet; a run with
# --detectOpenHandles lists what is open at the end.
npx jest --selectProjects e2e --runInBand --forceExit --json --outputFile=.local/test-results/e2e.json || status=1

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const f of ["unit", "e2e"]) {
  const p = `.local/test-results/${f}.json`;
  if (!fs.existsSync(p)) { failed += 1; continue; }
  const r = JSON.parse(fs.readFileSync(p, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (passed === 0) process.exit(1);
'
step "done"
exit $status
