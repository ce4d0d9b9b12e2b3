#!/usr/bin/env bash
# Builds and runs every project under examples/ against this checkout, so that none of them can rot.
# Heed's modules are installed into a private local repository (target/examples-repo) whose reads fall through to
# ~/.m2 for third-party artifacts (Maven's maven.repo.local.tail): ~/.m2 itself is never written.
# Usage: bin/lib/examples.sh [NAME...]   (default: every example). bin/test runs it after the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
. "$ROOT/bin/lib/find-jdk.sh"
heed_find_jdk || exit 1
export JAVA_HOME="$HEED_JAVA_HOME"

REPO="$ROOT/target/examples-repo"
WORK="$ROOT/target/examples-run"
MVN=("$ROOT/mvnw" -B -q "-Dmaven.repo.local=$REPO" "-Dmaven.repo.local.tail=${HOME}/.m2/repository")
mkdir -p "$REPO" "$WORK"
echo "examples: installing Heed's modules into $REPO ..." >&2
(cd "$ROOT" && "${MVN[@]}" install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl heed-core,heed-onnx,heed-models -am)

IMAGES="$ROOT/../../shared/data/images"; [ -d "$IMAGES" ] || IMAGES=/work/shared/data/images
FIXTURE="$ROOT/heed-onnx/src/test/resources/models/rtdetr_tiny_opset17.onnx"
args_for() {
  case "$1" in
    embeddings-similarity) echo "$WORK/cache" ;;
    attention-maps) echo "$WORK $WORK/cache" ;;
    attention-api) echo "" ;;
    detection) echo "$FIXTURE $IMAGES/bus.jpg $WORK/bus.json" ;;
    *) echo "" ;;
  esac
}
main_of() { # the one class with a main method
  grep -rl 'public static void main' "$1/src/main/java" | head -n1 | sed "s|$1/src/main/java/||; s|\.java$||; s|/|.|g"
}

NAMES=("$@"); [ ${#NAMES[@]} -gt 0 ] || NAMES=($(cd "$ROOT/examples" && ls -d */ | tr -d /))
for name in "${NAMES[@]}"; do
  dir="$ROOT/examples/$name"
  echo "examples: $name: build" >&2
  (cd "$dir" && "${MVN[@]}" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
  cls="$(main_of "$dir")"
  echo "examples: $name: run $cls $(args_for "$name")" >&2
  # shellcheck disable=SC2046
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$dir/target/classes:$(cat "$dir/target/classpath.txt")" "$cls" $(args_for "$name") 2> >(grep -v '^WARNING: Using incubator' >&2)
done
echo "examples: all ${#NAMES[@]} built and ran" >&2
