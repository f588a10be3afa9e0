#!/usr/bin/env python3
"""Writes the captures of the `tunnelisa replay` integration test (tests/integration/
replay_test.sh), raw IP (link type 101), microsecond timestamps:

  a_private_in.pcap:   what Router A's LAN sends into VPRN 101 (router_a.cfg):
                       1. 172.16.1.10 -> 172.16.2.20 UDP, 100-byte payload (GRE over IPsec)
                       2. 172.16.1.10 -> 172.16.2.21 UDP, 1000-byte payload (GRE over IPsec)
                       3. 172.16.1.10 -> 8.8.8.8 UDP (no route in VPRN 101: dropped)
  a_private_in_102.pcap: what Router A's LAN sends into VPRN 102: two 1400-byte UDP packets
                       172.18.1.10 -> 172.18.2.20 for plain-ipip (ip-mtu 1000): DF clear (two
                       fragments go out) and DF set (an ICMP "fragmentation needed" comes back).
  b_private_out.pcap:  what Router B must deliver on its LAN after decrypting and
                       decapsulating A's output: packets 1 and 2, byte for byte, with their
                       timestamps.

Run from this directory: python3 make_replay_pcaps.py
"""
import struct


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_packet(src, dst, size, seed, df=False):
    src_b = bytes(int(x) for x in src.split("."))
    dst_b = bytes(int(x) for x in dst.split("."))
    payload = bytes((seed + i * 7) & 0xFF for i in range(size))
    udp_len = 8 + size
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 12345, 53, udp_len, 0) + payload
    c = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    total = 20 + udp_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0x1234, 0x4000 if df else 0, 64, 17, 0, src_b, dst_b)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + udp


def write_pcap(path, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 101))
        for ts_us, pkt in records:
            f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(pkt), len(pkt)))
            f.write(pkt)


base = 1700000000 * 1000000
p1 = udp_packet("172.16.1.10", "172.16.2.20", 100, 1)
p2 = udp_packet("172.16.1.10", "172.16.2.21", 1000, 2)
p3 = udp_packet("172.16.1.10", "8.8.8.8", 10, 3)
write_pcap("a_private_in.pcap", [(base, p1), (base + 1000, p2), (base + 2000, p3)])
big = udp_packet("172.18.1.10", "172.18.2.20", 1372, 5)
big_df = udp_packet("172.18.1.10", "172.18.2.20", 1372, 5, df=True)
write_pcap("a_private_in_102.pcap", [(base, big), (base + 1000, big_df)])
write_pcap("b_private_out.pcap", [(base, p1), (base + 1000, p2)])
