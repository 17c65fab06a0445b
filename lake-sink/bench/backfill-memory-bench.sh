#!/usr/bin/env bash
# Issue 17's memory bound: a Bronze table of RECORDS rows (default 10,000,000) written directly with the sink's Bronze
# writer, then the backfill in its own JVM (BACKFILL_JVM, default -Xmx512m) with WORKERS threads (0: one per core).
# Prints rows/s, CPU s, heap peak, peak RSS, GC, spills and the rebuilt table's row count (Delta Kernel) against the
# rows that pass. Needs a few GB of free disk under java.io.tmpdir. Usage (from the repo root):
#   lake-sink/bench/backfill-memory-bench.sh [records=10000000] [workers=0] [backfill JVM options]
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS="${1:-10000000}"; WORKERS="${2:-0}"; BACKFILL_JVM="${3:--Xmx512m}"
./mvnw -B -q test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx1500m -Dmeshspine.schemas=schemas "-Dbench.backfillJvm=$BACKFILL_JVM" \
  -cp "lake-sink/target/test-classes:lake-sink/target/classes:$(cat lake-sink/target/test-classpath.txt)" \
  io.meshspine.sink.bench.BackfillMemoryBench "$RECORDS" "$WORKERS"
