#!/usr/bin/env bash
# Create/refresh the private venv holding the peer tools nbprod is benchmarked
# against (bench/requirements-peers.txt) in bench/.peers-venv (git-ignored).
#
#   bash bench/setup-peers.sh           # no-op (~10 ms) when already up to date
#   bash bench/setup-peers.sh --force   # rebuild from scratch
#   PYTHON=python3.11 bash bench/setup-peers.sh
#
# The venv is rebuilt from scratch whenever the requirements file, this script or the base
# interpreter changes (sha256 stamp in the venv). Nothing is registered globally:
# no `ipykernel install`, no pip into the main interpreter. The venv ships its own
# `python3` kernelspec under .peers-venv/share/jupyter, which papermill/nbconvert
# started from the venv find on their own.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.peers-venv"
req="$here/requirements-peers.txt"
stamp="$venv/.requirements.sha256"
py="${PYTHON:-python3}"

want="$( { cat "$req" "${BASH_SOURCE[0]}"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

up_to_date() { [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; }
force="${1:-}"
if [[ "$force" != "--force" ]] && up_to_date; then
    exit 0
fi
# Several bench scripts may call this at once: one builds, the others wait, then find it done.
exec 9>"$here/.peers-venv.lock"
flock 9
if [[ "$force" != "--force" ]] && up_to_date; then
    exit 0
fi

start=$(date +%s)
echo "setup-peers: (re)building $venv" >&2
rm -rf "$venv"
"$py" -m venv "$venv"
# (grep drops the noise of file:// find-links that some machines configure)
pipq() { "$venv/bin/python" -m pip install --quiet "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }
pipq --upgrade pip
pipq -r "$req"
# ploomber -> notebook<7 -> jupyter_server -> jupyter-events -> jsonschema[format-nongpl]
# pulls in rfc3987-syntax, which builds a lark grammar when jsonschema imports it: +2 s CPU
# on *every* `import nbformat` (nbqa, pynblint, jupytext, nbconvert, papermill...). nbprod's
# own environment does not have it, so drop it for a like-for-like start-up cost
# (jsonschema treats it as optional; `pip check` stays clean). KEEP_RFC3987=1 keeps it.
if [[ -z "${KEEP_RFC3987:-}" ]]; then
    "$venv/bin/python" -m pip uninstall --quiet --yes rfc3987-syntax
fi
# Smoke test: every peer must at least start (pynblint crashes here with click>=8.2).
for tool in ruff nbqa flake8 pynblint jupytext jupyter-nbconvert marimo soorgeon ploomber papermill; do
    if ! "$venv/bin/$tool" --help >/dev/null 2>&1; then
        echo "setup-peers: '$tool --help' failed in $venv" >&2
        exit 1
    fi
done
echo "$want" > "$stamp"
echo "setup-peers: done in $(( $(date +%s) - start )) s" >&2
