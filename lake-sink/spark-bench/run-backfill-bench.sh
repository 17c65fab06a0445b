#!/usr/bin/env bash
# Issue 17's benchmark against Spark: our backfill and a Spark 4.0 batch job (SparkBackfillPeer, local[2]) rebuilding
# the payments Silver table from the same Bronze Delta table of RECORDS rows, in the same run, RUNS rounds in alternating
# order (odd rounds ours first, even rounds Spark first), each side in its own JVM. Prints each side's Bronze rows/s,
# CPU s, peak RSS and Silver rows (checked with Delta Kernel: both equal the rows the contract passes) and the ratio.
# Usage (from the repo root; nothing is installed into ~/.m2):
#   lake-sink/spark-bench/run-backfill-bench.sh [records=1000000] [runs=2] [workers=0: one per core] \
#       [our JVM options=-Xmx512m] [Spark JVM options=-Xmx512m]
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS="${1:-1000000}"; RUNS="${2:-2}"; WORKERS="${3:-0}"; OURS="${4:--Xmx512m}"; SPARK="${5:--Xmx512m}"
# The Spark peer from its own POM and settings (a mirror for Spark's parent POM), outside the default build.
./mvnw -B -q -s lake-sink/spark-bench/settings.xml -f lake-sink/spark-bench/pom.xml package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt
echo -n ":$(pwd)/lake-sink/spark-bench/target/classes" >> lake-sink/spark-bench/target/classpath.txt
# Our side with its sibling modules from this checkout (-am), compiled, not installed.
./mvnw -B -q test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx1500m -Dmeshspine.schemas=schemas \
  -cp "lake-sink/target/test-classes:lake-sink/target/classes:$(cat lake-sink/target/test-classpath.txt)" \
  io.meshspine.sink.bench.BackfillSparkBench "$RECORDS" "$RUNS" "$WORKERS" "$OURS" "$SPARK" lake-sink/spark-bench/target/classpath.txt
