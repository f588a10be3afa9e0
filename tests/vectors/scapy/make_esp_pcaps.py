#!/usr/bin/python3
"""Writes ESP tunnel-mode test captures encrypted by scapy (an ESP implementation independent
of tunnelisa), and manifest.txt describing them.

For each case: <case>.inner.pcap (inner IPv4/IPv6 packets: ICMP echo, UDP with 0-, 1-, 1400-byte
and other payloads) and <case>.esp.pcap (the same packets, ESP-encrypted by scapy's
SecurityAssociation, in order, sequence numbers from FirstSeq). Everything is deterministic:
keys, SPIs, IVs and payloads come from random.Random seeded with the case name, timestamps are
fixed, and the pcap files are written here (not by scapy) so their bytes do not depend on the
clock.

Limits of scapy 2.5.0 worked around here:
 * ESN with cipher + HMAC: scapy computes and verifies the ESP ICV without the high 32 bits of
   the sequence number (RFC 4303 appendix A2 requires them). For those cases scapy encrypts
   (with integrity NULL) and this script appends HMAC(ESP header | IV | ciphertext | seq-hi)
   truncated, using Python's hmac module.
 * encrypt(seq_num=0) and esn=0 fall back to the SA's own counters (`x or self.x`): the
   sequence number is set through sa.seq_num / sa.esn before each packet instead.
 * nat_t_header leaves UDP.len at 8: the outer header is rebuilt around scapy's ESP bytes.

Usage: make_esp_pcaps.py [OUTDIR]   (default: the directory of this script)
Run with /usr/bin/python3 (Debian python3-scapy)."""
import hashlib
import hmac
import logging
import os
import random
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
import scapy  # noqa: E402
from scapy.all import IP, IPv6, UDP, ICMP, ICMPv6EchoRequest, Raw, raw  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation, ESP  # noqa: E402

# suite name -> (tunnelisa enc, scapy crypt_algo, enc key bytes incl. salt,
#                tunnelisa auth, scapy auth_algo, auth key bytes, hash, ICV bytes)
SUITES = {
    'aes128gcm16': ('aes128gcm16', 'AES-GCM', 20, 'none', None, 0, None, 0),
    'aes256gcm16': ('aes256gcm16', 'AES-GCM', 36, 'none', None, 0, None, 0),
    'chacha20poly1305': ('chacha20poly1305', 'CHACHA20-POLY1305', 36, 'none', None, 0, None, 0),
    'aes128-sha256': ('aes128', 'AES-CBC', 16, 'sha256', 'SHA2-256-128', 32, hashlib.sha256, 16),
    'aes256-sha512': ('aes256', 'AES-CBC', 32, 'sha512', 'SHA2-512-256', 64, hashlib.sha512, 32),
    '3des-sha1': ('3des', '3DES', 24, 'sha1', 'HMAC-SHA1-96', 20, hashlib.sha1, 12),
}
V4_OUTER = ('192.0.2.1', '192.0.2.2')
V6_OUTER = ('2001:db8::1', '2001:db8::2')
ESN_FIRST_SEQ = 0xfffffffd  # crosses into the high 32 bits after three packets
BASE_TIME_US = 1700000000 * 1000000


def cases():
    out = []
    for suite in SUITES:
        for udp in (False, True):
            for esn in (False, True):
                name = suite + ('-udp' if udp else '') + ('-esn' if esn else '')
                out.append((name, suite, udp, esn, False))
    # A few with IPv6 outer headers.
    out.append(('aes256gcm16-v6', 'aes256gcm16', False, False, True))
    out.append(('chacha20poly1305-v6-udp-esn', 'chacha20poly1305', True, True, True))
    out.append(('aes128-sha256-v6-esn', 'aes128-sha256', False, True, True))
    out.append(('3des-sha1-v6-udp', '3des-sha1', True, False, True))
    return out


def inner_packets(rng):
    """Six inner packets: both families, ICMP echo, UDP with 0, 1, 1400 and random payloads."""
    def payload(n):
        return bytes(rng.getrandbits(8) for _ in range(n))
    v4 = dict(src='10.1.0.1', dst='10.2.0.1', id=rng.getrandbits(16), ttl=63)
    v6 = dict(src='2001:db8:1::1', dst='2001:db8:2::1', hlim=63)
    pkts = [
        IP(**v4) / ICMP(type=8, id=rng.getrandbits(16), seq=1) / Raw(payload(56)),
        IPv6(**v6) / ICMPv6EchoRequest(id=rng.getrandbits(16), seq=1, data=payload(32)),
        IP(**v4) / UDP(sport=rng.randrange(1024, 65536), dport=53),  # 0-byte payload
        IPv6(**v6) / UDP(sport=rng.randrange(1024, 65536), dport=4789) / Raw(payload(1)),
        IP(**v4) / UDP(sport=rng.randrange(1024, 65536), dport=9) / Raw(payload(1400)),
        IPv6(**v6) / UDP(sport=rng.randrange(1024, 65536), dport=7) /
        Raw(payload(rng.randrange(2, 300))),
    ]
    return [raw(p) for p in pkts]


def write_pcap(path, packets):
    """Classic pcap, little-endian, microseconds, link type 101 (raw IP)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
        for ts_us, data in packets:
            f.write(struct.pack('<IIII', ts_us // 1000000, ts_us % 1000000, len(data), len(data)))
            f.write(data)


def seq_hi_bytes(seq):
    return struct.pack('!I', seq >> 32)


def encrypt_case(name, suite, udp, esn, v6, rng, inner):
    enc, s_enc, enc_len, auth, s_auth, auth_len, digest, icv_len = SUITES[suite]
    enc_key = bytes(rng.getrandbits(8) for _ in range(enc_len))
    auth_key = bytes(rng.getrandbits(8) for _ in range(auth_len))
    spi = 0x10000000 | rng.getrandbits(28)
    src, dst = V6_OUTER if v6 else V4_OUTER
    outer_cls = IPv6 if v6 else IP
    manual_icv = esn and s_auth is not None  # scapy 2.5.0 leaves the ESN out of HMAC ICVs
    sa = SecurityAssociation(
        ESP, spi=spi, crypt_algo=s_enc, crypt_key=enc_key,
        auth_algo=None if manual_icv else s_auth, auth_key=None if manual_icv else auth_key,
        tunnel_header=outer_cls(src=src, dst=dst), esn_en=esn)
    iv_len = sa.crypt_algo.iv_size
    first_seq = ESN_FIRST_SEQ if esn else 1
    esp_packets = []
    for i, data in enumerate(inner):
        seq = first_seq + i
        sa.seq_num = seq & 0xffffffff  # not encrypt(seq_num=...): 0 would mean "SA counter"
        sa.esn = seq >> 32
        pkt = IP(data) if data[0] >> 4 == 4 else IPv6(data)
        enc_pkt = sa.encrypt(pkt, iv=bytes(rng.getrandbits(8) for _ in range(iv_len)))
        esp = raw(enc_pkt[ESP])
        assert struct.unpack('!II', esp[:8]) == (spi, seq & 0xffffffff)
        if manual_icv:
            esp += hmac.new(auth_key, esp + seq_hi_bytes(seq), digest).digest()[:icv_len]
        # Rebuild the outer header around scapy's ESP (fixes the nat_t_header UDP length).
        if v6:
            hdr = IPv6(src=src, dst=dst, hlim=64)
        else:
            hdr = IP(src=src, dst=dst, ttl=64, id=(0x4000 + i) & 0xffff)
        if udp:
            # RFC 3948 2.1: the UDP checksum is 0 over IPv4; over IPv6 it is computed.
            u = UDP(sport=4500, dport=4500, chksum=0) if not v6 else UDP(sport=4500, dport=4500)
            outer = hdr / u / Raw(esp)
        elif v6:
            outer = IPv6(src=src, dst=dst, hlim=64, nh=50) / Raw(esp)
        else:
            outer = IP(src=src, dst=dst, ttl=64, id=(0x4000 + i) & 0xffff, proto=50) / Raw(esp)
        esp_packets.append(raw(outer))
    fields = dict(Name=name, Enc=enc, EncKey=enc_key.hex(), Auth=auth,
                  AuthKey=auth_key.hex(), Spi='0x%08x' % spi, Esn=int(esn),
                  UdpEncap=int(udp), Src=src, Dst=dst, FirstSeq='0x%x' % first_seq,
                  Inner=name + '.inner.pcap', Esp=name + '.esp.pcap')
    return fields, esp_packets


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)
    records = []
    for name, suite, udp, esn, v6 in cases():
        rng = random.Random('tunnelisa-scapy-' + name)
        inner = inner_packets(rng)
        fields, esp = encrypt_case(name, suite, udp, esn, v6, rng, inner)
        times = [BASE_TIME_US + i * 1000 + rng.randrange(1000) for i in range(len(inner))]
        write_pcap(os.path.join(outdir, fields['Inner']), list(zip(times, inner)))
        write_pcap(os.path.join(outdir, fields['Esp']), list(zip(times, esp)))
        records.append(fields)
    with open(os.path.join(outdir, 'manifest.txt'), 'w') as f:
        f.write('# ESP tunnel-mode captures encrypted by scapy %s (Debian python3-scapy) with\n'
                '# python3-cryptography, written by make_esp_pcaps.py in this directory:\n'
                '#   /usr/bin/python3 tests/vectors/scapy/make_esp_pcaps.py\n'
                '# Deterministic (random.Random seeded with the case name; fixed IVs).\n'
                '# Inner = plaintext IP packets, Esp = the same packets as scapy encrypted\n'
                '# them, sequence numbers FirstSeq, FirstSeq+1, ... (ESN cases cross 2^32).\n'
                '# ESN + HMAC cases: ICV appended by the script (scapy 2.5.0 leaves the ESN\n'
                '# high bits out of ESP ICVs). Keys include the 4-byte salt for AEAD.\n'
                % scapy.VERSION)
        for r in records:
            f.write('\n')
            for k in ('Name', 'Enc', 'EncKey', 'Auth', 'AuthKey', 'Spi', 'Esn', 'UdpEncap',
                      'Src', 'Dst', 'FirstSeq', 'Inner', 'Esp'):
                f.write(('%s = %s' % (k, r[k])).rstrip() + '\n')
    print('wrote %d cases to %s' % (len(records), outdir))


if __name__ == '__main__':
    main()
