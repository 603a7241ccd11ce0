#!/bin/sh
# Builds bench/splice/build/splice.node, the zero-copy recording prototype (issue 37), with
# the running Node's own headers: no download, no node-gyp. N-API is ABI-stable, so one
# build loads in Node 20 and 22 alike. Exits 3 with one line when it cannot build here.
#   sh bench/splice/build.sh [path/to/node]
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=${1:-node}
CC=${CC:-cc}
if [ "$(uname -s)" != Linux ]; then echo "splice: skipped (splice(2) and tee(2) are Linux only)"; exit 3; fi
if ! command -v "$CC" >/dev/null 2>&1; then echo "splice: skipped (no C compiler: $CC)"; exit 3; fi
INC=$(dirname "$(dirname "$("$NODE" -p process.execPath)")")/include/node
[ -f "$INC/node_api.h" ] || INC=/usr/include/node
if [ ! -f "$INC/node_api.h" ]; then echo "splice: skipped (no node_api.h beside $NODE or in /usr/include/node)"; exit 3; fi
mkdir -p "$HERE/build"
"$CC" -O2 -Wall -Wextra -std=gnu11 -fPIC -shared -pthread -DNODE_GYP_MODULE_NAME=splice \
  -I"$INC" -o "$HERE/build/splice.node.tmp" "$HERE/splice.c"
mv "$HERE/build/splice.node.tmp" "$HERE/build/splice.node"
echo "splice: built $HERE/build/splice.node with $INC"
