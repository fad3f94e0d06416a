#!/usr/bin/env bash
# The main job for now: check the lab's director configs (conf/*.conf) with
# keepalived-ts and with real keepalived side by side, inside a private
# network namespace that has the interface the configs name (eth0), so the
# verdict does not depend on this host's interfaces.
set -euo pipefail
cd "$(dirname "$0")/../.."
ns="kts-validate-$$"
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set lo up

status=0
for conf in "${@:-conf/director1.conf conf/director2.conf}"; do
  for f in $conf; do
    echo "== $f"
    set +e
    ip netns exec "$ns" node bin/keepalived-ts.js -t -f "$f"
    ours=$?
    ip netns exec "$ns" keepalived -t -f "$f" -l -p "$tmp/p" -r "$tmp/r" -c "$tmp/c" -b "$tmp/b" 2>"$tmp/ka.err"
    theirs=$?
    set -e
    echo "keepalived-ts -t: exit $ours    keepalived -t: exit $theirs"
    if [ -s "$tmp/ka.err" ]; then sed 's/^/  keepalived: /' "$tmp/ka.err"; fi
    [ "$ours" = "$theirs" ] || status=1
    [ "$ours" = 0 ] || status=1
  done
done
exit $status
