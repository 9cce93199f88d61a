#!/usr/bin/env bash
# The source tree's structure (issue 17, docs/layout.md):
#   * no C file of core/, kafka_shim/ or harness/ over LINES_MAX lines;
#   * the graph of quoted #includes between the project's own files has no
#     circle (tsort finds any loop);
#   * docs/layout.md names every C file of those directories, and names no
#     file that is gone.
#   test_structure.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: test_structure.sh SOURCE_DIR}
cd "$src"
LINES_MAX=1500
dirs=(core core/cli kafka_shim harness harness/examples)
fail=0
bad() { echo "test_structure: $*" >&2; fail=1; }

files=()
for d in "${dirs[@]}"; do
  for f in "$d"/*.c "$d"/*.h; do
    [ -e "$f" ] && files+=("$f")
  done
done
[ ${#files[@]} -gt 50 ] || bad "only ${#files[@]} source files found under ${dirs[*]}"

# 1. Sizes.
for f in "${files[@]}"; do
  n=$(wc -l <"$f")
  [ "$n" -le "$LINES_MAX" ] || bad "$f has $n lines (limit $LINES_MAX)"
done

# 2. Include graph: an edge from each file to every project file it
# includes with quotes (resolved beside it, then in core/ and kafka_shim/,
# as the build's include paths do).
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in "${files[@]}"; do
  d=$(dirname "$f")
  echo "$f $f" >>"$edges"   # every file is a node
  while read -r inc; do
    for cand in "$d/$inc" "core/$inc" "kafka_shim/$inc" "harness/$inc"; do
      if [ -e "$cand" ]; then
        cand=$(realpath --relative-to=. "$cand")
        [ "$cand" = "$f" ] && bad "$f includes itself"
        echo "$f $cand" >>"$edges"
        break
      fi
    done
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
nedges=$(awk '$1 != $2' "$edges" | wc -l)
[ "$nedges" -gt 100 ] || bad "only $nedges include edges: the scan is broken"
if ! out=$(tsort "$edges" 2>&1 >/dev/null); then
  bad "include circle: $out"
elif [ -n "$out" ]; then
  bad "include circle: $out"
fi

# 3. The module map names every C file, and only files that exist.
map=docs/layout.md
[ -f "$map" ] || bad "$map is missing"
for f in "${files[@]}"; do
  case $f in *.c) grep -qF -- "\`$f\`" "$map" || bad "$map does not name $f" ;; esac
done
while read -r named; do
  [ -e "$named" ] || bad "$map names $named, which does not exist"
done < <(grep -oE '`[a-z_]+/[a-z_/]*\.[ch]`' "$map" | tr -d '`' | sort -u)

[ "$fail" = 0 ] && echo "test_structure: ${#files[@]} files, $nedges include edges, no circle, none over $LINES_MAX lines, $map complete"
exit "$fail"
