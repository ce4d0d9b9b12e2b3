# Sourced by bin/heed and bin/test. Finds a JDK >= 25 and sets HEED_JAVA_HOME, or explains what it found.
# Order: $JAVA_HOME, then `java` on PATH, then the JDKs installed beside the default one.

heed_java_major() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n1
}

heed_find_jdk() {
  local need=25 candidates=() seen="" c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c="$(readlink -f "$(command -v java)")"; candidates+=("${c%/bin/java}")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || { seen="$seen\n  $c: no java+javac"; continue; }
    v="$(heed_java_major "$c/bin/java")"
    if [ -n "$v" ] && [ "$v" -ge "$need" ]; then HEED_JAVA_HOME="$c"; export HEED_JAVA_HOME; return 0; fi
    seen="$seen\n  $c: Java ${v:-unknown}"
  done
  printf 'heed: needs a JDK %s or newer (java and javac), but found none.\nLooked at:%b\nInstall one (for example Temurin 25) and set JAVA_HOME to it.\n' "$need" "${seen:-\n  (no JDK at all)}" >&2
  return 1
}
