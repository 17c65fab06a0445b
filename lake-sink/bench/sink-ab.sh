#!/usr/bin/env bash
# Our sink and the write-alone limit, batches of 100k, no Spark: a baseline commit's writer-path classes against this
# checkout's, alternated RUNS times on the same machine (a loaded machine moves absolute figures; compare the pairs).
# Usage (from the repo root; nothing is installed into ~/.m2):
#   lake-sink/bench/sink-ab.sh [baseline commit=8e39402] [runs=2] [records=1000000] [batch=100000]
# The baseline's RecordDecoder, SinkTables, SinkLoop, WriterLane, ParquetFiles and WriteAloneSide are compiled against this
# checkout's classes into a temporary directory put first on the classpath.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE="${1:-8e39402}"; RUNS="${2:-2}"; RECORDS="${3:-1000000}"; BATCH="${4:-100000}"
./mvnw -B -q test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
CP="lake-sink/target/test-classes:lake-sink/target/classes:$(cat lake-sink/target/test-classpath.txt)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src" "$WORK/classes"
for f in lake-sink/src/main/java/io/meshspine/sink/internal/{RecordDecoder,SinkTables,SinkLoop,WriterLane,ParquetFiles}.java \
         lake-sink/src/test/java/io/meshspine/sink/bench/WriteAloneSide.java; do
  git show "$BASE:$f" > "$WORK/src/$(basename "$f")"
done
javac -nowarn -d "$WORK/classes" -cp "$CP" "$WORK"/src/*.java
for run in $(seq 1 "$RUNS"); do
  for side in base new; do
    extra=""; [ "$side" = base ] && extra="$WORK/classes:"
    echo "== run $run $side ($BASE or this checkout) $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Xmx1g -Dbench.batchesOnly=true -Dmeshspine.schemas=schemas -cp "$extra$CP" io.meshspine.sink.bench.SinkBench \
      "$RECORDS" "$BATCH" - 2>&1 | grep -E "^\||^Result"
  done
done
echo "== end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
