#!/usr/bin/env bash
# Installs every Debian package weir's build, demo and tests use, and only
# those missing, so a second run costs nothing. Debian 12, as root.
set -euo pipefail

PKGS=(
	meson ninja-build pkg-config gcc clang llvm clang-format
	dpdk dpdk-dev libdpdk-dev
	libhyperscan-dev libpcap-dev libyaml-dev
	libcunit1-dev libjansson-dev librdkafka-dev libmicrohttpd-dev
	python3 iproute2 procps valgrind
	libbpf-dev libxdp-dev bpftool tcpreplay iputils-ping
	libpcre2-dev libssl-dev libcap-ng-dev openssl passwd util-linux libcurl4-openssl-dev nodejs npm
	prometheus python3-jsonschema
	libsystemd-dev libjemalloc-dev
	dpkg-dev debhelper lintian logrotate man-db
)

missing=()
for p in "${PKGS[@]}"; do
	# a nodejs from another archive (NodeSource) carries npm itself and
	# conflicts with Debian's npm package: its npm command is enough
	if [ "$p" = npm ] && command -v npm >/dev/null; then
		continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
