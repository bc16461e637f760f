#!/usr/bin/env bash
# The gateway e2e suites against the newest Nest 12 minor on the registry (issue 15 §3): a copy of
# the working tree (git's files, tracked and untracked, without node_modules) installs
# @nestjs/common, core, websockets, platform-express and testing at the newest ^12, everything else
# from package-lock.json, and runs test/e2e/gateway* there (about a minute on 2 cores with npm's cache warm). lib/gateway/nest-internals.ts reaches
# into Nest; this is where a new minor that changed it shows up first.
# Usage: scripts/test-newest-nest.sh   (npm run test:newest-nest; part of npm run test:all)
set -euo pipefail

readonly NEST_PACKAGES=(@nestjs/common @nestjs/core @nestjs/websockets @nestjs/platform-express @nestjs/testing)
readonly INSTALL_TIMEOUT_S=300

fail() {
  echo "test-newest-nest: $*" >&2
  exit 1
}

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/newest-nest.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Each package's own newest ^12 (@nestjs/websockets has its own minors).
newest_of() {
  local version
  version=$(npm view "$1@^12" version --json | node -e 'console.log([].concat(JSON.parse(require("fs").readFileSync(0, "utf8"))).pop())') ||
    fail "cannot ask the registry for the newest $1 ^12"
  [[ "$version" =~ ^12\.[0-9]+\.[0-9]+$ ]] || fail "the registry's newest $1 ^12 is '$version'"
  echo "$version"
}
specs=()
for package in "${NEST_PACKAGES[@]}"; do specs+=("$package@$(newest_of "$package")"); done
echo "test-newest-nest: ${specs[*]} in $work"

# What git would commit (tracked or not ignored), as it is now; a tracked file deleted in the tree is left out.
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done | tar --null -T - -cf -) |
  tar -xf - -C "$work"

# --ignore-scripts: this package's own prepare (a build) is not what is tested; the native
# add-ons load their prebuilt binaries at run time.
(cd "$work" && timeout "$INSTALL_TIMEOUT_S" npm install --no-save --ignore-scripts --no-audit --no-fund --prefer-offline "${specs[@]}") ||
  fail "npm install of ${specs[*]} failed (exit $?)"

for spec in "${specs[@]}"; do
  package=${spec%@*}
  installed=$(node -p "require('$work/node_modules/$package/package.json').version") || fail "$package is not installed"
  [[ "$package@$installed" == "$spec" ]] || fail "$package is $installed, not ${spec##*@}"
done

# The gateway e2e suites, and the unit tests that pin each use of Nest's internals.
cd "$work"
npx jest test/e2e/gateway test/unit/gateway/nest-internals.spec.ts test/unit/gateway/direct-call.parity.spec.ts --selectProjects e2e unit --ci
