#!/usr/bin/python3
"""Decrypts an ESP capture with scapy (independent of tunnelisa) and compares the inner packets
byte for byte with a case's inner capture.

  scapy_decrypt.py --manifest manifest.txt --case NAME [overrides] ESP.pcap
  scapy_decrypt.py --enc ALG --enc-key HEX [--auth ALG --auth-key HEX] --spi 0xSPI
                   [--esn 0|1] [--udp-encap 0|1] --src IP --dst IP [--first-seq N]
                   --inner INNER.pcap ESP.pcap

Names are tunnelisa's (aes128gcm16, aes256, sha256, ...); --first-seq defaults to the case's
FirstSeq (1 without a manifest). Besides the plaintext it checks what a receiver would: outer
addresses, ESP vs ESP-in-UDP (ports 4500, UDP and IP lengths), SPI, consecutive sequence
numbers from --first-seq (ESN high bits inferred), the ICV, the next header, and that the
timestamps are the inner capture's.
Exit status: 0 all packets match, 1 a mismatch (explained on stdout), 2 bad usage or input,
77 when this python has no scapy (ctest's skip code).

scapy 2.5.0 leaves the ESN high bits out of ESP HMAC ICVs; with ESN and an HMAC suite the ICV
is verified here with Python's hmac module (ESP header | IV | ciphertext | seq-hi), and scapy
decrypts. scapy 2.5.0 cannot do AES-GCM with 8- or 12-byte ICVs (refused with exit status 2)."""
import argparse
import hashlib
import hmac
import logging
import os
import struct
import sys

SKIP = 77

ENC = {  # tunnelisa name -> (scapy crypt_algo, ICV bytes for AEAD)
    'null': ('NULL', None), 'des': ('DES', None), '3des': ('3DES', None),
    'aes128': ('AES-CBC', None), 'aes192': ('AES-CBC', None), 'aes256': ('AES-CBC', None),
    'aes128gcm16': ('AES-GCM', 16), 'aes192gcm16': ('AES-GCM', 16),
    'aes256gcm16': ('AES-GCM', 16),
    'aes128gcm8': ('AES-GCM', 8), 'aes192gcm8': ('AES-GCM', 8), 'aes256gcm8': ('AES-GCM', 8),
    'aes128gcm12': ('AES-GCM', 12), 'aes192gcm12': ('AES-GCM', 12),
    'aes256gcm12': ('AES-GCM', 12),
    'chacha20poly1305': ('CHACHA20-POLY1305', 16),
}
AUTH = {  # tunnelisa name -> (scapy auth_algo, hashlib constructor, ICV bytes)
    'none': (None, None, 0),
    'md5': ('HMAC-MD5-96', hashlib.md5, 12), 'sha1': ('HMAC-SHA1-96', hashlib.sha1, 12),
    'sha256': ('SHA2-256-128', hashlib.sha256, 16),
    'sha384': ('SHA2-384-192', hashlib.sha384, 24),
    'sha512': ('SHA2-512-256', hashlib.sha512, 32),
}


class Usage(Exception):
    pass


def read_pcap(path):
    """[(timestamp in ns, IP packet bytes)] of a classic pcap (link types 1, 101, 228, 229)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise Usage('%s: %s' % (path, e.strerror))
    if len(data) < 24:
        raise Usage('%s: truncated pcap header' % path)
    for endian in '<>':
        magic = struct.unpack(endian + 'I', data[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            break
    else:
        raise Usage('%s: not a pcap file' % path)
    frac_ns = 1 if magic == 0xa1b23c4d else 1000
    link = struct.unpack(endian + 'I', data[20:24])[0] & 0x0fffffff
    if link not in (1, 101, 228, 229):
        raise Usage('%s: unsupported link type %d' % (path, link))
    out, off, n = [], 24, 0
    while off < len(data):
        n += 1
        if off + 16 > len(data):
            raise Usage('%s: record %d: truncated record header' % (path, n))
        sec, frac, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise Usage('%s: record %d: truncated record' % (path, n))
        pkt = data[off:off + incl]
        off += incl
        if link == 1:
            hdr, etype = 14, struct.unpack('!H', pkt[12:14])[0]
            while etype in (0x8100, 0x88a8):
                etype = struct.unpack('!H', pkt[hdr + 2:hdr + 4])[0]
                hdr += 4
            if etype not in (0x0800, 0x86dd):
                continue
            pkt = pkt[hdr:]
        out.append((sec * 1000000000 + frac * frac_ns, pkt))
    return out


def parse_manifest(path):
    """{case name: {field: value}} of a manifest.txt."""
    cases, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                cur = None if not line else cur
                continue
            key, _, value = line.partition('=')
            key, value = key.strip(), value.strip()
            if key == 'Name':
                cur = cases.setdefault(value, {})
            if cur is None:
                raise Usage('%s: field %s outside a record' % (path, key))
            cur[key] = value
    return cases


def case_from_args(args):
    """The SA and file fields: the manifest's case, overridden by explicit options."""
    fields = {}
    base = os.getcwd()
    if args.manifest:
        cases = parse_manifest(args.manifest)
        if args.case not in cases:
            raise Usage('case %r not in %s' % (args.case, args.manifest))
        fields = dict(cases[args.case])
        base = os.path.dirname(os.path.abspath(args.manifest))
        fields['Inner'] = os.path.join(base, fields['Inner'])
    elif args.case:
        raise Usage('--case needs --manifest')
    for opt, key in (('enc', 'Enc'), ('enc_key', 'EncKey'), ('auth', 'Auth'),
                     ('auth_key', 'AuthKey'), ('spi', 'Spi'), ('esn', 'Esn'),
                     ('udp_encap', 'UdpEncap'), ('src', 'Src'), ('dst', 'Dst'),
                     ('first_seq', 'FirstSeq'), ('inner', 'Inner')):
        v = getattr(args, opt)
        if v is not None:
            fields[key] = v
    fields.setdefault('Auth', 'none')
    fields.setdefault('AuthKey', '')
    fields.setdefault('Esn', '0')
    fields.setdefault('UdpEncap', '0')
    fields.setdefault('FirstSeq', '1')
    for key in ('Enc', 'EncKey', 'Spi', 'Src', 'Dst', 'Inner'):
        if key not in fields:
            raise Usage('missing --%s' % key.lower().replace('key', '-key'))
    if fields['Enc'] not in ENC:
        raise Usage('unknown encryption algorithm %r' % fields['Enc'])
    if ENC[fields['Enc']][1] in (8, 12):
        # scapy 2.5.0 uses cryptography's AESGCM, which always makes and expects 16-byte
        # tags: crypt_icv_size is silently ignored.
        raise Usage('scapy 2.5.0 cannot do %s (AES-GCM with an %d-byte ICV)'
                    % (fields['Enc'], ENC[fields['Enc']][1]))
    if fields['Auth'] not in AUTH:
        raise Usage('unknown integrity algorithm %r' % fields['Auth'])
    return fields


def compare(fields, esp_path):
    """Decrypts esp_path with scapy; returns a list of mismatch messages (empty = match)."""
    logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
    from scapy.all import IP, IPv6, UDP, raw
    from scapy.layers.ipsec import SecurityAssociation, ESP, IPSecIntegrityError

    s_enc, aead_icv = ENC[fields['Enc']]
    s_auth, digest, icv_len = AUTH[fields['Auth']]
    enc_key = bytes.fromhex(fields['EncKey'].removeprefix('0x'))
    auth_key = bytes.fromhex(fields['AuthKey'].removeprefix('0x'))
    spi = int(fields['Spi'], 0)
    esn = fields['Esn'] == '1'
    udp = fields['UdpEncap'] == '1'
    src, dst = fields['Src'], fields['Dst']
    v6 = ':' in src
    manual_icv = esn and s_auth is not None
    sa = SecurityAssociation(
        ESP, spi=spi, crypt_algo=s_enc, crypt_key=enc_key, crypt_icv_size=aead_icv,
        auth_algo=s_auth, auth_key=auth_key or None, esn_en=esn,
        tunnel_header=(IPv6 if v6 else IP)(src=src, dst=dst))
    dec_icv = aead_icv or icv_len

    inner = read_pcap(fields['Inner'])
    got = read_pcap(esp_path)
    errors = []
    if len(got) != len(inner):
        errors.append('%s has %d packets, %s has %d' % (esp_path, len(got), fields['Inner'],
                                                         len(inner)))
    expected_seq = int(fields['FirstSeq'], 0)
    for n, ((ts, wire), (inner_ts, want)) in enumerate(zip(got, inner), start=1):
        where = 'packet %d' % n

        def bad(msg):
            errors.append('%s: %s' % (where, msg))

        if ts != inner_ts:
            bad('timestamp %d ns, inner capture has %d ns' % (ts, inner_ts))
        version = wire[0] >> 4 if wire else 0
        if version != (6 if v6 else 4):
            bad('outer IP version %d, expected %d' % (version, 6 if v6 else 4))
            continue
        outer = IPv6(wire) if v6 else IP(wire)
        if (outer.src, outer.dst) != (src, dst):
            bad('outer %s -> %s, expected %s -> %s' % (outer.src, outer.dst, src, dst))
        hlen = 40 if v6 else outer.ihl * 4
        if (outer.plen + 40 if v6 else outer.len) != len(wire):
            bad('outer IP length field says %d, packet has %d bytes'
                % (outer.plen + 40 if v6 else outer.len, len(wire)))
        proto = outer.nh if v6 else outer.proto
        if udp:
            if proto != 17:
                bad('expected ESP-in-UDP, outer protocol is %d' % proto)
                continue
            sport, dport, ulen = struct.unpack('!HHH', wire[hlen:hlen + 6])
            if (sport, dport) != (4500, 4500):
                bad('UDP ports %d -> %d, expected 4500 -> 4500' % (sport, dport))
            if ulen != len(wire) - hlen:
                bad('UDP length %d, expected %d' % (ulen, len(wire) - hlen))
            esp_bytes = wire[hlen + 8:]
        else:
            if proto != 50:
                bad('expected ESP (protocol 50), outer protocol is %d' % proto)
                continue
            esp_bytes = wire[hlen:]
        if len(esp_bytes) < 8:
            bad('ESP packet of %d bytes' % len(esp_bytes))
            continue
        esp = ESP(esp_bytes)
        if esp.spi != spi:
            bad('SPI 0x%08x, expected 0x%08x' % (esp.spi, spi))
        # The full sequence number: the 32 low bits on the wire, the high bits inferred.
        seq = (expected_seq & ~0xffffffff) | esp.seq
        if esn and seq + (1 << 31) < expected_seq:
            seq += 1 << 32
        elif esn and seq > expected_seq + (1 << 31) and seq >= 1 << 32:
            seq -= 1 << 32
        if seq != expected_seq:
            bad('sequence number 0x%x, expected 0x%x' % (seq, expected_seq))
        expected_seq = seq + 1
        hi = seq >> 32
        try:
            if manual_icv:
                body, icv = esp_bytes[:-icv_len], esp_bytes[-icv_len:]
                want_icv = hmac.new(auth_key, body + struct.pack('!I', hi),
                                    digest).digest()[:icv_len]
                if not hmac.compare_digest(icv, want_icv):
                    raise IPSecIntegrityError('ICV (with ESN high bits 0x%x) mismatch' % hi)
            else:
                sa.auth_algo.verify(esp, sa.auth_key)
            plain = sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, dec_icv, esn_en=esn, esn=hi)
        except (IPSecIntegrityError, ValueError) as e:
            bad('scapy could not decrypt/verify: %s: %s' % (e.__class__.__name__, e))
            continue
        want_nh = 4 if want[0] >> 4 == 4 else 41
        if plain.nh != want_nh:
            bad('next header %d, expected %d' % (plain.nh, want_nh))
        data = bytes(plain.data)
        if data != want:
            first = next((i for i, (a, b) in enumerate(zip(data, want)) if a != b),
                         min(len(data), len(want)))
            bad('inner packet differs (%d bytes vs %d expected, first difference at byte %d)'
                % (len(data), len(want), first))
    return errors


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--manifest')
    p.add_argument('--case')
    p.add_argument('--enc')
    p.add_argument('--enc-key')
    p.add_argument('--auth')
    p.add_argument('--auth-key')
    p.add_argument('--spi')
    p.add_argument('--esn', choices=['0', '1'])
    p.add_argument('--udp-encap', choices=['0', '1'])
    p.add_argument('--src')
    p.add_argument('--dst')
    p.add_argument('--first-seq')
    p.add_argument('--inner')
    p.add_argument('esp_pcap')
    args = p.parse_args(argv)
    try:
        import scapy.layers.ipsec  # noqa: F401
    except ImportError:
        print('SKIP: %s has no scapy (install python3-scapy)' % sys.executable)
        return SKIP
    try:
        fields = case_from_args(args)
        errors = compare(fields, args.esp_pcap)
    except Usage as e:
        print('scapy_decrypt.py: %s' % e, file=sys.stderr)
        return 2
    name = fields.get('Name', args.esp_pcap)
    if errors:
        print('MISMATCH %s: %d problem(s)' % (name, len(errors)))
        for e in errors[:20]:
            print('  ' + e)
        return 1
    print('OK %s: %s decrypted by scapy to the %d inner packets'
          % (name, args.esp_pcap, len(read_pcap(fields['Inner']))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
