// EspDataplane's control path: installing, updating, querying and deleting SAs, lifetimes by
// time, and events.
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "dataplane/esp_dataplane_impl.h"
#include "dataplane/ip_header.h"

namespace tunnelisa {

using dataplane::Sa;

uint64_t DataplaneCounters::total_drops() const {
  uint64_t n = 0;
  for (size_t i = 1; i < drops.size(); ++i) n += drops[i];
  return n;
}

namespace {

absl::Status ValidateConfig(const SaConfig& c) {
  //= https://www.rfc-editor.org/rfc/rfc4303#section-2.1
  //# The set of SPI values in the range 1 through 255 are reserved by the Internet Assigned
  //# Numbers Authority (IANA) for future use
  if (c.spi < 256) {
    return absl::InvalidArgumentError(
        absl::StrFormat("spi 0x%x: SPIs 0..255 are reserved (RFC 4303 section 2.1)", c.spi));
  }
  const EncryptionInfo& e = GetEncryptionInfo(c.suite.enc);
  const IntegrityInfo& i = GetIntegrityInfo(c.suite.integ);
  if (e.aead && c.suite.integ != IntegrityAlgorithm::kNone) {
    return absl::InvalidArgumentError(
        StrCat(e.name, " is an AEAD cipher: it takes no integrity algorithm"));
  }
  if (!e.aead && c.suite.integ == IntegrityAlgorithm::kNone) {
    return absl::InvalidArgumentError(
        StrCat(e.name, " without an integrity algorithm: ESP with authentication is required"));
  }
  if (c.enc_key.size() != e.keymat_size()) {
    return absl::InvalidArgumentError(StrCat("enc-key: ", e.name, " needs ", e.keymat_size(),
                                             " bytes", e.salt_size ? " (key + 4-byte salt)" : "",
                                             ", got ", c.enc_key.size()));
  }
  if (c.auth_key.size() != i.key_size) {
    return absl::InvalidArgumentError(
        StrCat("auth-key: ", i.name, " needs ", i.key_size, " bytes, got ", c.auth_key.size()));
  }
  if (!c.local.is_set() || !c.remote.is_set()) {
    return absl::InvalidArgumentError("local and remote tunnel addresses are required");
  }
  if (c.local.family() != c.remote.family()) {
    return absl::InvalidArgumentError("local and remote tunnel addresses differ in family");
  }
  if (c.replay_window != 0 &&
      (c.replay_window < kMinReplayWindow || c.replay_window > kMaxReplayWindow)) {
    return absl::InvalidArgumentError(StrCat("replay window ", c.replay_window,
                                             ": must be 0 (off) or ", kMinReplayWindow, "..",
                                             kMaxReplayWindow));
  }
  if (c.dscp && *c.dscp > 63) {
    return absl::InvalidArgumentError(StrCat("dscp ", *c.dscp, ": must be 0..63"));
  }
  auto over = [](uint64_t soft, uint64_t hard) { return soft != 0 && hard != 0 && soft > hard; };
  if (over(c.soft_lifetime.bytes, c.hard_lifetime.bytes) ||
      over(c.soft_lifetime.packets, c.hard_lifetime.packets) ||
      (c.soft_lifetime.time.ns != 0 && c.hard_lifetime.time.ns != 0 &&
       c.soft_lifetime.time > c.hard_lifetime.time)) {
    return absl::InvalidArgumentError("a soft lifetime exceeds its hard lifetime");
  }
  if (c.soft_lifetime.time.ns < 0 || c.hard_lifetime.time.ns < 0) {
    return absl::InvalidArgumentError("lifetimes must not be negative");
  }
  return absl::OkStatus();
}

uint64_t LimitOrMax(uint64_t v) { return v == 0 ? UINT64_MAX : v; }

}  // namespace

namespace dataplane {

void BuildOuterTemplate(Sa& sa) {
  SaHot& h = sa.hot;
  const SaConfig& c = sa.config;
  uint8_t* t = h.header_template.data();
  std::memset(t, 0, h.header_template.size());
  size_t ip_len;
  if (c.local.is_v4()) {
    t[0] = 0x45;
    t[8] = c.ttl;
    t[9] = c.udp_encap ? kProtoUdp : kProtoEsp;
    std::memcpy(t + 12, c.local.bytes(), 4);
    std::memcpy(t + 16, c.remote.bytes(), 4);
    ip_len = kIpv4HeaderSize;
  } else {
    t[0] = 0x60;
    t[6] = c.udp_encap ? kProtoUdp : kProtoEsp;
    t[7] = c.ttl;
    std::memcpy(t + 8, c.local.bytes(), 16);
    std::memcpy(t + 24, c.remote.bytes(), 16);
    ip_len = kIpv6HeaderSize;
  }
  if (c.udp_encap) {
    Store16(t + ip_len, c.udp_encap->local_port);
    Store16(t + ip_len + 2, c.udp_encap->remote_port);
    ip_len += kUdpHeaderSize;
  }
  h.header_size = static_cast<uint8_t>(ip_len);
  // The IPv4 header's fixed words (TOS, length, ID, flags and checksum are still zero here).
  h.template_sum = 0;
  if (c.local.is_v4()) {
    for (size_t i = 0; i < kIpv4HeaderSize; i += 2) h.template_sum += Load16(t + i);
  }
  h.udp = c.udp_encap.has_value();
  h.outer_v6 = c.local.is_v6();
}

}  // namespace dataplane

absl::StatusOr<SaHandle> EspDataplane::Impl::Install(SaConfig config, MonoTime now) {
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  CryptoBackend* backend = nullptr;
  if (!config.backend.empty()) {
    backend = options_.crypto->Find(config.backend);
    if (backend == nullptr) {
      return absl::NotFoundError(StrCat("no crypto backend '", config.backend, "'"));
    }
    if (!options_.crypto->Supported(config.backend, config.suite)) {
      return absl::UnavailableError(StrCat("crypto backend '", config.backend,
                                           "' does not support ",
                                           GetEncryptionInfo(config.suite.enc).name, "/",
                                           GetIntegrityInfo(config.suite.integ).name));
    }
  } else {
    absl::StatusOr<CryptoBackend*> b = options_.crypto->Select(config.suite);
    if (!b.ok()) return b.status();
    backend = *b;
  }
  const bool outbound = config.direction == SaDirection::kOutbound;
  if (!outbound) {
    if (absl::Status s = sad_.CheckInboundKeyFree(config.spi, config.local); !s.ok()) return s;
  }
  absl::StatusOr<std::unique_ptr<EspKey>> key =
      backend->CreateKey(config.suite, config.enc_key.span(), config.auth_key.span(),
                         outbound ? CryptoDirection::kSeal : CryptoDirection::kOpen);
  if (!key.ok()) return key.status();

  Sa* sa = sad_.Allocate();
  sa->hot.index = sa->handle.index;
  const EncryptionInfo& e = GetEncryptionInfo(config.suite.enc);
  dataplane::SaHot& h = sa->hot;
  h.key = key->get();
  h.backend = backend;
  h.spi = config.spi;
  h.iv_size = e.iv_size;
  h.icv_size = config.suite.icv_size();
  h.block_size = e.block_size;
  h.aead = e.aead;
  h.outbound = outbound;
  h.esn = config.esn;
  h.dscp = config.dscp ? *config.dscp : 0xff;
  h.df = config.df;
  h.has_selectors = !config.local_selectors.empty() || !config.remote_selectors.empty();
  h.soft_packets = LimitOrMax(config.soft_lifetime.packets);
  h.hard_packets = LimitOrMax(config.hard_lifetime.packets);
  h.soft_bytes = LimitOrMax(config.soft_lifetime.bytes);
  h.hard_bytes = LimitOrMax(config.hard_lifetime.bytes);
  if (config.soft_lifetime.time.ns > 0) sa->soft_deadline = now + config.soft_lifetime.time;
  if (config.hard_lifetime.time.ns > 0) sa->hard_deadline = now + config.hard_lifetime.time;
  h.hard_deadline_ns = sa->hard_deadline.ns;
  if (!outbound && (config.replay_window != 0 || config.esn)) {
    sa->replay.Configure(config.replay_window, config.esn);
    h.replay_on = true;
    h.replay_window = config.replay_window;
  }
  sa->key_owner = *std::move(key);
  sa->installed_at = now;
  sa->config = std::move(config);
  dataplane::BuildOuterTemplate(*sa);

  sad_.Publish(*sa);
  ScheduleDeadlines(*sa);
  return sa->handle;
}

void EspDataplane::Impl::ScheduleDeadlines(Sa& sa) {
  if (!sa.soft_deadline.is_infinite()) {
    deadlines_.insert({sa.soft_deadline.ns, sa.handle.index, sa.handle.generation, false});
  }
  if (!sa.hard_deadline.is_infinite()) {
    deadlines_.insert({sa.hard_deadline.ns, sa.handle.index, sa.handle.generation, true});
  }
}

absl::Status EspDataplane::Impl::Update(SaHandle handle, const SaUpdate& update) {
  Sa* sa = sad_.Get(handle);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle (deleted?)");
  if (update.remote) {
    if (update.remote->family() != sa->config.local.family()) {
      return absl::InvalidArgumentError("new remote address differs in family from local");
    }
  }
  if (update.last_sequence) {
    if (sa->config.direction != SaDirection::kOutbound) {
      return absl::InvalidArgumentError("last_sequence applies to outbound SAs only");
    }
    if (*update.last_sequence < sa->hot.seq || *update.last_sequence > sa->hot.seq_limit()) {
      return absl::InvalidArgumentError(
          StrCat("last_sequence ", *update.last_sequence, " must be in [", sa->hot.seq, ", ",
                 sa->hot.seq_limit(), "]: sequence numbers never go back or past the limit"));
    }
  }
  if (update.remote) sa->config.remote = *update.remote;
  if (update.udp_encap) sa->config.udp_encap = *update.udp_encap;
  if (update.last_sequence) sa->hot.seq = *update.last_sequence;
  dataplane::BuildOuterTemplate(*sa);
  return absl::OkStatus();
}

absl::StatusOr<SaStats> EspDataplane::Impl::Query(SaHandle handle) const {
  const Sa* sa = sad_.Get(handle);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle (deleted?)");
  SaStats s;
  s.spi = sa->config.spi;
  s.direction = sa->config.direction;
  s.packets = sa->hot.packets;
  s.bytes = sa->hot.bytes;
  s.last_sequence = sa->hot.replay_on ? sa->replay.top() : sa->hot.seq;
  s.drops = sa->drops;
  if (const dataplane::InboundRecord* r = sad_.RecordOf(*sa)) {
    for (size_t k = 0; k < dataplane::InboundRecord::kNumCounted; ++k) {
      s.drops[static_cast<size_t>(dataplane::InboundRecord::kReasons[k])] += r->drops[k];
    }
  }
  s.soft_expired = sa->hot.soft_fired;
  s.hard_expired = sa->hot.expired;
  s.installed_at = sa->installed_at;
  s.last_used = MonoTime{sa->hot.last_used_ns};
  return s;
}

absl::Status EspDataplane::Impl::Delete(SaHandle handle) { return sad_.Remove(handle); }

absl::Status EspDataplane::Impl::SetNextIv(SaHandle handle, std::span<const uint8_t> iv) {
  Sa* sa = sad_.Get(handle);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle");
  if (iv.size() != sa->hot.iv_size) {
    return absl::InvalidArgumentError(StrCat("IV must be ", sa->hot.iv_size, " bytes"));
  }
  std::memcpy(sa->hot.next_iv.data(), iv.data(), iv.size());
  sa->hot.iv_override = true;
  return absl::OkStatus();
}

void EspDataplane::Impl::Expire(Sa& sa, LifetimeKind kind, bool hard, MonoTime now) {
  dataplane::SaHot& h = sa.hot;
  if (hard) {
    if (!h.expired) {
      // Inbound: the pre-crypto checks read the record's deadline, not `expired`.
      if (dataplane::InboundRecord* r = sad_.RecordOf(sa)) r->hard_deadline_ns = INT64_MIN;
    }
    h.expired = true;
    if (h.hard_fired) return;
    h.hard_fired = true;
  } else {
    if (h.soft_fired || h.hard_fired) return;
    h.soft_fired = true;
  }
  pending_events_.push_back(
      {sa.handle, sa.config.spi, sa.config.direction, kind, hard, sa.config.cookie, now});
}

void EspDataplane::Impl::FlushEvents() {
  if (pending_events_.empty()) return;
  if (options_.events != nullptr) {
    for (const SaLifetimeEvent& e : pending_events_) options_.events->OnSaLifetime(e);
  }
  pending_events_.clear();
}

MonoTime EspDataplane::Impl::OnTimer(MonoTime now) {
  while (!deadlines_.empty() && deadlines_.begin()->at <= now.ns) {
    Deadline d = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    Sa* sa = sad_.Get({d.index, d.generation});
    if (sa != nullptr) Expire(*sa, LifetimeKind::kTime, d.hard, now);
  }
  FlushEvents();
  return deadlines_.empty() ? MonoTime::Infinite() : MonoTime{deadlines_.begin()->at};
}

// ---- public facade ----

absl::StatusOr<std::unique_ptr<EspDataplane>> EspDataplane::Create(
    const DataplaneOptions& options) {
  if (options.crypto == nullptr) {
    return absl::InvalidArgumentError("DataplaneOptions.crypto is required");
  }
  return std::unique_ptr<EspDataplane>(new EspDataplane(std::make_unique<Impl>(options)));
}

EspDataplane::EspDataplane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EspDataplane::~EspDataplane() = default;

absl::StatusOr<SaHandle> EspDataplane::Install(SaConfig config, MonoTime now) {
  return impl_->Install(std::move(config), now);
}
absl::Status EspDataplane::Update(SaHandle sa, const SaUpdate& update) {
  return impl_->Update(sa, update);
}
absl::StatusOr<SaStats> EspDataplane::Query(SaHandle sa) const { return impl_->Query(sa); }
absl::Status EspDataplane::Delete(SaHandle sa) { return impl_->Delete(sa); }
void EspDataplane::Encrypt(SaHandle sa, std::span<PacketRef> packets, std::span<Verdict> verdicts,
                           MonoTime now) {
  impl_->Encrypt(sa, packets, verdicts, now);
}
void EspDataplane::EncryptEach(std::span<const SaHandle> sas, std::span<PacketRef> packets,
                               std::span<Verdict> verdicts, MonoTime now) {
  impl_->EncryptEach(sas, packets, verdicts, now);
}
void EspDataplane::Decrypt(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
                           InboundFormat format) {
  impl_->Decrypt(packets, verdicts, now, format);
}
MonoTime EspDataplane::OnTimer(MonoTime now) { return impl_->OnTimer(now); }
std::optional<SaHandle> EspDataplane::FindInbound(uint32_t spi,
                                                  const IpAddress& destination) const {
  return impl_->sad().FindInbound(spi, destination);
}
const DataplaneCounters& EspDataplane::counters() const { return impl_->counters(); }
size_t EspDataplane::sa_count() const { return impl_->sad().size(); }
absl::Status EspDataplane::SetNextIvForTest(SaHandle sa, std::span<const uint8_t> iv) {
  return impl_->SetNextIv(sa, iv);
}

}  // namespace tunnelisa
