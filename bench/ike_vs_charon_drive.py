#!/usr/bin/python3
"""bench/ike_vs_charon_drive.py: the initiator side of bench/ike_vs_charon.sh.

Talks VICI (strongSwan's control protocol) to the initiating charon: loads the pre-shared key
and N connections (connection i from its own local address), then initiates them with at most
WINDOW handshakes in flight, counting the IKE SAs and CHILD SAs that come up from charon's
ike-updown / child-updown events. Around the ramp it reads the responder's CPU time
(utime + stime of all its threads, /proc/PID/stat) at three points:
  start   before the first initiation;
  p90     when 90 % of the connections are up and nothing is in flight (the ramp pauses);
  end     when every connection is up or given up.
Prints one JSON object. Every wait is bounded (--deadline for the whole ramp, --stuck for one
handshake); a handshake without an event after --stuck seconds is counted as failed.

Only the Python standard library: Debian packages no VICI module for python3.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

# VICI packet types (strongSwan src/libcharon/plugins/vici/README.md)
CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = 3, 4, 5, 6, 7
# message elements
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6


def encode(msg):
    """A dict (values: str, list of str, dict) as a VICI message."""
    out = bytearray()
    for k, v in msg.items():
        kb = k.encode()
        if isinstance(v, dict):
            out += bytes([SECTION_START, len(kb)]) + kb + encode(v) + bytes([SECTION_END])
        elif isinstance(v, list):
            out += bytes([LIST_START, len(kb)]) + kb
            for item in v:
                ib = str(item).encode()
                out += bytes([LIST_ITEM]) + struct.pack(">H", len(ib)) + ib
            out += bytes([LIST_END])
        else:
            vb = str(v).encode()
            out += bytes([KEY_VALUE, len(kb)]) + kb + struct.pack(">H", len(vb)) + vb
    return bytes(out)


def decode(data):
    """A VICI message as nested dicts (lists as lists of str)."""
    root = {}
    stack = [root]
    i = 0
    cur_list = None
    while i < len(data):
        t = data[i]
        i += 1
        if t == SECTION_START:
            n = data[i]
            name = data[i + 1:i + 1 + n].decode(errors="replace")
            i += 1 + n
            sec = {}
            stack[-1][name] = sec
            stack.append(sec)
        elif t == SECTION_END:
            stack.pop()
        elif t == KEY_VALUE:
            n = data[i]
            name = data[i + 1:i + 1 + n].decode(errors="replace")
            i += 1 + n
            (ln,) = struct.unpack(">H", data[i:i + 2])
            stack[-1][name] = data[i + 2:i + 2 + ln].decode(errors="replace")
            i += 2 + ln
        elif t == LIST_START:
            n = data[i]
            name = data[i + 1:i + 1 + n].decode(errors="replace")
            i += 1 + n
            cur_list = []
            stack[-1][name] = cur_list
        elif t == LIST_ITEM:
            (ln,) = struct.unpack(">H", data[i:i + 2])
            cur_list.append(data[i + 2:i + 2 + ln].decode(errors="replace"))
            i += 2 + ln
        elif t == LIST_END:
            cur_list = None
        else:
            raise ValueError(f"bad VICI element type {t}")
    return root


class Vici:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []  # (name, message) received while waiting for a response

    def _send(self, ptype, name, msg):
        nb = name.encode()
        body = bytes([ptype, len(nb)]) + nb + (encode(msg) if msg is not None else b"")
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _read_packet(self):
        while len(self.buf) < 4 or len(self.buf) < 4 + struct.unpack(">I", self.buf[:4])[0]:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("VICI socket closed")
            self.buf += chunk
        (ln,) = struct.unpack(">I", self.buf[:4])
        pkt = self.buf[4:4 + ln]
        self.buf = self.buf[4 + ln:]
        return pkt

    def _handle_event(self, pkt):
        n = pkt[1]
        self.events.append((pkt[2:2 + n].decode(), decode(pkt[2 + n:])))

    def _wait_reply(self, want):
        for _ in range(1000000):
            pkt = self._read_packet()
            if pkt[0] == EVENT:
                self._handle_event(pkt)
                continue
            if pkt[0] not in want:
                raise RuntimeError(f"unexpected VICI packet type {pkt[0]}")
            return pkt
        raise RuntimeError("no VICI reply")

    def request(self, cmd, msg=None):
        self._send(CMD_REQUEST, cmd, msg)
        pkt = self._wait_reply((CMD_RESPONSE, CMD_UNKNOWN))
        if pkt[0] == CMD_UNKNOWN:
            raise RuntimeError(f"VICI command {cmd} unknown")
        return decode(pkt[1:])

    def register(self, event):
        self._send(EVENT_REGISTER, event, None)
        pkt = self._wait_reply((EVENT_CONFIRM, EVENT_UNKNOWN))
        if pkt[0] != EVENT_CONFIRM:
            raise RuntimeError(f"VICI event {event} unknown")

    def poll_events(self, wait):
        """Events that arrive within `wait` seconds (at least those already buffered)."""
        if not self.events and not self.buf:
            r, _, _ = select.select([self.sock], [], [], wait)
            if not r:
                return []
        # read what is there without blocking longer than needed
        self.sock.settimeout(0.0)
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("VICI socket closed")
                self.buf += chunk
        except (BlockingIOError, socket.timeout):
            pass
        finally:
            self.sock.settimeout(30.0)
        while len(self.buf) >= 4 and len(self.buf) >= 4 + struct.unpack(">I", self.buf[:4])[0]:
            pkt = self._read_packet()
            if pkt[0] == EVENT:
                self._handle_event(pkt)
        out, self.events = self.events, []
        return out


def cpu_seconds(pid):
    """utime + stime of every thread of PID, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the comm: state is field 3, utime 14, stime 15 (1-based): indexes 11, 12 here
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vici", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--first-addr", required=True, help="local address of connection 0")
    ap.add_argument("--first-inner", default="10.60.0.1",
                    help="inner address (local_ts /32) of connection 0")
    ap.add_argument("--responder", required=True, help="responder's address")
    ap.add_argument("--responder-pid", type=int, required=True)
    ap.add_argument("--psk", required=True)
    ap.add_argument("--remote-ts", default="10.1.0.0/24")
    ap.add_argument("--window", type=int, default=8)
    ap.add_argument("--deadline", type=float, required=True, help="seconds for the ramp")
    ap.add_argument("--idle", type=float, default=3.0,
                    help="seconds of idle responder CPU measured before the ramp")
    ap.add_argument("--stuck", type=float, default=20.0)
    a = ap.parse_args()

    v = Vici(a.vici, 60.0)
    v.request("load-shared", {"id": "bench-psk", "type": "IKE", "data": a.psk, "owners": []})
    first = ipaddress.IPv4Address(a.first_addr)
    inner = ipaddress.IPv4Address(a.first_inner)
    t_load = time.monotonic()
    names = []
    for i in range(a.n):
        name = f"c{i}"
        conn = {
            "version": "2",
            "local_addrs": [str(first + i)],
            "remote_addrs": [a.responder],
            "proposals": ["aes128gcm16-prfsha256-x25519"],
            "mobike": "no",
            "unique": "never",
            "local": {"auth": "psk"},
            "remote": {"auth": "psk"},
            "children": {
                "c": {
                    "esp_proposals": ["aes128gcm16"],
                    "local_ts": [f"{inner + i}/32"],
                    "remote_ts": [a.remote_ts],
                    "start_action": "none",
                }
            },
        }
        r = v.request("load-conn", {name: conn})
        if r.get("success") != "yes":
            sys.exit(f"load-conn {name}: {r}")
        names.append(name)
    load_s = time.monotonic() - t_load
    v.register("ike-updown")
    v.register("child-updown")

    # the responder's idle CPU (timers, polling) over a few seconds, for scale
    idle_a = cpu_seconds(a.responder_pid)
    time.sleep(a.idle)
    idle_cpu_per_s = (cpu_seconds(a.responder_pid) - idle_a) / a.idle

    ike_up = set()
    child_up = set()
    failed = []
    pending = {}  # name -> initiation time
    n90 = (a.n * 9 + 9) // 10
    t0 = time.monotonic()
    end_by = t0 + a.deadline
    cpu0 = cpu_seconds(a.responder_pid)
    cpu90 = None
    t90 = None
    up90 = None
    nxt = 0
    timed_out = False
    for _ in range(100000000):
        now = time.monotonic()
        if now > end_by:
            timed_out = True
            break
        # at 90 %: pause until nothing is in flight, then read the responder's CPU
        limit = n90 if cpu90 is None else a.n
        while nxt < limit and len(pending) < a.window:
            name = names[nxt]
            r = v.request("initiate", {"ike": name, "child": "c", "timeout": "-1"})
            if r.get("success") != "yes":
                failed.append((name, r.get("errmsg", "?")))
            else:
                pending[name] = time.monotonic()
            nxt += 1
        if cpu90 is None and nxt == n90 and not pending:
            cpu90 = cpu_seconds(a.responder_pid)
            t90 = time.monotonic()
            up90 = len(child_up & ike_up)
            continue
        if nxt == a.n and not pending:
            break
        for ev, msg in v.poll_events(0.05):
            if os.environ.get("IVC_DEBUG"):
                print(ev, json.dumps(msg)[:400], file=sys.stderr)
            up = msg.get("up") == "yes"
            for k, sa in msg.items():
                if not isinstance(sa, dict):
                    continue
                if ev == "ike-updown":
                    if up:
                        ike_up.add(k)
                    else:
                        ike_up.discard(k)
                elif ev == "child-updown":
                    if up:
                        child_up.add(k)
                    else:
                        child_up.discard(k)
                if k in ike_up and k in child_up and k in pending:
                    del pending[k]
        now = time.monotonic()
        for name, t in list(pending.items()):
            if now - t > a.stuck:
                failed.append((name, "no IKE/CHILD SA up in time"))
                del pending[name]
    cpu1 = cpu_seconds(a.responder_pid)
    t1 = time.monotonic()
    up = len(child_up & ike_up)
    res = {
        "n": a.n,
        "window": a.window,
        "load_conns_s": round(load_s, 2),
        "established": up,
        "ike_up": len(ike_up),
        "child_up": len(child_up),
        "failed": len(failed),
        "failed_examples": failed[:5],
        "timed_out": timed_out,
        "wall_s": round(t1 - t0, 2),
        "idle_cpu_per_s": round(idle_cpu_per_s, 4),
        "cpu_s": round(cpu1 - cpu0, 3),
        "ms_per_handshake": round(1000 * (cpu1 - cpu0) / up, 4) if up else None,
        "handshakes_per_cpu_s": round(up / (cpu1 - cpu0), 1) if cpu1 > cpu0 else None,
    }
    if cpu90 is not None and up > up90:
        res.update({
            "up_at_90": up90,
            "cpu_first90_s": round(cpu90 - cpu0, 3),
            "cpu_last10_s": round(cpu1 - cpu90, 3),
            "wall_last10_s": round(t1 - t90, 2),
            "marginal_ms_per_handshake": round(1000 * (cpu1 - cpu90) / (up - up90), 4),
        })
    print(json.dumps(res))


if __name__ == "__main__":
    main()
