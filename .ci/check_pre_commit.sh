#!/usr/bin/env bash
# Proves the pre-commit hook in .pre-commit-hooks.yaml the way a user meets it: pre-commit from
# PyPI runs `pre-commit try-repo` against this repository in a throwaway git repository, first
# on a healthy export (the hook must pass), then on a commit that breaks it (the hook must fail
# and name the rule). Also checks that the hook manifest, the example configs and action.yml
# are valid YAML. Called by .ci/run; runs on its own as `bash .ci/check_pre_commit.sh`.
#
# What is tested: try-repo clones a git repository at a commit, so it would test HEAD (plus
# pre-commit's copy of tracked changes, without untracked files). To test exactly the work
# tree, as every other step of .ci/run does, this script commits a snapshot of the work tree
# (tracked and untracked files, minus ignored ones) into a temporary repository and points
# try-repo at that. On CI's clean clone the snapshot is HEAD.
#
# Build time: pre-commit's `language: rust` runs `cargo install --bins --root ENV --path .` in
# its clone: a release build of azlint. cargo install honours CARGO_TARGET_DIR, builds with the
# same [profile.release], and hashes this workspace's crates by their path inside the workspace,
# so with CARGO_TARGET_DIR pointing at release artifacts of this repository only the workspace
# crates are rebuilt (the clone's files are new) and no dependency is. The artifacts are
# copied from target/release into a temporary target directory first: building the snapshot
# in target/ itself would leave artifacts that cargo takes as up to date for the work tree
# even if it was edited after the snapshot was taken. cargo install ignores Cargo.lock (no
# --locked; pre-commit/pre-commit#3162): a dependency released since Cargo.lock was updated
# would be rebuilt too, and the run needs the crates.io index.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$PWD"

fail() {
  echo "pre-commit hook check FAILED: $*" >&2
  exit 1
}

# Git identity and config for the temporary repositories, independent of the machine's
# (commit signing, hooks or templates in a user's ~/.gitconfig would change what is tested).
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=azlint-ci GIT_AUTHOR_EMAIL=azlint-ci@example.invalid
export GIT_COMMITTER_NAME=azlint-ci GIT_COMMITTER_EMAIL=azlint-ci@example.invalid

# Everything else goes to a temporary directory, pre-commit's cache included (not ~/.cache).
tmp="$(mktemp -d)"
target_copy=""
trap 'rm -rf "$tmp" ${target_copy:+"$target_copy"}' EXIT
export PRE_COMMIT_HOME="$tmp/pre-commit-home" PRE_COMMIT_COLOR=never

echo "-- pre-commit from PyPI (venv: target/ci-venv)"
venv="$repo_root/target/ci-venv"
python3 -m venv "$venv" || fail "could not create a Python venv in $venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit \
  || fail "could not install pre-commit from PyPI"
pre_commit="$venv/bin/pre-commit"
"$pre_commit" --version

echo "-- YAML: hook manifest, example configs, action"
"$pre_commit" validate-manifest .pre-commit-hooks.yaml || fail ".pre-commit-hooks.yaml is not a valid hook manifest"
"$pre_commit" validate-config docs/ci/pre-commit-config.yaml || fail "docs/ci/pre-commit-config.yaml is not a valid pre-commit config"
"$venv/bin/python" - action.yml docs/ci/github-workflow.yml docs/ci/azure-pipelines.yml <<'EOF' || fail "a YAML file does not parse or lacks its top-level keys"
import sys, yaml
required = {"action.yml": ["name", "inputs", "outputs", "runs"],
            "docs/ci/github-workflow.yml": ["on", "permissions", "jobs"],
            "docs/ci/azure-pipelines.yml": ["trigger", "steps"]}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=yaml.BaseLoader)  # BaseLoader: `on` stays a string key
    missing = [k for k in required[path] if k not in doc]
    if missing:
        sys.exit(f"{path}: missing {missing}")
    if path == "action.yml":
        # Composite steps need a shell; inputs reach scripts only through env (no ${{ }} in run).
        for step in doc["runs"]["steps"]:
            if "run" in step and ("shell" not in step or "${{" in step["run"]):
                sys.exit(f"{path}: step {step.get('name')!r} lacks a shell or expands ${{{{ }}}} in run")
    print(f"{path}: ok")
EOF

# Release artifacts to build on: after the corpus sweep's build this is a no-op.
cargo build --release --bin azlint

target_copy="$(mktemp -d "$repo_root/target/ci-pre-commit.XXXXXX")"
mkdir -p "$target_copy/release"
cp -a target/release/.fingerprint target/release/build target/release/deps "$target_copy/release/"
export CARGO_TARGET_DIR="$target_copy"

echo "-- snapshot of the work tree"
src="$tmp/azlint-src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi # skip deleted tracked files
    done \
  | xargs -0 cp -a --parents -t "$src" --
git -C "$src" init -q -b main
git -C "$src" add -A
git -C "$src" commit -q -m "work tree of $repo_root"

# run_hook NAME: runs the hook on every file of the user's repository; sets hook_status and
# leaves the output in $tmp/NAME.log.
run_hook() {
  local log="$tmp/$1.log" start=$SECONDS
  hook_status=0
  (cd "$user" && "$pre_commit" try-repo "$src" azlint --all-files) >"$log" 2>&1 || hook_status=$?
  cat "$log"
  echo "($1: exit $hook_status in $((SECONDS - start)) s)"
  if [ -f "$PRE_COMMIT_HOME/pre-commit.log" ]; then
    cat "$PRE_COMMIT_HOME/pre-commit.log"
    fail "$1: pre-commit itself failed (log above); the hook could not be installed or run"
  fi
}

user="$tmp/user-repo"
git init -q -b main "$user"
mkdir -p "$user/exports/ams"

echo "-- hook on a healthy export (pre-commit builds azlint with cargo install first)"
cp fixtures/examples/healthy/*.json "$user/exports/ams/"
git -C "$user" add -A
git -C "$user" commit -q -m "healthy export"
run_hook healthy
[ "$hook_status" -eq 0 ] || fail "the hook failed on fixtures/examples/healthy (exit $hook_status, expected 0)"
grep -Eq '^azlint\.+Passed$' "$tmp/healthy.log" || fail "the hook did not report Passed on the healthy export"

echo "-- hook on a commit that breaks the export (a new try-repo store: built again)"
cp fixtures/examples/broken/resources.json "$user/exports/ams/resources.json"
git -C "$user" commit -q -am "re-export after the DNS change"
run_hook broken
[ "$hook_status" -ne 0 ] || fail "the hook passed on fixtures/examples/broken (expected a non-zero exit)"
grep -Eq '^azlint\.+Failed$' "$tmp/broken.log" || fail "the hook did not report Failed on the broken export"
grep -q 'HA002 vnet-dns-not-public' "$tmp/broken.log" \
  || fail "the hook's output does not name HA002 vnet-dns-not-public (fixtures/examples/broken/DEFECTS.md, S2)"

echo "pre-commit hook: ok"
