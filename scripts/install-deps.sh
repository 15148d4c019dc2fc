#!/usr/bin/env bash
# Installs the Debian packages listed in deps/apt.txt that are not installed yet.
# Runs apt-get only when something is missing, so a warm machine pays nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
missing=()
while read -r pkg; do
  pkg=${pkg%%#*}; pkg=$(echo "$pkg" | xargs)
  [ -z "$pkg" ] && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done < "$here/deps/apt.txt"
# Node.js and npm (the tests' real clients): Debian's packages unless a node with npm is there
# already (NodeSource's nodejs package carries npm itself).
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
sudo_cmd=""
if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all $(grep -cv '^\s*\(#\|$\)' "$here/deps/apt.txt") Debian packages present"
else
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages (exact versions, package-lock.json) of deps/npm (the tests' real clients) and ui/
# (the web UI's build and browser-test tools), when missing or older than the lock file.
for npm_dir in "$here/deps/npm" "$here/ui"; do
  stamp="$npm_dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$npm_dir/package-lock.json" -nt "$stamp" ]; then
    echo "deps: npm ci in ${npm_dir#"$here"/}"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "deps: npm packages of ${npm_dir#"$here"/} present"
  fi
done
