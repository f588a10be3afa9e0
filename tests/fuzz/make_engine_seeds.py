#!/usr/bin/env python3
"""Seed corpus for engine_public_fuzz: every packet of the engine replay captures
(tests/vectors/engine/*.pcap), prefixed with the side selector byte (public captures 0x00,
private captures 0x01 for service 101, 0x03 for 102). Plain pcap parsing, no scapy needed.
Run from the repo root."""
import glob
import os
import struct

OUT = "tests/fuzz/corpus/engine_public"


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        body = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:
            body = body[14:]
        yield body


def main():
    os.makedirs(OUT, exist_ok=True)
    n = 0
    for path in sorted(glob.glob("tests/vectors/engine/*.pcap")):
        name = os.path.basename(path)
        side = b"\x00" if "public" in name else (b"\x03" if "102" in name else b"\x01")
        for pkt in packets(path):
            with open(os.path.join(OUT, "%s_%d" % (name, n)), "wb") as f:
                f.write(side + pkt)
            n += 1
            if side == b"\x00" and len(pkt) >= 20 and pkt[0] >> 4 == 4:
                # What the peer would send back: the same outer packet, addresses swapped.
                back = bytearray(pkt)
                back[12:16], back[16:20] = pkt[16:20], pkt[12:16]
                with open(os.path.join(OUT, "%s_back_%d" % (name, n)), "wb") as f:
                    f.write(b"\x00" + bytes(back))
                n += 1
    print("wrote %d seeds" % n)


if __name__ == "__main__":
    main()
