#!/usr/bin/env bash
# The bounded copy-on-write rewrite at full size (issue 14): an upsert table of ROWS rows in FILES key-sorted files,
# then one upsert batch touching keys in every file, rewritten by the sink's UpsertPlanner in a JVM at -Xmx256m.
# Prints the result and each phase's time, peak heap and peak RSS. Usage (from the repo root):
#   lake-sink/bench/upsert-rewrite.sh [rows=5000000] [files=8] [target file bytes=134217728] [JVM options]
# The table is written to a temporary directory, deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${1:-5000000}"; FILES="${2:-8}"; TARGET="${3:-134217728}"
JVM="${4:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
# Sibling modules from this checkout (-am), compiled, not installed.
./mvnw -B -q -o test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
DIR="$(mktemp -d "${TMPDIR:-/tmp}/meshspine-rewrite-bench.XXXXXX")"
trap 'rm -rf "$DIR"' EXIT
# shellcheck disable=SC2086
java $JVM -cp "lake-sink/target/test-classes:lake-sink/target/classes:$(cat lake-sink/target/test-classpath.txt)" \
  io.meshspine.sink.internal.RewriteMain "$DIR/table" "$ROWS" "$FILES" "$TARGET"
du -sh "$DIR/table"
