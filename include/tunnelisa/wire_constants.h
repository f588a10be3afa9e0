// File: tunnelisa/wire_constants.h
//
// Wire sizes and buffer contracts, in one place. Every packet the host hands to tunnelisa must
// have at least kPacketHeadroom free bytes before the data and kPacketTailroom after it, so
// that encapsulation prepends headers and appends trailers in place and never copies.
#ifndef TUNNELISA_WIRE_CONSTANTS_H_
#define TUNNELISA_WIRE_CONSTANTS_H_

#include <cstddef>
#include <cstdint>

namespace tunnelisa {

inline constexpr size_t kIpv4HeaderSize = 20;  // without options; we never emit options
inline constexpr size_t kIpv6HeaderSize = 40;
inline constexpr size_t kUdpHeaderSize = 8;
inline constexpr size_t kEspHeaderSize = 8;        // SPI + sequence number (RFC 4303 section 2)
inline constexpr size_t kEspTrailerFixedSize = 2;  // Pad Length + Next Header
inline constexpr size_t kMaxEspIvSize = 16;        // AES-CBC
inline constexpr size_t kMaxIcvSize = 32;          // HMAC-SHA-512-256
inline constexpr size_t kMaxCipherBlockSize = 16;
inline constexpr size_t kGreMaxHeaderSize = 16;  // base + checksum + key + sequence (RFC 2890)
inline constexpr size_t kEsnHighBitsSize = 4;    // appended for the ICV only (RFC 4303 A2)

// IP protocol numbers / next-header values.
inline constexpr uint8_t kProtoIpv4InIp = 4;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6InIp = 41;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoNoNext = 59;  // dummy packet (RFC 4303 section 2.6)

inline constexpr uint16_t kIkePort = 500;
inline constexpr uint16_t kNatTPort = 4500;
inline constexpr size_t kNonEspMarkerSize = 4;  // four zero bytes (RFC 3948 section 2.2)

// Worst-case bytes one tunnel layer prepends: outer IPv6 + UDP + ESP header + IV.
inline constexpr size_t kMaxEspOverheadFront =
    kIpv6HeaderSize + kUdpHeaderSize + kEspHeaderSize + kMaxEspIvSize;
// Worst case appended: pad to a 16-byte block + pad length + next header + ICV + ESN high bits
// (written past the trailer while the ICV is computed, then dropped).
inline constexpr size_t kMaxEspOverheadBack =
    (kMaxCipherBlockSize - 1) + kEspTrailerFixedSize + kMaxIcvSize + kEsnHighBitsSize;

// kPacketHeadroom is enough for two nested tunnel layers (GRE over IPsec, Figure 27 of the
// guide): ESP outside, GRE over IPv6 inside.
inline constexpr size_t kPacketHeadroom = 192;
inline constexpr size_t kPacketTailroom = 64;
static_assert(kPacketHeadroom >= kMaxEspOverheadFront + kIpv6HeaderSize + kGreMaxHeaderSize + 8);
static_assert(kPacketTailroom >= kMaxEspOverheadBack);
static_assert(kMaxEspOverheadFront == 72);

// Largest IP packet (the IPv4 total length field is 16 bits; IPv6 jumbograms are not handled).
inline constexpr size_t kMaxIpPacketSize = 65535;

// Anti-replay windows (RFC 4303 section 3.4.3: 32 is the minimum, 64 the default).
inline constexpr uint32_t kMinReplayWindow = 32;
inline constexpr uint32_t kDefaultReplayWindow = 64;
inline constexpr uint32_t kMaxReplayWindow = 65536;

}  // namespace tunnelisa

#endif  // TUNNELISA_WIRE_CONSTANTS_H_
