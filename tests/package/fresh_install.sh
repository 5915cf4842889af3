#!/usr/bin/env bash
# Installs the Debian package in a fresh Debian 12 root (debootstrap --variant=minbase: no Qt,
# no Python packages) and runs it there as a user would: apt-get pulls the dependencies, then
# the command line, the Python module and an offscreen screenshot. Prints the log; exits 1 on
# any failure. Needs root and debootstrap; the base root is made once and kept in ~/.cache
# (the same one ../shared/tools/fresh-debian uses).
#
# usage: tests/package/fresh_install.sh build/package/ntk-explorer_VERSION_amd64.deb
set -euo pipefail
deb=$(realpath "$1")
[[ $(id -u) -eq 0 ]] || { echo "fresh_install.sh: needs root (chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "fresh_install.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}
base=$cache/ntk-fresh-root
root=$(mktemp -d /tmp/ntk-package-root.XXXXXX)
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [[ ! -x $base/bin/bash ]]; then
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$base" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1
fi
cleanup() { for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done; rm -rf "$root"; }
trap cleanup EXIT
cp -a "$base/." "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb bash -euxo pipefail -c "
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/$(basename "$deb") 2>&1 | grep -E 'newly installed|Setting up ntk-explorer'
  dpkg -s ntk-explorer | grep -E '^(Version|Depends):'
  ntk-explorer --version
  ntk-explorer compare --L 32 --d 8 --m 4096
  python3 -c 'import ntk_explorer as nx; r = nx.compare(L=32, d=8, m=4096); print(\"python3: ntk_explorer\", nx.__version__, \"max_abs_error\", r[\"max_abs_error\"], r[\"status\"])'
  QT_QPA_PLATFORM=offscreen ntk-explorer --screenshot /tmp/window.png
  ls -l /tmp/window.png
  man -w ntk-explorer 2>/dev/null || ls /usr/share/man/man1/ntk-explorer.1.gz
  ls /usr/share/applications/ntk-explorer.desktop /usr/share/metainfo/io.github.ntk_explorer.metainfo.xml \
     /usr/share/icons/hicolor/scalable/apps/ntk-explorer.svg
"
cp "$root/tmp/window.png" "$(dirname "$deb")/fresh-root-window.png"
echo "fresh_install.sh: the package installed and ran in a fresh Debian 12 root; its screenshot: $(dirname "$deb")/fresh-root-window.png"
