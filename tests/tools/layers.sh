#!/usr/bin/env bash
# layers.sh ROOT [--self-test]: checks every #include of ROOT/src and
# ROOT/include against the layer table of ROOT/docs/architecture.md, the one
# place the rules are written:
#   - "L/NAME.h" (a public header) only from layer L or a layer that uses L;
#   - "NAME.h" (a private header) only from a file beside it in src/L, never
#     from a public header;
#   - a system header that a layer owns (OpenSSL, curses, libedit, ...) only
#     in that layer; proto includes nothing but the C standard library (and
#     POSIX <strings.h>, and <emmintrin.h>, the compiler's own SSE2 types);
#     ui includes no socket header.
# Prints one line per break and exits 1 when there is one. --self-test
# plants one break of each kind in a copy of the tree and fails unless the
# check catches every one (ctest: cli.layers, cli.layers-self-test).
set -euo pipefail

root=${1:?usage: layers.sh ROOT [--self-test]}
doc=$root/docs/architecture.md
std=" assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h locale.h
 math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h
 stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h wctype.h strings.h
 emmintrin.h "
std=" $(tr '\n' ' ' <<<"$std") "
sockets=" sys/socket.h netinet/ arpa/inet.h netdb.h poll.h sys/select.h "

declare -A uses owns

# quoted TEXT: the `names` in TEXT, space-separated, with a space after each.
quoted() {
	local name
	for name in $(grep -o '`[^`]*`' <<<"$1" || true); do
		printf '%s ' "${name//\`/}"
	done
}

# The rows of the layer table: | `src/L` | `include/L/` | what | uses | owns |
read_table() {
	local row layer
	while IFS= read -r row; do
		layer=$(cut -d'|' -f2 <<<"$row" | grep -o 'src/[a-z]*' | cut -d/ -f2)
		uses[$layer]=" $(quoted "$(cut -d'|' -f5 <<<"$row")")"
		owns[$layer]=" $(quoted "$(cut -d'|' -f6 <<<"$row")")"
	done < <(grep -E '^\| `src/[a-z]+` +\|' "$doc")
	if [ "${#uses[@]}" -eq 0 ]; then
		echo "layers.sh: no layer table in $doc" >&2
		exit 2
	fi
}

# owner HEADER: the layer that owns a system header, or nothing. An owned
# name that ends in "/" is a folder: every header in it is owned.
owner() {
	local layer prefix
	for layer in "${!owns[@]}"; do
		for prefix in ${owns[$layer]}; do
			if [ "$1" = "$prefix" ] || { [ "${prefix: -1}" = / ] && [[ $1 == "$prefix"* ]]; }; then
				echo "$layer"
				return
			fi
		done
	done
}

breaks=0
say() {
	echo "$1: $2 (docs/architecture.md, \"Layers\")"
	breaks=$((breaks + 1))
}

# check_local FILE LAYER PUBLIC NAME: a #include "NAME" of FILE.
check_local() {
	local file=$1 layer=$2 public=$3 name=$4 to
	if [[ $name == */* ]]; then
		to=${name%%/*}
		if [ ! -e "$root/include/$name" ]; then
			say "$file" "includes \"$name\", which is no public header"
		elif [ "$to" != "$layer" ] && [[ ${uses[$layer]} != *" $to "* ]]; then
			say "$file" "includes \"$name\": $layer may not use $to"
		fi
	elif [ "$public" = 1 ]; then
		say "$file" "a public header includes the private \"$name\""
	elif [ ! -e "$root/src/$layer/$name" ]; then
		say "$file" "includes \"$name\", private to another layer or missing"
	fi
}

# check_system FILE LAYER NAME: a #include <NAME> of FILE.
check_system() {
	local file=$1 layer=$2 name=$3 own prefix
	if [ "$layer" = proto ] && [[ $std != *" $name "* ]]; then
		say "$file" "includes <$name>: proto includes the C library only"
		return
	fi
	if [ "$layer" = ui ]; then
		for prefix in $sockets; do
			[[ $name == "$prefix"* ]] && say "$file" "includes <$name>: ui never touches a socket"
		done
	fi
	own=$(owner "$name")
	if [ -n "$own" ] && [ "$own" != "$layer" ]; then
		say "$file" "includes <$name>, which only $own may include"
	fi
}

check_file() {
	local file=$1 layer=$2 public=$3 line name
	while IFS= read -r line; do
		name=${line#*[\"<]}
		name=${name%%[\">]*}
		case $line in
		*'"'*) check_local "${file#"$root"/}" "$layer" "$public" "$name" ;;
		*) check_system "${file#"$root"/}" "$layer" "$name" ;;
		esac
	done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$file" || true)
}

check_tree() {
	local dir layer file
	read_table
	for dir in "$root"/src/*/ "$root"/include/*/; do
		layer=$(basename "$dir")
		if [ -z "${uses[$layer]+set}" ]; then
			say "${dir#"$root"/}" "a folder that is not in the layer table"
			continue
		fi
		for file in "$dir"*.[ch]; do
			[ -e "$file" ] || continue
			check_file "$file" "$layer" "$([[ $dir == "$root"/include/* ]] && echo 1 || echo 0)"
		done
	done
	[ "$breaks" -eq 0 ] && echo "layers.sh: every #include keeps to the layer table"
	[ "$breaks" -eq 0 ]
}

# plant FILE LINE: a copy of the tree with LINE added to FILE must fail.
self_test() {
	local fails=0 case file line
	copy=$(mktemp -d)
	trap 'rm -rf "$copy"' EXIT
	for case in \
		'src/proto/lint.c|#include "ui/ui.h"' \
		'src/proto/escape.c|#include <unistd.h>' \
		'src/ui/model.c|#include <openssl/ssl.h>' \
		'src/ui/model.c|#include <sys/socket.h>' \
		'src/cli/main.c|#include <histedit.h>' \
		'src/cli/main.c|#include "tls_int.h"' \
		'include/net/net.h|#include "net_int.h"' \
		'src/tls/conn.c|#include "lab/lab.h"' \
		'src/lab/pool.c|#include "ui/nosuch.h"'; do
		file=${case%%|*}
		line=${case#*|}
		rm -rf "${copy:?}"/*
		cp -r "$root/src" "$root/include" "$root/docs" "$copy/"
		printf '%s\n' "$line" >>"$copy/$file"
		if "$0" "$copy" >/dev/null; then
			echo "FAIL: $line in $file was not caught"
			fails=$((fails + 1))
		fi
	done
	rm -rf "${copy:?}"/*
	cp -r "$root/src" "$root/include" "$root/docs" "$copy/"
	"$0" "$copy" >/dev/null || {
		echo "FAIL: the clean copy of the tree did not pass"
		fails=$((fails + 1))
	}
	echo "layers.sh --self-test: $fails failed"
	[ "$fails" -eq 0 ]
}

if [ "${2:-}" = --self-test ]; then
	self_test
else
	check_tree
fi
