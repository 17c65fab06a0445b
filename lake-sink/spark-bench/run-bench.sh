#!/usr/bin/env bash
# The lake sink against Spark 4.0 Structured Streaming, same run, same topic. Usage (from the repo root):
#   lake-sink/spark-bench/run-bench.sh [records=1000000] [batch=100000] [our JVM options] [Spark JVM options]
# Spark's peer is built from lake-sink/spark-bench/pom.xml with its own settings file (a mirror for Spark's parent POM)
# and its own dependency versions; nothing of it enters the default build.
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS="${1:-1000000}"; BATCH="${2:-100000}"; OURS="${3:--Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=48m -XX:SharedArchiveFile=lake-sink/target/bench-jars/sink.jsa}"; SPARK="${4:--Xmx2g}"
./mvnw -B -q -s lake-sink/spark-bench/settings.xml -f lake-sink/spark-bench/pom.xml package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt
echo -n ":$(pwd)/lake-sink/spark-bench/target/classes" >> lake-sink/spark-bench/target/classpath.txt
# With its sibling modules from this checkout (-am: a clean clone has none of them installed), compiled, not installed.
./mvnw -B -q test-compile dependency:build-classpath -pl lake-sink -am -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
# Our side runs from jars, as deployed, with the class-data-sharing archive its image is built with (lake-sink/Dockerfile):
# dumped here from the same class list, outside either side's timing (as Spark's session start is).
mkdir -p lake-sink/target/bench-jars
jar --create --file lake-sink/target/bench-jars/lake-sink.jar -C lake-sink/target/classes .
jar --create --file lake-sink/target/bench-jars/lake-sink-tests.jar -C lake-sink/target/test-classes .
# Sibling modules come as class directories from the reactor (nothing installed); class-data sharing takes jars only.
DEPS=""
IFS=: read -ra ENTRIES <<< "$(cat lake-sink/target/test-classpath.txt)"
for entry in "${ENTRIES[@]}"; do
  if [ -d "$entry" ]; then
    module=$(basename "$(dirname "$(dirname "$entry")")")
    jar --create --file "lake-sink/target/bench-jars/$module-$(basename "$entry").jar" -C "$entry" .
    entry="lake-sink/target/bench-jars/$module-$(basename "$entry").jar"
  fi
  DEPS="$DEPS:$entry"
done
CP="lake-sink/target/bench-jars/lake-sink-tests.jar:lake-sink/target/bench-jars/lake-sink.jar$DEPS"
java -Xshare:dump -XX:SharedClassListFile=lake-sink/cds/sink.classlist \
  -XX:SharedArchiveFile=lake-sink/target/bench-jars/sink.jsa -cp "$CP" > lake-sink/target/bench-jars/cds-dump.log 2>&1
exec java -Xmx1g -Dmeshspine.schemas=schemas -cp "$CP" io.meshspine.sink.bench.SinkBench "$RECORDS" "$BATCH" \
  lake-sink/spark-bench/target/classpath.txt "$OURS" "$SPARK"
