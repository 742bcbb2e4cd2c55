#!/usr/bin/env bash
# Builds weir against Vectorscan in DIR: tests/build-vectorscan.sh DIR [meson options...]
# Debian 12's libvectorscan-dev and libhyperscan-dev conflict (both are
# libhs), and CI's main builds use Hyperscan, so Vectorscan's two packages
# are unpacked (apt-get download + dpkg-deb -x, nothing installed) under
# DIR/vectorscan-root and found there through PKG_CONFIG_PATH, with an rpath
# so weir and the tests load that libhs.so.5 and not the system's.
# -Dregex=vectorscan makes meson fail if it finds another libhs.
set -euo pipefail
dir=$1
shift
cd "$(dirname "$0")/.."
root=$PWD/$dir/vectorscan-root
if [ ! -f "$root/libhs.pc" ]; then
	mkdir -p "$root/debs"
	# _apt cannot write into a directory only root can: download as root there
	(cd "$root/debs" && apt-get download -q=2 -o APT::Sandbox::User=root libvectorscan-dev libvectorscan5)
	for d in "$root"/debs/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	lib=$(dirname "$(find "$root/usr/lib" -name 'libhs.so.5' | head -n 1)")
	ver=$(sed -n 's/^Version: //p' "$lib/pkgconfig/libhs.pc")
	cat >"$root/libhs.pc" <<PC
prefix=$root/usr
libdir=$lib
includedir=\${prefix}/include

Name: libhs
Description: Vectorscan, unpacked for weir's build (tests/build-vectorscan.sh)
Version: $ver
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lhs
Cflags: -I\${includedir}/hs -I\${includedir}
PC
fi
PKG_CONFIG_PATH="$root${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" bash tests/build.sh "$dir" -Dregex=vectorscan "$@"
