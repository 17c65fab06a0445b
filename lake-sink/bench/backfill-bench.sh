#!/usr/bin/env bash
# Issue 17's benchmark: a backfill of RECORDS Bronze rows against the live path (raw topic -> gate -> product -> sink)
# for the same rows in the same run; the backfill in its own JVM (BACKFILL_JVM, default -Xmx512m) with WORKERS threads
# (0: one per core). Prints both rates, the ratio, the backfill's heap peak and peak RSS, and the load average around
# each phase. Usage (from the repo root):
#   lake-sink/bench/backfill-bench.sh [records=1000000] [workers=0] [backfill JVM options]
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS="${1:-1000000}"; WORKERS="${2:-0}"; BACKFILL_JVM="${3:--Xmx512m}"
# Sibling modules from this checkout (-am), compiled, not installed.
./mvnw -B -q test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx1500m -Dmeshspine.schemas=schemas "-Dbench.backfillJvm=$BACKFILL_JVM" \
  -cp "lake-sink/target/test-classes:lake-sink/target/classes:$(cat lake-sink/target/test-classpath.txt)" \
  io.meshspine.sink.bench.BackfillBench "$RECORDS" "$WORKERS"
