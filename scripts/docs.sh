#!/usr/bin/env bash
# What "make docs" runs: regenerates the docs site's guides from the Markdown in docs/, then
# builds the antsibull-docs HTML site (every plugin page from its own DOCUMENTATION, plus the
# guides) into build/docs/build/html, offline, failing on any Sphinx warning.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

"$ROOT/scripts/setup.sh"
if ! "$VENV_PY" -c 'import sphinx_ansible_theme' 2>/dev/null; then
  say "installing the Sphinx theme from docs/requirements.txt"
  "$VENV_PY" -m pip install --disable-pip-version-check --quiet -r "$ROOT/docs/requirements.txt"
fi
export PATH="$VENV/bin:$PATH"

"$VENV_PY" "$ROOT/tools/gen_docsite.py"
"$VENV_PY" "$ROOT/scripts/layout.py"

site="$BUILD/docs"
rm -rf "$site"
mkdir -p "$site"
export ANSIBLE_COLLECTIONS_PATH="$BUILD"
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$site" \
  --project coder.coderd --title "coder.coderd documentation" --copyright "contributors to coder.coderd" \
  coder.coderd >/dev/null
# The machines that build this have no internet: no intersphinx inventories to download, and
# references into Ansible's own docs (ansible-core's config variables such as
# ANSIBLE_CACHE_PLUGIN) cannot resolve; they stay plain text instead of failing the build.
cat >>"$site/conf.py" <<'PY'

intersphinx_mapping = {}
suppress_warnings = ["ref.ref", "ref.envvar"]
PY

mkdir -p "$site/rst"
chmod og-w "$site/rst"  # antsibull-docs wants the folder writable by its owner only
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --use-current --fail-on-error \
  --cleanup everything --dest-dir "$site/rst" coder.coderd
sphinx-build -M html "$site/rst" "$site/build" -c "$site" -W --keep-going -q
say "HTML site: ${site#"$ROOT"/}/build/html/index.html"
