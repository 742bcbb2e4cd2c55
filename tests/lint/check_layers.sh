#!/usr/bin/env bash
# Layers point down (DESIGN.md "Layout"): common/ < rules/, drivers/ (+ bpf/) < app/.
# The build enforces it with per-folder include directories; this check
# says it in words, for every quoted #include of every source and header
# below app/: the header must resolve in the including file's own folder
# or in a folder of the same or a lower layer. Exit 1 naming each upward
# include.
#   tests/lint/check_layers.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

# folder -> the folders its files may include from (own folder first)
declare -A allowed=(
	[common]="common"
	[bpf]="bpf"
	[rules]="rules common"
	[drivers]="drivers bpf common"
)
# generated at build time, and where they belong
declare -A generated=([weir_config.h]=common [weir_xdp.skel.h]=bpf)

bad=0
checked=0
for layer in common bpf rules drivers; do
	while IFS= read -r f; do
		dir=$(dirname "$f")
		while IFS=: read -r line inc; do
			checked=$((checked + 1))
			found=""
			if [ -e "$dir/$inc" ]; then
				found=$dir
			elif [ -n "${generated[$inc]:-}" ]; then
				found=${generated[$inc]}
			else
				for d in ${allowed[$layer]}; do
					if [ -e "$d/$inc" ]; then
						found=$d
						break
					fi
				done
			fi
			ok=0
			top=${found%%/*}
			for d in ${allowed[$layer]}; do
				[ "$top" = "$d" ] && ok=1
			done
			if [ -z "$found" ] || [ "$ok" -eq 0 ]; then
				where=$(ls -d app/"$inc" app/*/"$inc" drivers/"$inc" rules/"$inc" 2>/dev/null | head -1 || true)
				echo "$f:$line: #include \"$inc\" reaches outside its layer (${where:-not found below $layer/})"
				bad=$((bad + 1))
			fi
		done < <(grep -n -o -E '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' "$f" |
			sed -E 's/^([0-9]+):.*"([^"]+)"/\1:\2/')
	done < <(find "$layer" -name '*.[ch]' -not -path '*/examples/*' | sort)
done
echo "check_layers: $checked includes checked, $bad outside their layer"
[ "$bad" -eq 0 ]
