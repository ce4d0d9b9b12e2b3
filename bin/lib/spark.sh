#!/usr/bin/env bash
# `bin/heed spark embed|detect ...`: Heed's Spark jobs (heed-spark, dev.heed.spark.HeedSparkJob) in this JVM as the
# driver, local mode by default. Spark's jars (a few hundred MB) are resolved by ./mvnw on the first use of this
# command only, never by the other `heed` commands; the class path is then kept in heed-spark/target and later runs
# need no network. Extra JVM options: HEED_JAVA_OPTS. HEED_DEBUG=1 prints Java stack traces.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
. "$ROOT/bin/lib/find-jdk.sh"
heed_find_jdk || exit 1
export JAVA_HOME="$HEED_JAVA_HOME"

STAMP="$ROOT/heed-spark/target/heed-spark.classpath"
jar() { ls "$ROOT"/heed-spark/target/heed-spark-*.jar 2>/dev/null | grep -v -- '-app\.jar\|-sources\|-javadoc' | head -n1; }
needs_build() {
  [ -f "$STAMP" ] && [ -n "$(jar)" ] || return 0
  [ -n "$(find "$ROOT/pom.xml" "$ROOT"/heed-core "$ROOT"/heed-onnx "$ROOT"/heed-models "$ROOT"/heed-spark \
      \( -name pom.xml -o -path '*/src/main/*' \) -newer "$STAMP" -print -quit 2>/dev/null)" ]
}
if needs_build; then
  [ -f "$STAMP" ] || echo "heed spark: first use: building heed-spark and resolving Apache Spark through Maven (a few hundred MB, once) ..." >&2
  [ -f "$STAMP" ] && echo "heed spark: building heed-spark (sources changed) ..." >&2
  LOG="$(mktemp)"
  if ! (cd "$ROOT" && ./mvnw -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package -pl heed-spark -am) >"$LOG" 2>&1; then
    cat "$LOG" >&2; rm -f "$LOG"
    echo "heed spark: the build failed (log above)." >&2; exit 1
  fi
  rm -f "$LOG"
  touch "$STAMP"
fi

# What Spark's own launcher (JavaModuleOptions) adds on JDK 17+, and --sun-misc-unsafe-memory-access=allow for
# JDK 25; plus Heed's Vector API module.
SPARK_FLAGS="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
 --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
 -Dio.netty.tryReflectionSetAccessible=true --sun-misc-unsafe-memory-access=allow"
CP="$(jar):$(cat "$STAMP")"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $SPARK_FLAGS --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Dlog4j2.configurationFile="$ROOT/heed-spark/conf/log4j2.properties" ${HEED_JAVA_OPTS:-} \
  -cp "$CP" dev.heed.spark.HeedSparkJob "$@" \
  2> >(grep -v --line-buffered '^WARNING: Using incubator modules' >&2)
