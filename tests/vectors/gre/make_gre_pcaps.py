#!/usr/bin/python3
"""Writes GRE / IP-IP test captures built by scapy (an implementation independent of
tunnelisa), decoded by src/dataplane/gre_vectors_test.cc.

For each case: <case>.outer.pcap (the packets as they arrive at tunnelisa: outer IPv4 from the
peer 198.51.100.1 to us 192.0.2.1) and <case>.inner.pcap (the payload packets a decapsulator
must deliver, in order; empty when nothing may be delivered). The outer headers are what
tunnelisa itself sends for the same payload on a tunnel configured as the test says (IP id and
GRE sequence number counting from 0, TTL 64, DF copied from the payload, DSCP copied or set),
so the test also checks encapsulation byte for byte with source and destination swapped.

Cases:
  gre-nokey        GRE (RFC 2784), IPv4 UDP payloads of 0, 1, 100 and 1400 bytes
  gre-key          GRE with checksum, key 0x1234abcd and sequence numbers (RFC 2890)
  ipip             IPv4 in IPv4 (RFC 2003, protocol 4)
  ip6ip            IPv6 in IPv4 (protocol 41)
  gre-ipv6         GRE carrying IPv6 (protocol type 0x86dd)
  gre-multicast    GRE carrying IPv4 multicast (UDP to 239.1.1.1 and PIM hello to 224.0.0.13)
  gre-dscp         payload DSCP EF and ECN ECT(0); tunnel dscp 10 (outer TOS 0x2a)
  frag-inorder     one 1400-byte GRE packet fragmented by scapy (fragsize 512), in order
  frag-outoforder  the same fragments, last first, then the first, then the middle
  frag-overlap     a first fragment and a second one overlapping it by 8 bytes, then the rest:
                   nothing may be delivered (RFC 5722)

Everything is deterministic (fixed payloads and timestamps; the pcap files are written here).
Usage: make_gre_pcaps.py [OUTDIR]   (default: the directory of this script)
Run with /usr/bin/python3 (Debian python3-scapy 2.5.0)."""
import logging
import os
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import GRE, IP, IPv6, UDP, Raw, raw, fragment  # noqa: E402
from scapy.contrib.pim import PIMv2Hdr, PIMv2Hello  # noqa: E402

PEER = '198.51.100.1'
US = '192.0.2.1'


def write_pcap(path, packets):
    """Classic pcap, little-endian, microseconds, link type 101 (raw IP)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
        for i, p in enumerate(packets):
            data = raw(p)
            ts_us = 1700000000 * 1000000 + i * 1000
            f.write(struct.pack('<IIII', ts_us // 1000000, ts_us % 1000000, len(data),
                                len(data)))
            f.write(data)


def payload(n, seed):
    return bytes((seed + 7 * i) & 0xff for i in range(n))


def udp4(n, seed, dst='10.0.1.1', tos=0):
    return IP(src='10.0.0.1', dst=dst, id=0x1234, ttl=64, tos=tos) / UDP(sport=12345, dport=53) / \
        Raw(payload(n, seed))


def udp6(n, seed, tc=0):
    return IPv6(src='2001:db8:a::1', dst='2001:db8:b::1', tc=tc) / UDP(sport=12345, dport=53) / \
        Raw(payload(n, seed))


def outer(k, tos=0, proto=47):
    """The k-th outer IPv4 header of a tunnel (identification counts from 0)."""
    return IP(src=PEER, dst=US, id=k, ttl=64, tos=tos, flags=0, proto=proto)


def rebuild(p):
    return IP(raw(p)) if p.version == 4 else IPv6(raw(p))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    cases = {}
    inners = [udp4(n, n) for n in (0, 1, 100, 1400)]
    cases['gre-nokey'] = ([outer(k) / GRE(proto=0x0800) / p for k, p in enumerate(inners)],
                          inners)
    cases['gre-key'] = ([outer(k) / GRE(chksum_present=1, key_present=1, seqnum_present=1,
                                        key=0x1234abcd, sequence_number=k, proto=0x0800) / p
                         for k, p in enumerate(inners)], inners)
    cases['ipip'] = ([outer(k, proto=4) / p for k, p in enumerate(inners)], inners)
    inners6 = [udp6(n, n) for n in (0, 100, 1200)]
    cases['ip6ip'] = ([outer(k, proto=41) / p for k, p in enumerate(inners6)], inners6)
    cases['gre-ipv6'] = ([outer(k) / GRE(proto=0x86dd) / p for k, p in enumerate(inners6)],
                         inners6)
    mcast = [udp4(64, 3, dst='239.1.1.1'),
             IP(src='10.0.0.1', dst='224.0.0.13', id=7, ttl=1, proto=103) / PIMv2Hdr() /
             PIMv2Hello()]
    cases['gre-multicast'] = ([outer(k) / GRE(proto=0x0800) / p for k, p in enumerate(mcast)],
                              mcast)
    dscp = [udp4(40, 5, tos=0xba), udp6(40, 5, tc=0xba)]
    cases['gre-dscp'] = ([outer(k, tos=(10 << 2) | 2) /
                          GRE(proto=0x0800 if p.version == 4 else 0x86dd) / p
                          for k, p in enumerate(dscp)], dscp)

    big = udp4(1372, 9)
    whole = outer(0) / GRE(proto=0x0800) / big
    frags = fragment(rebuild(whole), fragsize=512)
    assert len(frags) == 3, len(frags)
    cases['frag-inorder'] = (frags, [big])
    cases['frag-outoforder'] = ([frags[2], frags[0], frags[1]], [big])
    # Overlap: the second fragment starts 8 bytes early (offset 504 instead of 512).
    data = raw(rebuild(whole))[20:]
    first = frags[0]
    overlapping = IP(src=PEER, dst=US, id=0, ttl=64, proto=47, flags='MF', frag=504 // 8) / \
        Raw(data[504:1024])
    rest = IP(src=PEER, dst=US, id=0, ttl=64, proto=47, flags=0, frag=1024 // 8) / \
        Raw(data[1024:])
    cases['frag-overlap'] = ([first, overlapping, rest], [])

    for name, (outers, expected) in sorted(cases.items()):
        write_pcap(os.path.join(outdir, name + '.outer.pcap'), [rebuild(p) for p in outers])
        write_pcap(os.path.join(outdir, name + '.inner.pcap'), [rebuild(p) for p in expected])
        print(name, len(outers), 'outer,', len(expected), 'inner')


if __name__ == '__main__':
    main()
