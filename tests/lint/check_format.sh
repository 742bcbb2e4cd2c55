#!/usr/bin/env bash
# The tree passes its own formatter (.clang-format, clang-format 14 as in
# Debian 12): every tracked C source and header, so a file that drifts
# fails CI with the lines clang-format would change.
#   tests/lint/check_format.sh [SOURCE_ROOT]     (fix: clang-format -i FILE)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
fmt=$(command -v clang-format || command -v clang-format-14) ||
	{ echo "check_format: clang-format not installed (tests/install-deps.sh installs it)"; exit 1; }
bad=0
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! "$fmt" --dry-run -Werror "$f" 2>/tmp/check_format.$$; then
		head -20 /tmp/check_format.$$
		bad=$((bad + 1))
	fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*' | sed 's#^./##' | sort)
rm -f /tmp/check_format.$$
echo "check_format: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
