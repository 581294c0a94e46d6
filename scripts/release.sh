#!/usr/bin/env bash
# Builds what an operator copies to a host without Swift: connect-admin and connect-server in
# release mode with the Swift runtime linked statically (--static-swift-stdlib), stripped, with
# man pages and shell completions, packed as
#   connect-admin-VERSION-linux-ARCH.tar.gz  (+ .sha256)
# in $RELEASE_DIR (default .build/release-dist). Then checks the result as a host would see it:
# `ldd` lists no Swift runtime library, and the binaries run with an empty environment from a
# directory outside the toolchain. VERSION is ConnectAdminVersion.current; when HEAD carries a
# tag (v1.2.3 or 1.2.3) it must be the same version.
#   scripts/release.sh [--update-docs]   (--update-docs also rewrites docs/man from the binaries)
#   scripts/release.sh --check-docs      only what scripts/test.sh checks on every change: the
#                                        debug binaries' --version and docs/man against their help
set -euo pipefail
cd "$(dirname "$0")/.."
update_docs= check_docs=
case "${1:-}" in
  --update-docs) update_docs=1 ;;
  --check-docs) check_docs=1 ;;
  "") ;;
  *) echo "release.sh: unknown option $1 (--update-docs or --check-docs)" >&2; exit 2 ;;
esac

version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/ConnectCore/Support/ConnectAdminVersion.swift)
[ -n "$version" ] || { echo "release: no version in Sources/ConnectCore/Support/ConnectAdminVersion.swift" >&2; exit 1; }
if tag=$(git describe --tags --exact-match 2>/dev/null); then
  [ "${tag#v}" = "$version" ] || { echo "release: tag $tag does not match the version $version in ConnectAdminVersion.swift" >&2; exit 1; }
fi
# Man pages from the argument parser (one per subcommand), dated by the commit.
man_pages() {  # man_pages BINARY OUT_DIR
  .build/debug/generate-manual "$1" --multi-page --date "$(git log -1 --format=%cs)" --output-directory "$2" >/dev/null
}
man_pages_match() {  # man_pages_match DIR: docs/man is what the commands' help says
  diff -r -q -I '^\.Dd ' "$1" docs/man >/dev/null \
    || { echo "release: docs/man is out of date with the commands: run scripts/release.sh --update-docs and commit it" >&2; exit 1; }
}
if [ -n "$check_docs" ]; then
  swift build --product generate-manual >/dev/null
  pages=$(mktemp -d)
  trap 'rm -rf "$pages"' EXIT
  for program in connect-admin connect-server; do
    [ "$(.build/debug/$program --version)" = "$version" ] || { echo "release: $program --version is not $version" >&2; exit 1; }
    man_pages ".build/debug/$program" "$pages"
  done
  man_pages_match "$pages"
  echo "release: --version is $version on both binaries; docs/man matches their help"
  exit 0
fi
platform="linux-$(uname -m)"
name="connect-admin-$version-$platform"
out=$(realpath -m "${RELEASE_DIR:-.build/release-dist}")
stage="$out/$name"

flags=(-c release --static-swift-stdlib)
swift build "${flags[@]}" --product connect-admin
swift build "${flags[@]}" --product connect-server
swift build --product generate-manual >/dev/null
bin=$(swift build "${flags[@]}" --show-bin-path)

rm -rf "$stage" "$out/$name.tar.gz" "$out/$name.tar.gz.sha256"
mkdir -p "$stage/bin" "$stage/man/man1" "$stage/completions" "$stage/deploy"
for program in connect-admin connect-server; do
  cp "$bin/$program" "$stage/bin/"
  strip "$stage/bin/$program"
  if ldd "$stage/bin/$program" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
    echo "release: $program still loads the Swift runtime (above)" >&2; exit 1
  fi
  [ "$("$stage/bin/$program" --version)" = "$version" ] || { echo "release: $program --version is not $version" >&2; exit 1; }
  man_pages "$stage/bin/$program" "$stage/man/man1"
  for shell in bash zsh fish; do
    "$stage/bin/$program" --generate-completion-script "$shell" > "$stage/completions/$program.$shell"
  done
done
cp README.md "$stage/"
cp deploy/* "$stage/deploy/"
if [ -n "$update_docs" ]; then
  rm -rf docs/man && mkdir -p docs/man && cp "$stage/man/man1/"* docs/man/
else
  man_pages_match "$stage/man/man1"
fi

tar -C "$out" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")

# As on a host without Swift: unpacked elsewhere, run with an empty environment.
host=$(mktemp -d /tmp/release-host.XXXXXX)
trap 'rm -rf "$host"' EXIT
(cd "$out" && sha256sum -c --quiet "$name.tar.gz.sha256")
tar -C "$host" -xzf "$out/$name.tar.gz"
cd "$host"
env -i "$host/$name/bin/connect-admin" --version >/dev/null
env -i "$host/$name/bin/connect-server" --version >/dev/null
qsh=$(env -i "$host/$name/bin/connect-admin" jwt qsh --method GET --url '/rest/api/3/issue?expand=names' --json)
case "$qsh" in *'"canonical":"GET&/rest/api/3/issue&expand=names"'*) ;; *) echo "release: connect-admin jwt qsh printed $qsh" >&2; exit 1 ;; esac
env -i "$host/$name/bin/connect-admin" dev seed --tenants 3 --failures 3 --events 3 --store "sqlite:$host/store.sqlite" >/dev/null 2>&1
[ "$(env -i "$host/$name/bin/connect-admin" tenants --store "sqlite:$host/store.sqlite" --json | wc -l)" = 3 ] \
  || { echo "release: connect-admin could not read a store on the host" >&2; exit 1; }
echo "release: $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1)), sha256 $(cut -c1-16 "$out/$name.tar.gz.sha256")…"
echo "release: ldd connect-admin: $(ldd "$host/$name/bin/connect-admin" | awk '{print $1}' | tr '\n' ' ')"
