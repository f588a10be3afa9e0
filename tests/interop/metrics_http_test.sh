#!/usr/bin/env bash
# tests/interop/metrics_http_test.sh TUNNELISA [WORKDIR]
#
# `tunnelisa run --metrics-listen` end to end: the two gateways of run_manual_test.sh (gw_a.cfg /
# gw_b.cfg, ESP with manual keys in VPRN 101 and GRE in VPRN 102) in two network namespaces,
# A serving metrics on 127.0.0.1:9464 and B on [::1]:9464 (each on its namespace's loopback).
# After pings both ways it scrapes /metrics with a python3 client and checks:
#   - 200, Content-Type "text/plain; version=0.0.4", a body in the text format (every sample
#     in a family declared by HELP and TYPE before it, labels and values well formed);
#   - the ping counts in the per-tunnel, per-SA, per-SAP and gateway counters, and the same
#     families from the control socket's `metrics` request;
#   - HEAD, a wrong path (404), a wrong method (405), a malformed request and an HTTP/1.1
#     request without Host (400), an oversized head (431);
#   - a slow client (half a request line, then silence) is answered 408 and dropped within
#     the read timeout, and the client queued behind it is served after it;
#   - --metrics-listen with a host name or a bad port: exit 2 before anything is set up.
# Needs root, `ip`, `ping` and python3; exits 77 (skipped) without them. Traffic stays inside
# the namespaces it creates; every wait is bounded; namespaces and the gateways it started are
# removed whatever happens.
set -euo pipefail

TL=${1:?usage: metrics_http_test.sh TUNNELISA [WORKDIR]}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
rm -f "$WORK"/*.sock "$WORK"/*.ready "$WORK"/*.log

# shellcheck source-path=SCRIPTDIR source=gateway_pair_lib.sh
. "$HERE/gateway_pair_lib.sh"
gwp_public_addresses 4
gwp_require_machine ip ping python3
gwp_init tlmet

# http.py HOST PORT MODE [ARG]: one HTTP exchange; prints the status line, the headers, a blank
# line and the body. Modes: get PATH | head PATH | method METHOD PATH | raw HEX (bytes sent
# as they are) | slow (half a request line, then silence until the server closes).
cat >"$WORK/http.py" <<'PY'
import socket, sys, time
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
arg = sys.argv[4:]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((host, port))
hosthdr = "Host: %s\r\n" % ("[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port))
if mode == "get":
    s.sendall(("GET %s HTTP/1.1\r\n%sUser-Agent: t\r\n\r\n" % (arg[0], hosthdr)).encode())
elif mode == "head":
    s.sendall(("HEAD %s HTTP/1.1\r\n%s\r\n" % (arg[0], hosthdr)).encode())
elif mode == "method":
    s.sendall(("%s %s HTTP/1.1\r\n%sContent-Length: 0\r\n\r\n" % (arg[0], arg[1], hosthdr)).encode())
elif mode == "raw":
    s.sendall(bytes.fromhex(arg[0]))
elif mode == "slow":
    s.sendall(b"GET /met")
start = time.monotonic()
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        print("TIMEOUT"); sys.exit(3)
    if not chunk:
        break
    data += chunk
if mode == "slow":
    sys.stderr.write("closed after %.2f s\n" % (time.monotonic() - start))
head, _, body = data.partition(b"\r\n\r\n")
sys.stdout.write(head.decode() + "\r\n\r\n" + body.decode())
PY

# check_exposition FILE: the text format's rules (see tests/test_tools/exposition.h).
check_exposition() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
declared, types, cur, seen = set(), {}, None, set()
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? ([0-9.eE+-]+|NaN|[+-]Inf)$')
for n, line in enumerate(text.rstrip("\n").split("\n"), 1):
    if line.startswith("# HELP "):
        name = line.split(" ")[2]
        assert name not in declared, "line %d: %s declared twice" % (n, name)
        declared.add(name); cur = name
    elif line.startswith("# TYPE "):
        _, _, name, t = line.split(" ")
        assert name == cur and t in ("counter", "gauge"), "line %d: %s" % (n, line)
        assert t != "counter" or name.endswith("_total"), "line %d: counter %s" % (n, name)
        types[name] = t
    else:
        m = sample.match(line)
        assert m, "line %d: not a sample: %r" % (n, line)
        assert m.group(1) == cur and cur in types, "line %d: outside its family: %r" % (n, line)
        key = (m.group(1), m.group(3))
        assert key not in seen, "line %d: repeated: %r" % (n, line)
        seen.add(key)
print("%d families, %d samples" % (len(declared), len(seen)))
PY
}

# metric FILE NAME LABELS: the value of the sample NAME{LABELS} (LABELS exactly as written).
metric() {
  awk -v want="$2{$3}" '$1 == want { print $2; found = 1; exit } END { if (!found) print -1 }' "$1"
}

log "bad --metrics-listen: exit 2 before anything is set up"
for bad in localhost:9464 127.0.0.1:99999 127.0.0.1 '[::1]9464'; do
  rc=0
  "$TL" run "$HERE/gw_a.cfg" --control none --metrics-listen "$bad" 2>"$WORK/bad.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "--metrics-listen $bad: exit $rc, expected 2"
  grep -q "metrics-listen" "$WORK/bad.err" || fail "--metrics-listen $bad: $(cat "$WORK/bad.err")"
done

log "namespaces $NS_A / $NS_B"
gwp_setup_namespaces tlm

log "starting gateways (A: 127.0.0.1:9464, B: [::1]:9464)"
gwp_start_gateway a "$HERE/gw_a.cfg" --metrics-listen 127.0.0.1:9464
gwp_start_gateway b "$HERE/gw_b.cfg" --metrics-listen '[::1]:9464' --workers 0
gwp_wait_ready a b
grep -q "^metrics 127.0.0.1:9464$" "$WORK/a.ready" || fail "a.ready: $(cat "$WORK/a.ready")"
grep -q "^metrics \[::1\]:9464$" "$WORK/b.ready" || fail "b.ready: $(cat "$WORK/b.ready")"

gwp_lan tl101 10.1.0 10.2.0
gwp_lan tl102 10.11.0 10.12.0
in_a ping -c 1 -W 2 192.0.2.2 >/dev/null || true

log "pings: 4 each way over ESP, 3 from A over GRE"
in_a ping -c 4 -i 0.2 -W 1 -I 10.1.0.10 10.2.0.10 >/dev/null || fail "ping A -> B over ESP"
in_b ping -c 4 -i 0.2 -W 1 -I 10.2.0.10 10.1.0.10 >/dev/null || fail "ping B -> A over ESP"
in_a ping -c 3 -i 0.2 -W 1 -I 10.11.0.10 10.12.0.10 >/dev/null || fail "ping A -> B over GRE"

log "GET /metrics on A"
in_a python3 "$WORK/http.py" 127.0.0.1 9464 get /metrics >"$WORK/a.http"
head -n 1 "$WORK/a.http" | grep -q "^HTTP/1.1 200 OK" || fail "GET /metrics: $(head -n 5 "$WORK/a.http")"
grep -qi "^Content-Type: text/plain; version=0.0.4" "$WORK/a.http" || fail "content type"
sed '1,/^\r$/d' "$WORK/a.http" >"$WORK/a.prom"
check_exposition "$WORK/a.prom" | sed 's/^/   /' || fail "A's metrics are not in the text format"
# ESP: A sent 4 requests and 4 replies, received as many.
for dir in in out; do
  v=$(metric "$WORK/a.prom" tunnelisa_ipsec_tunnel_packets_total "service=\"101\",tunnel=\"to-b\",direction=\"$dir\"")
  [ "$v" -ge 8 ] || fail "ipsec-tunnel to-b $dir packets: $v, expected >= 8"
done
v=$(metric "$WORK/a.prom" tunnelisa_sa_packets_total 'service="101",owner="ipsec-tunnel",tunnel="to-b",spi="8194",direction="out"')
[ "$v" -ge 8 ] || fail "outbound SA 8194: $v packets, expected >= 8"
v=$(metric "$WORK/a.prom" tunnelisa_ip_tunnel_packets_total 'service="102",tunnel="gre-to-b",direction="out"')
[ "$v" -ge 3 ] || fail "ip-tunnel gre-to-b out: $v, expected >= 3"
[ "$(metric "$WORK/a.prom" tunnelisa_ipsec_tunnel_up 'service="101",tunnel="to-b"')" = 1 ] ||
  fail "to-b not up in the metrics"
v=$(metric "$WORK/a.prom" tunnelisa_service_packets_total 'service="101",direction="out"')
[ "$v" -ge 8 ] || fail "service 101 out: $v"
v=$(metric "$WORK/a.prom" tunnelisa_gateway_events_total 'event="rx-tun"')
[ "$v" -ge 11 ] || fail "gateway rx-tun: $v, expected >= 11"
grep -q '^tunnelisa_isa_healthy{isa="1/1"} 1$' "$WORK/a.prom" || fail "ISA 1/1 health"
grep -q '^tunnelisa_ike_sas 0$' "$WORK/a.prom" || fail "IKE SAs"
grep -E '^tunnelisa_(ipsec_tunnel|sa)_packets_total' "$WORK/a.prom" | sed 's/^/   /'

log "the control socket's metrics request: the same families"
"$TL" show --control "$WORK/a.sock" metrics >"$WORK/a.ctl.prom" || fail "metrics request"
check_exposition "$WORK/a.ctl.prom" >/dev/null || fail "control metrics not in the text format"
diff <(grep '^# TYPE' "$WORK/a.prom") <(grep '^# TYPE' "$WORK/a.ctl.prom") ||
  fail "HTTP and control socket metrics differ in their families"

log "GET /metrics on B over IPv6 ([::1])"
in_b python3 "$WORK/http.py" ::1 9464 get /metrics >"$WORK/b.http"
head -n 1 "$WORK/b.http" | grep -q "^HTTP/1.1 200 OK" || fail "B: $(head -n 3 "$WORK/b.http")"
sed '1,/^\r$/d' "$WORK/b.http" >"$WORK/b.prom"
check_exposition "$WORK/b.prom" >/dev/null || fail "B's metrics are not in the text format"
v=$(metric "$WORK/b.prom" tunnelisa_ipsec_tunnel_packets_total 'service="101",tunnel="to-a",direction="in"')
[ "$v" -ge 8 ] || fail "B: ipsec-tunnel to-a in: $v"
v=$(metric "$WORK/b.prom" tunnelisa_ip_tunnel_packets_total 'service="102",tunnel="gre-to-a",direction="in"')
[ "$v" -ge 3 ] || fail "B: ip-tunnel gre-to-a in: $v"

log "HEAD, wrong path, wrong method, malformed, no Host, oversized"
status() { head -n 1 "$1" | tr -d '\r'; }
in_a python3 "$WORK/http.py" 127.0.0.1 9464 head /metrics >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 200 OK" ] || fail "HEAD: $(status "$WORK/r.http")"
[ -z "$(sed '1,/^\r$/d' "$WORK/r.http")" ] || fail "HEAD answered with a body"
in_a python3 "$WORK/http.py" 127.0.0.1 9464 get /nope >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 404 Not Found" ] || fail "404: $(status "$WORK/r.http")"
in_a python3 "$WORK/http.py" 127.0.0.1 9464 method POST /metrics >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 405 Method Not Allowed" ] ||
  fail "405: $(status "$WORK/r.http")"
grep -q "^Allow: GET, HEAD" "$WORK/r.http" || fail "405 without Allow"
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
in_a python3 "$WORK/http.py" 127.0.0.1 9464 raw "$(hex $'HELLO\r\n\r\n')" >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 400 Bad Request" ] || fail "garbage: $(status "$WORK/r.http")"
in_a python3 "$WORK/http.py" 127.0.0.1 9464 raw "$(hex $'GET /metrics HTTP/1.1\r\n\r\n')" \
  >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 400 Bad Request" ] || fail "no Host: $(status "$WORK/r.http")"
big=$(printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n' "$(head -c 10000 /dev/zero | tr '\0' a)")
in_a python3 "$WORK/http.py" 127.0.0.1 9464 raw "$(hex "$big")" >"$WORK/r.http"
[ "$(status "$WORK/r.http")" = "HTTP/1.1 431 Request Header Fields Too Large" ] ||
  fail "oversized head: $(status "$WORK/r.http")"

log "a slow client is dropped within the read timeout; the next one is served after it"
start=$(date +%s%N)
in_a python3 "$WORK/http.py" 127.0.0.1 9464 slow >"$WORK/slow.http" 2>"$WORK/slow.err" &
SLOW=$!
sleep 0.3
in_a python3 "$WORK/http.py" 127.0.0.1 9464 get /metrics >"$WORK/after.http"
after_ms=$((($(date +%s%N) - start) / 1000000))
wait "$SLOW" || fail "slow client: $(cat "$WORK/slow.err")"
[ "$(status "$WORK/slow.http")" = "HTTP/1.1 408 Request Timeout" ] ||
  fail "slow client: $(status "$WORK/slow.http")"
[ "$(status "$WORK/after.http")" = "HTTP/1.1 200 OK" ] || fail "client after the slow one"
echo "   slow client: $(cat "$WORK/slow.err"); the next scrape done after ${after_ms} ms"
[ "$after_ms" -ge 1500 ] && [ "$after_ms" -le 6000 ] ||
  fail "the queued scrape took ${after_ms} ms (one connection at a time, 2 s read timeout)"
sed '1,/^\r$/d' "$WORK/after.http" >"$WORK/after.prom"
for r in served refused dropped; do
  echo "   scrapes $r: $(metric "$WORK/after.prom" tunnelisa_gateway_scrapes_total "result=\"$r\"")"
done
[ "$(metric "$WORK/after.prom" tunnelisa_gateway_scrapes_total 'result="refused"')" -ge 5 ] ||
  fail "refused scrapes not counted"
[ "$(metric "$WORK/after.prom" tunnelisa_gateway_scrapes_total 'result="dropped"')" -ge 1 ] ||
  fail "the slow client was not counted as dropped"

log "SIGTERM: both exit 0"
gwp_stop_gateway a "$PID_A"
gwp_stop_gateway b "$PID_B"
PIDS=()
echo "OK: metrics over HTTP (IPv4 and IPv6) and the control socket match the traffic"
