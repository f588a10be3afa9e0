// File: examples/tunnelisa/esp_command.cc
//
// `tunnelisa esp decrypt|encrypt`: runs the captures of a pcap file through one manually keyed
// ESP SA of an EspDataplane and writes the result as a raw-IP pcap. Used to check captures
// from other implementations (strongSwan, scapy, Wireshark samples) and to produce ESP
// captures for them.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/command.h"
#include "examples/tunnelisa/key_export.h"
#include "tools/pcap.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitDropped = 1;
constexpr int kExitUsage = 2;
// kMaxBurst / kDefaultBurst: packets handed to the data plane per call (--burst).
constexpr size_t kMaxBurst = EspDataplane::kMaxBurst;
constexpr size_t kDefaultBurst = 32;

constexpr char kUsage[] =
    "usage: tunnelisa esp decrypt|encrypt --spi 0xHEX --enc ALG --enc-key HEX\n"
    "                     [--auth ALG --auth-key HEX] [--esn] [--replay-window N]\n"
    "                     [--udp-encap] [--src IP --dst IP] [--first-seq N] [--burst N]\n"
    "                     [--crypto openssl|sodium|ipsecmb] [--export-keys DIR]\n"
    "                     IN.pcap OUT.pcap\n"
    "\n"
    "  decrypt  IN holds ESP packets (outer IPv4/IPv6, ESP or ESP-in-UDP with --udp-encap;\n"
    "           pcap link type Ethernet or raw IP); OUT gets the inner IP packets. One line\n"
    "           per dropped packet and a summary by reason. Tunnel endpoints: --src (the\n"
    "           peer) and --dst (us), or else the first packet's outer addresses.\n"
    "  encrypt  IN holds inner IP packets; OUT gets ESP tunnel-mode packets from --src to\n"
    "           --dst (both required), sequence numbers from 1 (or --first-seq), wrapped in\n"
    "           UDP 4500->4500 with --udp-encap.\n"
    "\n"
    "  --spi 0xHEX          SPI (>= 256)\n"
    "  --enc ALG            des 3des aes128 aes192 aes256 aes128gcm8|12|16 aes192gcm8|12|16\n"
    "                       aes256gcm8|12|16 chacha20poly1305 null\n"
    "  --enc-key HEX        cipher key; for GCM and ChaCha20-Poly1305 followed by the 4-byte salt\n"
    "  --auth ALG           md5 sha1 sha256 sha384 sha512 (not with AEAD ciphers)\n"
    "  --auth-key HEX       HMAC key\n"
    "  --esn                64-bit extended sequence numbers\n"
    "  --replay-window N    decrypt: anti-replay window in packets (default 64, 0 disables)\n"
    "  --udp-encap          ESP-in-UDP (RFC 3948)\n"
    "  --first-seq N        encrypt: first sequence number (default 1)\n"
    "  --burst N            packets per data plane call, 1..64 (default 32)\n"
    "  --crypto NAME        crypto backend (default: the registry's pick for the suite)\n"
    "  --export-keys DIR    append the SA to DIR/esp_sa, Wireshark's ESP key table (0600),\n"
    "                       for WIRESHARK_CONFIG_DIR=DIR tshark (docs/esp.md)\n"
    "\n"
    "Timestamps are copied from IN. Exit status: 0 all packets passed, 1 some were dropped,\n"
    "2 bad arguments or unreadable input.\n";

constexpr ArgOption kOptions[] = {
    {"help", false},      {"spi", true},      {"enc", true},         {"enc-key", true},
    {"auth", true},       {"auth-key", true}, {"esn", false},        {"replay-window", true},
    {"udp-encap", false}, {"src", true},      {"dst", true},         {"first-seq", true},
    {"burst", true},      {"crypto", true},   {"export-keys", true},
};

enum class Mode { kDecrypt, kEncrypt };

struct EspOptions {
  Mode mode = Mode::kDecrypt;
  uint32_t spi = 0;
  EspSuite suite;
  SecretBytes enc_key;
  SecretBytes auth_key;
  bool esn = false;
  uint32_t replay_window = kDefaultReplayWindow;
  bool udp_encap = false;
  std::optional<IpAddress> src;
  std::optional<IpAddress> dst;
  uint64_t first_seq = 1;
  size_t burst = kDefaultBurst;
  std::string crypto;       // backend name; empty: the registry's pick
  std::string export_keys;  // --export-keys DIR; empty: none
  std::string in_path;
  std::string out_path;
};

std::string Str(std::string_view s) { return std::string(s); }
std::string Message(const absl::Status& s) { return std::string(s.message()); }

int UsageError(const std::string& message) {
  std::fprintf(stderr, "tunnelisa esp: %s\n(see tunnelisa esp --help)\n", message.c_str());
  return kExitUsage;
}
int InputError(const std::string& message) {
  std::fprintf(stderr, "tunnelisa esp: %s\n", message.c_str());
  return kExitUsage;
}

absl::StatusOr<SecretBytes> ParseKey(const Args& a, std::string_view option) {
  std::optional<std::string_view> hex = a.Value(option);
  if (!hex.has_value()) return SecretBytes();
  absl::StatusOr<SecretBytes> key = SecretBytes::FromHex(*hex);
  if (!key.ok()) {
    // Never echo the value: it is key material.
    return absl::InvalidArgumentError("--" + Str(option) + ": not a hex string (" +
                                      Message(key.status()) + ")");
  }
  return key;
}

absl::StatusOr<IpAddress> ParseAddress(const Args& a, std::string_view option) {
  std::string_view text = *a.Value(option);
  std::optional<IpAddress> ip = IpAddress::Parse(text);
  if (!ip.has_value()) {
    return absl::InvalidArgumentError("--" + Str(option) + ": '" + Str(text) +
                                      "' is not an IPv4 or IPv6 address");
  }
  return *ip;
}

absl::StatusOr<EspOptions> ParseOptions(const Args& a, Mode mode) {
  EspOptions o;
  o.mode = mode;
  absl::StatusOr<std::optional<uint64_t>> spi = a.GetUint("spi", 0xffffffff);
  if (!spi.ok()) return spi.status();
  if (!spi->has_value()) return absl::InvalidArgumentError("--spi is required");
  o.spi = static_cast<uint32_t>(**spi);

  std::optional<std::string_view> enc = a.Value("enc");
  if (!enc.has_value()) return absl::InvalidArgumentError("--enc is required");
  std::optional<EncryptionAlgorithm> e = ParseEncryptionAlgorithm(*enc);
  if (!e.has_value()) {
    return absl::InvalidArgumentError("--enc: unknown encryption algorithm '" + Str(*enc) + "'");
  }
  o.suite.enc = *e;
  o.suite.integ = IntegrityAlgorithm::kNone;
  if (std::optional<std::string_view> auth = a.Value("auth"); auth.has_value()) {
    std::optional<IntegrityAlgorithm> i = ParseIntegrityAlgorithm(*auth);
    if (!i.has_value()) {
      return absl::InvalidArgumentError("--auth: unknown integrity algorithm '" + Str(*auth) + "'");
    }
    o.suite.integ = *i;
  }
  if (!a.Has("enc-key") && GetEncryptionInfo(o.suite.enc).keymat_size() > 0) {
    return absl::InvalidArgumentError("--enc-key is required");
  }
  if (o.suite.integ != IntegrityAlgorithm::kNone && !a.Has("auth-key")) {
    return absl::InvalidArgumentError("--auth-key is required with --auth");
  }
  if (o.suite.integ == IntegrityAlgorithm::kNone && a.Has("auth-key")) {
    return absl::InvalidArgumentError("--auth-key needs --auth");
  }
  absl::StatusOr<SecretBytes> enc_key = ParseKey(a, "enc-key");
  if (!enc_key.ok()) return enc_key.status();
  o.enc_key = std::move(*enc_key);
  absl::StatusOr<SecretBytes> auth_key = ParseKey(a, "auth-key");
  if (!auth_key.ok()) return auth_key.status();
  o.auth_key = std::move(*auth_key);

  o.esn = a.Has("esn");
  o.udp_encap = a.Has("udp-encap");
  absl::StatusOr<std::optional<uint64_t>> window = a.GetUint("replay-window", kMaxReplayWindow);
  if (!window.ok()) return window.status();
  if (window->has_value()) {
    if (mode == Mode::kEncrypt) {
      return absl::InvalidArgumentError("--replay-window applies to decrypt only");
    }
    o.replay_window = static_cast<uint32_t>(**window);
  }
  absl::StatusOr<std::optional<uint64_t>> first = a.GetUint("first-seq", ~uint64_t{0});
  if (!first.ok()) return first.status();
  if (first->has_value()) {
    if (mode == Mode::kDecrypt) {
      return absl::InvalidArgumentError("--first-seq applies to encrypt only");
    }
    o.first_seq = **first;
    uint64_t max = o.esn ? ~uint64_t{0} : 0xffffffff;
    if (o.first_seq == 0 || o.first_seq > max) {
      return absl::InvalidArgumentError("--first-seq must be from 1 to " + std::to_string(max) +
                                        (o.esn ? "" : " without --esn"));
    }
  }

  absl::StatusOr<std::optional<uint64_t>> burst = a.GetUint("burst", kMaxBurst);
  if (!burst.ok()) return burst.status();
  if (burst->has_value()) {
    if (**burst == 0) return absl::InvalidArgumentError("--burst must be from 1 to 64");
    o.burst = static_cast<size_t>(**burst);
  }

  o.crypto = Str(a.Value("crypto").value_or(""));
  o.export_keys = Str(a.Value("export-keys").value_or(""));
  if (a.Has("export-keys") && o.export_keys.empty()) {
    return absl::InvalidArgumentError("--export-keys needs a directory");
  }

  if (a.Has("src") != a.Has("dst")) {
    return absl::InvalidArgumentError("give both --src and --dst, or neither");
  }
  if (a.Has("src")) {
    absl::StatusOr<IpAddress> src = ParseAddress(a, "src");
    if (!src.ok()) return src.status();
    absl::StatusOr<IpAddress> dst = ParseAddress(a, "dst");
    if (!dst.ok()) return dst.status();
    if (src->family() != dst->family()) {
      return absl::InvalidArgumentError("--src and --dst must be of the same address family");
    }
    o.src = *src;
    o.dst = *dst;
  } else if (mode == Mode::kEncrypt) {
    return absl::InvalidArgumentError("encrypt needs --src and --dst (the tunnel endpoints)");
  }

  if (a.positionals().size() != 2) {
    return absl::InvalidArgumentError("expected IN.pcap and OUT.pcap, got " +
                                      std::to_string(a.positionals().size()) + " file arguments");
  }
  o.in_path = Str(a.positionals()[0]);
  o.out_path = Str(a.positionals()[1]);
  return o;
}

// OuterInfo: the addresses (and UDP ports) of an outer IP header.
struct OuterInfo {
  IpAddress src;
  IpAddress dst;
  std::optional<uint16_t> sport;
  std::optional<uint16_t> dport;
};

std::optional<OuterInfo> ParseOuter(std::span<const uint8_t> p) {
  OuterInfo info;
  size_t l4 = 0;
  uint8_t proto = 0;
  if (p.size() >= kIpv4HeaderSize && p[0] >> 4 == 4) {
    l4 = size_t{p[0] & 0x0fu} * 4;
    if (l4 < kIpv4HeaderSize || l4 > p.size()) return std::nullopt;
    proto = p[9];
    info.src = IpAddress::V4Bytes(p.data() + 12);
    info.dst = IpAddress::V4Bytes(p.data() + 16);
  } else if (p.size() >= kIpv6HeaderSize && p[0] >> 4 == 6) {
    l4 = kIpv6HeaderSize;
    proto = p[6];
    info.src = IpAddress::V6Bytes(p.data() + 8);
    info.dst = IpAddress::V6Bytes(p.data() + 24);
  } else {
    return std::nullopt;
  }
  if (proto == kProtoUdp && p.size() >= l4 + kUdpHeaderSize) {
    info.sport = static_cast<uint16_t>(p[l4] << 8 | p[l4 + 1]);
    info.dport = static_cast<uint16_t>(p[l4 + 2] << 8 | p[l4 + 3]);
  }
  return info;
}

// SetFirstSequence: starts an outbound SA's sequence numbers at `first` (the SA's last
// sequence number becomes first - 1).
absl::Status SetFirstSequence(EspDataplane& dp, SaHandle sa, uint64_t first) {
  if (first == 1) return absl::OkStatus();
  return dp.Update(sa, {.last_sequence = first - 1});
}

// Counts: what became of the input records.
struct Counts {
  uint64_t records = 0;
  uint64_t passed = 0;   // delivered (decrypt) or forwarded (encrypt)
  uint64_t skipped = 0;  // not IP (Ethernet frames of other ethertypes)
  uint64_t to_control = 0;
  uint64_t consumed = 0;
  uint64_t dropped = 0;
  std::map<DropReason, uint64_t> by_reason;
};

// Slot: one packet of a burst, in a buffer with the data plane's head- and tailroom.
struct Slot {
  std::vector<uint8_t> buffer;
  uint64_t index = 0;
  int64_t timestamp_ns = 0;
};

class EspRunner {
 public:
  explicit EspRunner(EspOptions options) : o_(std::move(options)) {}

  int Run();

 private:
  absl::Status Install(const std::optional<OuterInfo>& first);
  // Flush: runs the collected burst through the data plane and writes the results.
  absl::Status Flush(tools::PcapWriter& out);
  void PrintSummary() const;

  EspOptions o_;
  std::unique_ptr<CryptoRegistry> registry_;
  std::unique_ptr<EspDataplane> dp_;
  SaHandle sa_;
  MonoTime now_;
  std::vector<Slot> burst_;
  Counts counts_;
};

absl::Status EspRunner::Install(const std::optional<OuterInfo>& first) {
  registry_ = CryptoRegistry::CreateDefault();
  if (registry_ == nullptr) return absl::InternalError("no crypto backend available");
  if (!o_.crypto.empty() && registry_->Find(o_.crypto) == nullptr) {
    std::string have;
    for (const CryptoBackend* b : registry_->backends()) {
      have += (have.empty() ? "" : ", ") + std::string(b->name());
    }
    return absl::InvalidArgumentError("--crypto " + o_.crypto +
                                      ": no such crypto backend here (have: " + have + ")");
  }
  absl::StatusOr<std::unique_ptr<EspDataplane>> dp =
      EspDataplane::Create({.crypto = registry_.get()});
  if (!dp.ok()) return dp.status();
  dp_ = std::move(*dp);

  SaConfig c;
  c.spi = o_.spi;
  c.suite = o_.suite;
  c.enc_key = o_.enc_key.Clone();
  c.auth_key = o_.auth_key.Clone();
  c.esn = o_.esn;
  c.backend = o_.crypto;
  if (o_.mode == Mode::kEncrypt) {
    c.direction = SaDirection::kOutbound;
    c.local = *o_.src;
    c.remote = *o_.dst;
    if (o_.udp_encap) c.udp_encap = UdpEncapsulation{};
  } else {
    c.direction = SaDirection::kInbound;
    c.replay_window = o_.replay_window;
    if (o_.src.has_value()) {
      c.remote = *o_.src;
      c.local = *o_.dst;
    } else if (first.has_value()) {
      c.remote = first->src;
      c.local = first->dst;
    } else {
      return absl::InvalidArgumentError(
          "no --src/--dst given and the first packet has no IPv4/IPv6 header to take the "
          "tunnel endpoints from");
    }
    if (o_.udp_encap) {
      UdpEncapsulation u;
      if (first.has_value() && first->sport.has_value()) {
        u.remote_port = *first->sport;
        u.local_port = *first->dport;
      }
      c.udp_encap = u;
    }
  }
  if (!o_.export_keys.empty()) {
    absl::StatusOr<std::unique_ptr<WiresharkKeyFiles>> keys =
        WiresharkKeyFiles::Open(o_.export_keys, [](std::string_view message) {
          std::fprintf(stderr, "tunnelisa esp: %s\n", std::string(message).c_str());
        });
    if (!keys.ok()) return keys.status();
    // The SA as its packets carry it: encrypt sends local -> remote, decrypt reads remote ->
    // local.
    const bool out = c.direction == SaDirection::kOutbound;
    (*keys)->OnEspSa({.source = out ? c.local : c.remote,
                      .destination = out ? c.remote : c.local,
                      .spi = c.spi,
                      .suite = c.suite,
                      .enc_key = c.enc_key,
                      .auth_key = c.auth_key});
    if ((*keys)->esp_lines() != 1) {
      return absl::FailedPreconditionError("--export-keys: the SA was not exported");
    }
  }
  absl::StatusOr<SaHandle> sa = dp_->Install(std::move(c), now_);
  if (!sa.ok()) {
    return absl::Status(sa.status().code(), "cannot install the SA: " + Message(sa.status()));
  }
  sa_ = *sa;
  if (o_.mode == Mode::kEncrypt) return SetFirstSequence(*dp_, sa_, o_.first_seq);
  return absl::OkStatus();
}

absl::Status EspRunner::Flush(tools::PcapWriter& out) {
  if (burst_.empty()) return absl::OkStatus();
  std::array<PacketRef, kMaxBurst> packets;
  std::array<Verdict, kMaxBurst> verdicts;
  for (size_t i = 0; i < burst_.size(); ++i) {
    std::vector<uint8_t>& b = burst_[i].buffer;
    packets[i] =
        PacketRef{b.data(), static_cast<uint32_t>(b.size()), static_cast<uint32_t>(kPacketHeadroom),
                  static_cast<uint32_t>(b.size() - kPacketHeadroom - kPacketTailroom)};
  }
  std::span<PacketRef> p(packets.data(), burst_.size());
  std::span<Verdict> v(verdicts.data(), burst_.size());
  if (o_.mode == Mode::kEncrypt) {
    dp_->Encrypt(sa_, p, v, now_);
  } else {
    dp_->Decrypt(p, v, now_, InboundFormat::kOuterIp);
  }
  for (size_t i = 0; i < burst_.size(); ++i) {
    const Verdict& verdict = v[i];
    switch (verdict.action) {
      case Verdict::Action::kForward:
      case Verdict::Action::kDeliver:
        if (absl::Status s = out.Write(burst_[i].timestamp_ns, p[i].bytes()); !s.ok()) return s;
        ++counts_.passed;
        break;
      case Verdict::Action::kToControl:
        std::printf("packet %llu: not ESP: IKE message on the NAT-T port (skipped)\n",
                    static_cast<unsigned long long>(burst_[i].index));
        ++counts_.to_control;
        break;
      case Verdict::Action::kConsumed:
        std::printf("packet %llu: not ESP: NAT keepalive (skipped)\n",
                    static_cast<unsigned long long>(burst_[i].index));
        ++counts_.consumed;
        break;
      case Verdict::Action::kDrop: {
        std::string_view name = DropReasonName(verdict.reason);
        std::printf("packet %llu: dropped: %.*s\n",
                    static_cast<unsigned long long>(burst_[i].index), static_cast<int>(name.size()),
                    name.data());
        ++counts_.dropped;
        ++counts_.by_reason[verdict.reason];
        break;
      }
    }
  }
  burst_.clear();
  return absl::OkStatus();
}

void EspRunner::PrintSummary() const {
  const char* verb = o_.mode == Mode::kEncrypt ? "encrypted" : "decrypted";
  std::printf("%s %llu of %llu packets; dropped %llu", verb,
              static_cast<unsigned long long>(counts_.passed),
              static_cast<unsigned long long>(counts_.records),
              static_cast<unsigned long long>(counts_.dropped));
  if (counts_.skipped != 0) {
    std::printf("; skipped %llu non-IP", static_cast<unsigned long long>(counts_.skipped));
  }
  if (counts_.to_control != 0) {
    std::printf("; %llu IKE", static_cast<unsigned long long>(counts_.to_control));
  }
  if (counts_.consumed != 0) {
    std::printf("; %llu NAT keepalives", static_cast<unsigned long long>(counts_.consumed));
  }
  std::printf("\n");
  for (const auto& [reason, n] : counts_.by_reason) {
    std::string_view name = DropReasonName(reason);
    std::printf("  %-20.*s %llu\n", static_cast<int>(name.size()), name.data(),
                static_cast<unsigned long long>(n));
  }
}

int EspRunner::Run() {
  absl::StatusOr<tools::PcapReader> in = tools::PcapReader::Open(o_.in_path);
  if (!in.ok()) return InputError(Message(in.status()));
  absl::StatusOr<tools::PcapWriter> out = tools::PcapWriter::Create(o_.out_path);
  if (!out.ok()) return InputError(Message(out.status()));
  bool installed = false;
  while (true) {
    absl::StatusOr<std::optional<tools::PcapRecord>> r = in->Next();
    if (!r.ok()) {
      // Already processed packets stay in OUT; the input is bad nonetheless.
      (void)Flush(*out);
      (void)out->Close();
      return InputError(Message(r.status()));
    }
    if (!r->has_value()) break;
    tools::PcapRecord& rec = **r;
    ++counts_.records;
    if (rec.skipped) {
      std::printf("packet %llu: skipped: not IP (ethertype 0x%04x)\n",
                  static_cast<unsigned long long>(rec.index), rec.ethertype);
      ++counts_.skipped;
      continue;
    }
    // The data plane's clock must not go back; captures sometimes do.
    now_.ns = std::max(now_.ns, rec.timestamp_ns);
    if (!installed) {
      if (absl::Status s = Install(ParseOuter(rec.packet)); !s.ok()) {
        (void)out->Close();
        return InputError(Message(s));
      }
      installed = true;
    }
    Slot slot;
    slot.index = rec.index;
    slot.timestamp_ns = rec.timestamp_ns;
    slot.buffer.resize(kPacketHeadroom + rec.packet.size() + kPacketTailroom);
    if (!rec.packet.empty()) {
      std::memcpy(slot.buffer.data() + kPacketHeadroom, rec.packet.data(), rec.packet.size());
    }
    burst_.push_back(std::move(slot));
    if (burst_.size() == o_.burst) {
      if (absl::Status s = Flush(*out); !s.ok()) return InputError(Message(s));
    }
  }
  if (absl::Status s = Flush(*out); !s.ok()) return InputError(Message(s));
  if (absl::Status s = out->Close(); !s.ok()) return InputError(Message(s));
  PrintSummary();
  return counts_.dropped == 0 ? kExitOk : kExitDropped;
}

}  // namespace

int RunEsp(std::span<const std::string_view> args) {
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string_view verb = args[0];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  Mode mode;
  if (verb == "decrypt") {
    mode = Mode::kDecrypt;
  } else if (verb == "encrypt") {
    mode = Mode::kEncrypt;
  } else {
    return UsageError("expected 'decrypt' or 'encrypt', got '" + Str(verb) + "'");
  }
  absl::StatusOr<Args> a = Args::Parse(args.subspan(1), kOptions);
  if (!a.ok()) return UsageError(Message(a.status()));
  if (a->Has("help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  absl::StatusOr<EspOptions> o = ParseOptions(*a, mode);
  if (!o.ok()) return UsageError(Message(o.status()));
  EspRunner runner(std::move(*o));
  return runner.Run();
}

}  // namespace tunnelisa::cli
