#!/usr/bin/env python3
"""Writes the seed corpus for esp_decap_fuzz: well-formed packets for each SA of the target,
so the fuzzer starts from inputs that reach the deepest checks. Run from the repo root."""
import os
import struct

OUT = "tests/fuzz/corpus/esp_decap"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def inner(n):
    udp = struct.pack("!HHHH", 1000, 2000, 8 + n, 0) + bytes(range(n))
    return ipv4([10, 0, 0, 1], [10, 0, 0, 2], 17, udp)


def esp(spi, seq, payload, block, iv, icv):
    pad = (-(len(payload) + 2)) % block
    body = payload + bytes(range(1, pad + 1)) + bytes([pad, 4])
    return struct.pack("!II", spi, seq) + b"\xa5" * iv + body + b"\0" * icv


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for n in (0, 1, 15, 100):
        cbc = esp(0x100, 1 + n, inner(n), 16, 16, 16)
        gcm = esp(0x101, 1 + n, inner(n), 4, 8, 16)
        seeds["cbc_ip_%d" % n] = b"\0" + ipv4([192, 0, 2, 1], [192, 0, 2, 2], 50, cbc)
        seeds["gcm_udp_%d" % n] = b"\1" + gcm
        udp = struct.pack("!HHHH", 4500, 4500, 8 + len(gcm), 0) + gcm
        seeds["gcm_ip_udp_%d" % n] = b"\0" + ipv4([192, 0, 2, 1], [192, 0, 2, 2], 17, udp)
    seeds["keepalive"] = b"\1\xff"
    seeds["ike_marker"] = b"\1\0\0\0\0" + bytes(28)
    seeds["real_gcm"] = b"\1" + esp(0x200, 1, inner(10), 4, 8, 16)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
