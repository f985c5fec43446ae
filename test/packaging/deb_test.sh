#!/bin/bash
# packaging:deb — builds the .deb with cpack from an already built tree, unpacks it with
# dpkg -x into a scratch root and checks the files, the dependencies and that the
# unpacked binary runs. Usage: deb_test.sh BUILD_DIR
set -euo pipefail

build_dir=${1:?usage: deb_test.sh BUILD_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Its own package directory, so that parallel runs and the build tree stay apart.
( cd "$build_dir" && timeout 120 cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1 ) || {
  cat "$scratch/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$scratch"/out/fulcrum_*.deb)
echo "built $(basename "$deb")"

info=$(dpkg-deb -I "$deb")
echo "$info" | grep -E '^ (Package|Version|Depends):'
echo "$info" | grep -q '^ Package: fulcrum$' || fail "package name is not fulcrum"
version=$("$build_dir/fulcrum" --version | awk '{print $2}')
echo "$info" | grep -q "^ Version: $version\$" || fail "package version is not $version"
depends=$(echo "$info" | sed -n 's/^ Depends: //p')
for library in libuv1 libssl3 libfmt9 libprometheus-cpp-core libcivetweb; do
  [[ "$depends" == *"$library"* ]] || fail "Depends lacks $library: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/fulcrum/fulcrum.toml ||
  fail "/etc/fulcrum/fulcrum.toml is not a conffile"

root="$scratch/root"
dpkg -x "$deb" "$root"
expected=(
  usr/bin/fulcrum
  etc/fulcrum/fulcrum.toml
  usr/lib/systemd/system/fulcrum.service
  usr/share/doc/fulcrum/README.md
)
[[ -x "$build_dir/fulcrumctl" ]] && expected+=(usr/bin/fulcrumctl)
[[ -f "$(dirname "$0")/../../conf/grafana/fulcrum.json" ]] && expected+=(usr/share/fulcrum/grafana/fulcrum.json)
[[ -f "$(dirname "$0")/../../conf/prometheus.yml" ]] && expected+=(usr/share/fulcrum/prometheus.yml)
for file in "${expected[@]}"; do
  [[ -f "$root/$file" ]] || fail "missing /$file"
done
[[ -x "$root/usr/bin/fulcrum" ]] || fail "/usr/bin/fulcrum is not executable"

out=$("$root/usr/bin/fulcrum" --version) || fail "unpacked fulcrum --version failed"
[[ "$out" == "fulcrum $version" ]] || fail "unpacked fulcrum --version printed '$out'"
# The packaged example config is valid as shipped.
"$root/usr/bin/fulcrum" --check -c "$root/etc/fulcrum/fulcrum.toml" >/dev/null ||
  fail "the packaged /etc/fulcrum/fulcrum.toml does not pass --check"
grep -q '^ExecStart=/usr/bin/fulcrum -c /etc/fulcrum/fulcrum.toml$' "$root/usr/lib/systemd/system/fulcrum.service" ||
  fail "the unit's ExecStart is not the packaged binary and config"

# The unit parses (systemd-analyze works without systemd running); ExecStart must exist,
# so it is pointed at the unpacked binary.
if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/bin/fulcrum|$root/usr/bin/fulcrum|" "$root/usr/lib/systemd/system/fulcrum.service" \
    >"$scratch/fulcrum.service"
  systemd-analyze verify "$scratch/fulcrum.service" || fail "systemd-analyze verify rejects the unit"
fi

if [[ $failures -eq 0 ]]; then
  echo "packaging:deb: ${#expected[@]} files present, dependencies and binary OK"
fi
exit $((failures > 0))
