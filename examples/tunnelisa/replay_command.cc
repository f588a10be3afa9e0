// `tunnelisa replay CONFIG --service ID [--private-in P.pcap] [--public-in Q.pcap]
//                   [--public-out A.pcap] [--private-out B.pcap]`
//
// Feeds captured packets through an Engine built from CONFIG: private-side packets enter
// service ID, public-side packets enter the delivery service that owns their destination
// address. The two inputs are merged by timestamp (private first on ties, then file order);
// the engine's clock is the packet's timestamp, and timers run when due. What leaves each side
// (ICMP errors included) is written to the output captures with the timestamp of the packet
// that caused it. Prints verdicts, counters, drops by reason and per-tunnel traffic.
//
// Exit codes: 0 when it ran (drops are not failures), 2 on bad usage, an unreadable or
// malformed capture, an invalid configuration or an unknown service.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/command.h"
#include "tools/pcap.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "tunnelisa replay: %s\n", message.c_str());
  return 2;
}

// PcapTransport: writes what leaves the engine to the optional output captures, counting.
class PcapTransport final : public Transport {
 public:
  std::optional<tools::PcapWriter> public_out;
  std::optional<tools::PcapWriter> private_out;
  int64_t now_ns = 0;
  uint64_t sent_public = 0;
  uint64_t delivered_private = 0;
  absl::Status error;  // the first write error

  void SendPublic(const Egress&, const PacketRef& p) override {
    ++sent_public;
    Write(public_out, p);
  }
  void DeliverPrivate(const Egress&, const PacketRef& p) override {
    ++delivered_private;
    Write(private_out, p);
  }

 private:
  void Write(std::optional<tools::PcapWriter>& w, const PacketRef& p) {
    if (!w) return;
    absl::Status s = w->Write(std::max<int64_t>(now_ns, 0), p.bytes());
    if (error.ok()) error = s;
  }
};

struct Input {
  int64_t timestamp_ns = 0;
  bool is_private = false;
  uint64_t order = 0;
  std::vector<uint8_t> packet;
};

// ReadInputs: appends the IP records of `path` (non-IP Ethernet frames are skipped).
absl::Status ReadInputs(const std::string& path, bool is_private, std::vector<Input>& out,
                        uint64_t& skipped) {
  absl::StatusOr<tools::PcapReader> r = tools::PcapReader::Open(path);
  if (!r.ok()) return r.status();
  absl::StatusOr<std::vector<tools::PcapRecord>> records = r->ReadAll();
  if (!records.ok()) return records.status();
  for (tools::PcapRecord& rec : *records) {
    if (rec.skipped) {
      ++skipped;
      continue;
    }
    if (rec.packet.size() > kMaxIpPacketSize) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: record %d is larger than an IP packet", path, rec.index));
    }
    out.push_back(Input{rec.timestamp_ns, is_private, out.size(), std::move(rec.packet)});
  }
  return absl::OkStatus();
}

void PrintTraffic(const char* what, const std::string& name, const TrafficCounters& t) {
  std::printf("  %-13s %-34s in %6llu pkts %9llu octets   out %6llu pkts %9llu octets\n", what,
              name.c_str(), static_cast<unsigned long long>(t.in_packets),
              static_cast<unsigned long long>(t.in_octets),
              static_cast<unsigned long long>(t.out_packets),
              static_cast<unsigned long long>(t.out_octets));
}

void PrintReport(const Engine& engine, const std::map<Verdict::Action, uint64_t>& verdicts,
                 const PcapTransport& transport) {
  const EngineCounters& c = engine.counters();
  std::printf("packets in:  %llu private, %llu public\n",
              static_cast<unsigned long long>(c.private_in),
              static_cast<unsigned long long>(c.public_in));
  std::printf("packets out: %llu public, %llu private\n",
              static_cast<unsigned long long>(transport.sent_public),
              static_cast<unsigned long long>(transport.delivered_private));
  const std::pair<Verdict::Action, const char*> names[] = {
      {Verdict::Action::kForward, "sent-public"},
      {Verdict::Action::kDeliver, "delivered"},
      {Verdict::Action::kConsumed, "consumed"},
      {Verdict::Action::kToControl, "to-control"},
      {Verdict::Action::kDrop, "dropped"}};
  std::printf("verdicts:");
  for (const auto& [action, name] : names) {
    auto it = verdicts.find(action);
    std::printf(" %s %llu", name,
                static_cast<unsigned long long>(it == verdicts.end() ? 0 : it->second));
  }
  std::printf("\ndrops by reason (%llu):\n", static_cast<unsigned long long>(c.total_drops()));
  for (size_t i = 1; i < kNumDropReasons; ++i) {
    if (c.drops[i] == 0) continue;
    std::string_view name = DropReasonName(static_cast<DropReason>(i));
    std::printf("  %-24.*s %llu\n", static_cast<int>(name.size()), name.data(),
                static_cast<unsigned long long>(c.drops[i]));
  }
  std::printf("traffic:\n");
  for (const auto& [sid, s] : engine.config().services) {
    if (std::optional<TrafficCounters> t = engine.ServiceTraffic(sid)) {
      PrintTraffic("service", std::to_string(sid), *t);
    }
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      if (std::optional<TrafficCounters> t = engine.SapTraffic(sid, i.sap->id)) {
        PrintTraffic("sap", i.sap->id.ToString(), *t);
      }
      if (i.sap->ip_tunnel) {
        config::TunnelKey key{sid, i.sap->ip_tunnel->name};
        if (std::optional<TrafficCounters> t = engine.IpTunnelTraffic(key)) {
          PrintTraffic("ip-tunnel", key.name, *t);
        }
      }
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        if (std::optional<TrafficCounters> tc = engine.IpsecTunnelTraffic({sid, name})) {
          PrintTraffic("ipsec-tunnel", name, *tc);
        }
      }
    }
  }
}

}  // namespace

int RunReplay(std::span<const std::string_view> args) {
  constexpr ArgOption kOptions[] = {{"service", true},     {"private-in", true},
                                    {"public-in", true},   {"public-out", true},
                                    {"private-out", true}, {"help", false}};
  absl::StatusOr<Args> a = Args::Parse(args, kOptions);
  if (!a.ok()) return Fail(std::string(a.status().message()));
  if (a->Has("help") || a->positionals().size() != 1) {
    std::FILE* out = a->Has("help") ? stdout : stderr;
    std::fprintf(out,
                 "usage: tunnelisa replay CONFIG --service ID [--private-in P.pcap] "
                 "[--public-in Q.pcap] [--public-out A.pcap] [--private-out B.pcap]\n");
    return a->Has("help") ? 0 : 2;
  }
  absl::StatusOr<std::optional<uint64_t>> service = a->GetUint("service", 2147483647);
  if (!service.ok()) return Fail(std::string(service.status().message()));
  if (!service->has_value()) return Fail("--service ID is required");

  const std::string config_path(a->positionals()[0]);
  std::ifstream file(config_path);
  if (!file.good()) return Fail("cannot read " + config_path);
  std::stringstream text;
  text << file.rdbuf();
  config::LoadResult loaded = config::LoadConfigText(text.str(), config_path);
  if (!loaded.ok()) {
    for (const config::Diagnostic& d : loaded.errors) {
      std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    return 2;
  }
  if (!loaded.config.services.contains(static_cast<uint32_t>(**service))) {
    return Fail(absl::StrFormat("service %d is not in %s", **service, config_path));
  }

  std::vector<Input> inputs;
  uint64_t skipped = 0;
  for (const auto& [option, is_private] : {std::pair{"private-in", true}, {"public-in", false}}) {
    if (std::optional<std::string_view> path = a->Value(option)) {
      absl::Status s = ReadInputs(std::string(*path), is_private, inputs, skipped);
      if (!s.ok()) return Fail(std::string(s.message()));
    }
  }
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& x, const Input& y) {
    if (x.timestamp_ns != y.timestamp_ns) return x.timestamp_ns < y.timestamp_ns;
    return x.is_private && !y.is_private;
  });

  PcapTransport transport;
  for (const auto& [option, writer] : {std::pair{"public-out", &transport.public_out},
                                       std::pair{"private-out", &transport.private_out}}) {
    if (std::optional<std::string_view> path = a->Value(option)) {
      absl::StatusOr<tools::PcapWriter> w = tools::PcapWriter::Create(std::string(*path));
      if (!w.ok()) return Fail(std::string(w.status().message()));
      writer->emplace(*std::move(w));
    }
  }
  std::unique_ptr<CryptoRegistry> registry = CryptoRegistry::CreateDefault();
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create({.crypto = registry.get(), .host = {.transport = &transport}});
  if (!engine.ok()) return Fail(std::string(engine.status().message()));
  const MonoTime start{inputs.empty() ? 0 : inputs.front().timestamp_ns};
  if (absl::Status s = (*engine)->ApplyConfig(loaded.config, start); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  std::printf("tunnelisa replay: %s, private side enters service %llu\n", config_path.c_str(),
              static_cast<unsigned long long>(**service));
  if (skipped > 0) {
    std::printf("skipped %llu non-IP records\n", static_cast<unsigned long long>(skipped));
  }

  std::map<Verdict::Action, uint64_t> verdicts;
  std::vector<uint8_t> buffer(kPacketHeadroom + kMaxIpPacketSize + kPacketTailroom);
  MonoTime next_timer = (*engine)->OnTimer(start);
  for (const Input& in : inputs) {
    const MonoTime now{in.timestamp_ns};
    transport.now_ns = in.timestamp_ns;
    if (now >= next_timer) next_timer = (*engine)->OnTimer(now);
    PacketRef p = PacketRef::WithHeadroom(buffer.data(), static_cast<uint32_t>(buffer.size()),
                                          static_cast<uint32_t>(kPacketHeadroom));
    std::copy(in.packet.begin(), in.packet.end(),
              p.Append(static_cast<uint32_t>(in.packet.size())));
    EngineVerdict v;
    if (in.is_private) {
      (*engine)->OnPrivatePackets(static_cast<uint32_t>(**service), {&p, 1}, {&v, 1}, now);
    } else {
      (*engine)->OnPublicPackets({&p, 1}, {&v, 1}, now);
    }
    ++verdicts[v.action];
  }
  PrintReport(**engine, verdicts, transport);
  for (std::optional<tools::PcapWriter>* w : {&transport.public_out, &transport.private_out}) {
    if (*w) {
      absl::Status s = (*w)->Close();
      if (transport.error.ok()) transport.error = s;
    }
  }
  if (!transport.error.ok()) return Fail(std::string(transport.error.message()));
  return 0;
}

}  // namespace tunnelisa::cli
