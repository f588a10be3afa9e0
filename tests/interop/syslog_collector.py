#!/usr/bin/env python3
"""A syslog collector for tests/interop/run_syslog_test.sh, and a strict RFC 5424 parser.

  syslog_collector.py listen OUT.jsonl UDP_PORT UNIX_PATH SECONDS
      receives datagrams on 127.0.0.1:UDP_PORT and on the Unix datagram socket UNIX_PATH for
      at most SECONDS, one JSON line per datagram ({"via": "udp"|"unix", "raw": "..."}).
  syslog_collector.py check OUT.jsonl VIA PRI_FACILITY PROCID MSGID [KEY=VALUE...]
      exits 0 when a datagram received via VIA parses as RFC 5424 with that facility, PROCID
      and MSGID and whose tunnelisa@32473 SD-ELEMENT has every KEY=VALUE (VALUE "*": present);
      prints why not otherwise. Every received datagram must parse, whatever it is.
"""
import json
import os
import re
import select
import socket
import sys
import time

HEADER = re.compile(
    rb"^<(?P<pri>0|[1-9][0-9]{0,2})>1 "
    rb"(?P<ts>-|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    rb"(Z|[+-][0-9]{2}:[0-9]{2})) "
    rb"(?P<host>[\x21-\x7e]{1,255}) (?P<app>[\x21-\x7e]{1,48}) "
    rb"(?P<procid>[\x21-\x7e]{1,128}) (?P<msgid>[\x21-\x7e]{1,32}) ")
SD_NAME = rb'[\x21-\x7e]'


def parse_sd(data):
    """STRUCTURED-DATA at the start of data: (list of (id, {name: value}), rest)."""
    if data.startswith(b"-"):
        return [], data[1:]
    elements = []
    while data.startswith(b"["):
        i = 1
        m = re.match(rb'[^\s=\]"]{1,32}', data[i:])
        if not m:
            raise ValueError("bad SD-ID in %r" % data[:60])
        sd_id = m.group().decode()
        i += len(m.group())
        params = {}
        while data[i:i + 1] == b" ":
            i += 1
            m = re.match(rb'([^\s=\]"]{1,32})="', data[i:])
            if not m:
                raise ValueError("bad SD-PARAM at %r" % data[i:i + 40])
            name = m.group(1).decode()
            i += len(m.group())
            value = bytearray()
            while True:
                if i >= len(data):
                    raise ValueError("unterminated PARAM-VALUE")
                c = data[i:i + 1]
                if c == b"\\" and data[i + 1:i + 2] in (b'"', b"\\", b"]"):
                    value += data[i + 1:i + 2]
                    i += 2
                elif c in (b'"',):
                    i += 1
                    break
                elif c == b"]":
                    raise ValueError("unescaped ']' in PARAM-VALUE")
                else:
                    value += c
                    i += 1
            params[name] = value.decode("utf-8")
        if data[i:i + 1] != b"]":
            raise ValueError("SD-ELEMENT not closed at %r" % data[i:i + 40])
        elements.append((sd_id, params))
        data = data[i + 1:]
    if not elements:
        raise ValueError("no STRUCTURED-DATA")
    return elements, data


def parse(raw):
    m = HEADER.match(raw)
    if not m:
        raise ValueError("bad HEADER: %r" % raw[:120])
    sd, rest = parse_sd(raw[m.end():])
    if rest and not rest.startswith(b" "):
        raise ValueError("no SP before MSG: %r" % rest[:40])
    msg = rest[1:]
    if msg.startswith(b"\xef\xbb\xbf"):
        msg = msg[3:]
    pri = int(m.group("pri"))
    if pri > 191:
        raise ValueError("PRI %d > 191" % pri)
    return {"facility": pri // 8, "severity": pri % 8, "ts": m.group("ts").decode(),
            "host": m.group("host").decode(), "app": m.group("app").decode(),
            "procid": m.group("procid").decode(), "msgid": m.group("msgid").decode(),
            "sd": sd, "msg": msg.decode("utf-8", "replace")}


def listen(out, port, path, seconds):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    if os.path.exists(path):
        os.unlink(path)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    unix.bind(path)
    os.chmod(path, 0o666)
    deadline = time.monotonic() + seconds
    with open(out, "a") as f:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([udp, unix], [], [], 0.2)
            for s in ready:
                raw = s.recv(65536)
                via = "udp" if s is udp else "unix"
                f.write(json.dumps({"via": via, "raw": raw.decode("latin-1")}) + "\n")
                f.flush()
    os.unlink(path)


def check(out, via, facility, procid, msgid, wants):
    found = []
    with open(out) as f:
        for line in f:
            d = json.loads(line)
            raw = d["raw"].encode("latin-1")
            try:
                m = parse(raw)
            except ValueError as e:
                print("not RFC 5424: %s" % e)
                return 1
            if m["app"] != "tunnelisa" or m["ts"] == "-" or not m["ts"].endswith("Z"):
                print("bad APP-NAME or TIMESTAMP: %r" % raw)
                return 1
            if d["via"] == via and m["procid"] == procid and m["msgid"] == msgid:
                found.append(m)
    for m in found:
        if m["facility"] != facility:
            print("facility %d, expected %d" % (m["facility"], facility))
            return 1
        sd = dict(m["sd"]).get("tunnelisa@32473", {})
        if all(k in sd and (v == "*" or sd[k] == v) for k, v in wants):
            print("   %s via %s: %s" % (msgid, via, m["msg"]))
            return 0
    print("no %s via %s from %s with %s (%d of that MSGID)" % (msgid, via, procid, wants,
                                                               len(found)))
    return 1


def main():
    if sys.argv[1] == "listen":
        listen(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
        return 0
    wants = [tuple(a.split("=", 1)) for a in sys.argv[7:]]
    return check(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], wants)


if __name__ == "__main__":
    sys.exit(main())
