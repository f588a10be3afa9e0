// IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.10, 2.23): both roles, with COOKIE, INVALID_KE_PAYLOAD,
// NAT detection and the IKE SA key derivation.
#include <openssl/crypto.h>

#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/codec/rules.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

constexpr int kMaxInitAttempts = 4;  // INVALID_KE / COOKIE restarts of one initiation

// NatHash: SHA-1(SPIi | SPIr | IP | Port) (RFC 7296 2.23).
std::vector<uint8_t> NatHash(const IkeCryptoProvider& crypto, uint64_t spi_i, uint64_t spi_r,
                             const IkeEndpoint& e) {
  std::vector<uint8_t> in;
  in.reserve(8 + 8 + 16 + 2);  // one allocation, not one per doubling
  PutBe64(spi_i, in);
  PutBe64(spi_r, in);
  std::span<const uint8_t> addr(e.address.bytes(), e.address.size());
  in.insert(in.end(), addr.begin(), addr.end());
  in.push_back(static_cast<uint8_t>(e.port >> 8));
  in.push_back(static_cast<uint8_t>(e.port));
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
  //# The data associated with these Notify types is the SHA-1 digest of the SPIs (in the
  //# order they appear in the header), IP address, and port from which this packet was sent.
  absl::StatusOr<std::vector<uint8_t>> out = crypto.Hash(pki::HashAlgorithm::kSha1, in);
  // A provider that cannot hash yields a value that matches nothing: NAT is assumed.
  if (!out.ok() || out->size() != kNatDetectionHashSize) {
    return std::vector<uint8_t>(kNatDetectionHashSize, 0xff);
  }
  return *std::move(out);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SkProtector>> IkeManager::MakeProtector(const SkSuite& suite,
                                                                       const crypto::IkeSaKeys& k,
                                                                       bool initiator) {
  // The original initiator sends with SK_ei / SK_ai and receives with SK_er / SK_ar.
  SkKeys keys = initiator
                    ? SkKeys{k.sk_ei.Clone(), k.sk_ai.Clone(), k.sk_er.Clone(), k.sk_ar.Clone()}
                    : SkKeys{k.sk_er.Clone(), k.sk_ar.Clone(), k.sk_ei.Clone(), k.sk_ai.Clone()};
  absl::StatusOr<std::unique_ptr<SkProtector>> p =
      SkProtector::Create(suite, std::move(keys), &host_random_);
  if (p.ok() && options_.null_crypto_for_fuzzing) (void)(*p)->EnableNullCryptoForFuzzing();
  return p;
}

void IkeManager::AddNatDetection(const IkeSa& sa, std::vector<Payload>& out) const {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
  //# The data associated with the NAT_DETECTION_SOURCE_IP notification is a SHA-1 digest of
  //# the SPIs (in the order they appear in the header), IP address, and port from which this
  //# packet was sent.
  //# The data associated with the NAT_DETECTION_DESTINATION_IP notification is a SHA-1
  //# digest of the SPIs (in the order they appear in the header), IP address, and port to
  //# which this packet was sent.
  out.push_back(Payload::Make(PayloadType::kNotify,
                              NotifyPayload::Of(NotifyType::kNatDetectionSourceIp,
                                                NatHash(crypto_, sa.spi_i, sa.spi_r, sa.local))));
  out.push_back(Payload::Make(PayloadType::kNotify,
                              NotifyPayload::Of(NotifyType::kNatDetectionDestinationIp,
                                                NatHash(crypto_, sa.spi_i, sa.spi_r, sa.remote))));
}

// NatDetection: evaluates the peer's NAT_DETECTION_* notifies. Returns whether the peer sent
// them (it supports NAT-T).
bool IkeManager::NatDetection(IkeSa& sa, const Received& in) {
  const Header& h = in.message.header;
  // The hashes in the request were computed with SPIr = 0.
  const uint64_t spi_r = h.response() ? h.responder_spi : 0;
  bool seen = false;
  bool source_matches = false;
  bool dest_matches = false;
  const std::vector<uint8_t> our_dest = NatHash(crypto_, h.initiator_spi, spi_r, in.local);
  const std::vector<uint8_t> peer_source = NatHash(crypto_, h.initiator_spi, spi_r, in.remote);
  for (const Payload& p : in.message.payloads) {
    const NotifyPayload* n = p.As<NotifyPayload>();
    if (n == nullptr) continue;
    if (n->type == NotifyType::kNatDetectionSourceIp) {
      seen = true;
      source_matches = source_matches || n->data == peer_source;
    } else if (n->type == NotifyType::kNatDetectionDestinationIp) {
      seen = true;
      dest_matches = dest_matches || n->data == our_dest;
    }
  }
  if (!seen) return false;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
  //# If none of the NAT_DETECTION_SOURCE_IP payload(s) received matches the expected value of
  //# the source IP and port found from the IP header of the packet containing the payload, it
  //# means that the system sending those payloads is behind a NAT
  sa.nat_remote = !source_matches;
  sa.nat_local = !dest_matches;
  return true;
}

std::vector<uint8_t> IkeManager::CookieFor(const Received& in, std::span<const uint8_t> nonce_i) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.6
  //# Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
  std::vector<uint8_t> data(nonce_i.begin(), nonce_i.end());
  std::span<const uint8_t> addr(in.remote.address.bytes(), in.remote.address.size());
  data.insert(data.end(), addr.begin(), addr.end());
  PutBe64(in.message.header.initiator_spi, data);
  data.insert(data.end(), cookie_secret_.data(), cookie_secret_.data() + cookie_secret_.size());
  absl::StatusOr<std::vector<uint8_t>> digest = crypto_.Hash(pki::HashAlgorithm::kSha256, data);
  OPENSSL_cleanse(data.data(), data.size());
  // Empty when the provider cannot hash: RespondInit then refuses the request.
  if (!digest.ok() || digest->size() != 32) return {};
  std::vector<uint8_t> cookie(1 + 32);
  cookie[0] = 1;  // version of the secret
  std::copy(digest->begin(), digest->end(), cookie.begin() + 1);
  return cookie;
}

absl::Status IkeManager::StartInitiator(const IkePeerConfig& peer, MonoTime now) {
  auto sa = std::make_unique<IkeSa>();
  sa->peer = peer.id;
  sa->initiator = true;
  sa->spi_i = NewSpi();
  sa->local = {peer.local, kIkePort};
  sa->remote = {peer.remote, peer.remote_port};
  sa->natt = peer.remote_port != kIkePort;  // a non-standard port always carries the marker
  if (sa->natt) sa->local.port = kNatTPort;
  sa->dh_group = peer.ike.dh_group;
  sa->created = now;
  sa->last_heard = now;
  IkeSa& ref = AddSa(std::move(sa));
  LogLine(LogLevel::kInfo, StrCat("IKE: ", peer.name, ": initiating to ", peer.remote.ToString()));
  SendInitRequest(ref, now);
  return absl::OkStatus();
}

void IkeManager::SendInitRequest(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  // A retry with a COOKIE keeps the nonce and KE (RFC 7296 2.6: "all other payloads
  // unchanged"); only a new DH group makes new ones.
  if (sa.dh == nullptr || sa.dh->group() != sa.dh_group) {
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(sa.dh_group);
    if (!dh.ok()) {
      RemoveSa(sa, StrCat("DH group ", static_cast<int>(sa.dh_group), ": ", dh.status().message()),
               now);
      return;
    }
    sa.dh = *std::move(dh);
    sa.nonce_i.assign(kNonceSize, 0);
    host_->RandomBytes(sa.nonce_i);
  }
  std::vector<Payload> out;
  out.reserve(kHandshakePayloads);
  if (!sa.cookie.empty()) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.6
    //# If the IKE_SA_INIT response includes the COOKIE notification, the initiator MUST then
    //# retry the IKE_SA_INIT request, and include the COOKIE notification containing the
    //# received data as the first payload, and all other payloads unchanged.
    out.push_back(
        Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kCookie, sa.cookie)));
  }
  IkeCryptoPolicy policy = peer->ike;
  policy.dh_group = sa.dh_group;
  SaPayload offer = OfferIke(policy, {});
  out.push_back(Payload::Make(PayloadType::kSa, offer));
  out.push_back(Payload::Make(
      PayloadType::kKe, KePayload{static_cast<uint16_t>(sa.dh_group), sa.dh->public_value()}));
  out.push_back(Payload::Make(PayloadType::kNonce, NoncePayload{sa.nonce_i}));
  sa.spi_r = 0;
  AddNatDetection(sa, out);
  out.push_back(Payload::Make(PayloadType::kNotify,
                              NotifyPayload::Of(NotifyType::kIkev2FragmentationSupported)));
  AddSignatureHashes(*peer, out);
  Message m;
  m.header.initiator_spi = sa.spi_i;
  m.header.exchange_type = static_cast<uint8_t>(ExchangeType::kIkeSaInit);
  m.header.flags = kFlagInitiator;
  m.header.message_id = 0;
  m.payloads = std::move(out);
  absl::StatusOr<std::vector<uint8_t>> bytes = m.Serialize();
  if (!bytes.ok()) {
    RemoveSa(sa, StrCat("cannot build IKE_SA_INIT: ", bytes.status().message()), now);
    return;
  }
  sa.init_request = *std::move(bytes);
  sa.state = IkeState::kInitSent;
  sa.next_message_id = 1;
  sa.request = OutstandingRequest{};
  sa.request.kind = RequestKind::kIkeSaInit;
  sa.request.message_id = 0;
  sa.request.offered = std::move(offer);
  sa.request.timeout = options_.retransmit_timeout;
  sa.request.max_retransmits = options_.max_retransmits;
  sa.request.next_send = now + sa.request.timeout;
  SendRaw(sa.local, sa.remote, sa.natt, sa.init_request);
}

void IkeManager::ProcessInitResponse(IkeSa& sa, const Received& in, std::span<const uint8_t> raw,
                                     MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const Message& m = in.message;
  if (absl::Status rules = CheckRules(m, {}); !rules.ok()) {
    ++stats_.dropped;
    return;  // unauthenticated garbage: keep waiting for a real answer
  }
  if (const NotifyPayload* cookie = m.FindNotify(NotifyType::kCookie);
      cookie != nullptr && m.Find(PayloadType::kSa) == nullptr) {
    if (++sa.init_attempts > kMaxInitAttempts) {
      RemoveSa(sa, "responder keeps asking for cookies", now);
      return;
    }
    sa.cookie = cookie->data;
    SendInitRequest(sa, now);
    return;
  }
  if (const NotifyPayload* ke = m.FindNotify(NotifyType::kInvalidKePayload);
      ke != nullptr && m.Find(PayloadType::kSa) == nullptr) {
    std::optional<uint16_t> group = ke->accepted_group();
    std::string detail = StrCat("peer wants DH group ", group ? *group : 0, ", ike-policy has ",
                                static_cast<int>(peer->ike.dh_group));
    //= https://www.rfc-editor.org/rfc/rfc7296#section-1.2
    //# the initiator MUST retry the IKE_SA_INIT with the corrected Diffie-Hellman group
    // We offer one group (the ike-policy's), so a different one can only be refused.
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    RemoveSa(sa, detail, now);
    return;
  }
  for (const Payload& p : m.payloads) {
    const NotifyPayload* n = p.As<NotifyPayload>();
    if (n != nullptr && n->is_error()) {
      std::string detail = StrCat("IKE_SA_INIT refused: ", NotifyTypeName(n->type));
      Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
      RemoveSa(sa, detail, now);
      return;
    }
  }
  const SaPayload* reply = FindBody<SaPayload>(m.payloads, PayloadType::kSa);
  const KePayload* ke = FindBody<KePayload>(m.payloads, PayloadType::kKe);
  const NoncePayload* nonce = FindBody<NoncePayload>(m.payloads, PayloadType::kNonce);
  if (reply == nullptr || ke == nullptr || nonce == nullptr || m.header.responder_spi == 0) {
    ++stats_.dropped;
    return;
  }
  absl::StatusOr<NegotiatedIke> negotiated = AcceptIkeReply(*reply, sa.request.offered);
  if (!negotiated.ok() || ke->dh_group != static_cast<uint16_t>(negotiated->dh_group)) {
    std::string detail =
        StrCat("bad IKE_SA_INIT reply: ", negotiated.ok() ? "KE group differs from the chosen one"
                                                          : negotiated.status().message());
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    RemoveSa(sa, detail, now);
    return;
  }
  sa.negotiated = *std::move(negotiated);
  sa.spi_r = m.header.responder_spi;
  sa.nonce_r = nonce->nonce;
  sa.init_response.assign(raw.begin(), raw.end());
  sa.peer_fragmentation = m.FindNotify(NotifyType::kIkev2FragmentationSupported) != nullptr;
  sa.peer_signature_hashes = PeerSignatureHashes(m.payloads);
  NatDetection(sa, in);
  if (absl::Status s = DeriveKeys(sa, ke->data); !s.ok()) {
    std::string detail = StrCat("key exchange failed: ", s.message());
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    RemoveSa(sa, detail, now);
    return;
  }
  sa.request = OutstandingRequest{};
  sa.last_heard = now;
  SendAuthRequest(sa, now);
}

absl::Status IkeManager::DeriveKeys(IkeSa& sa, std::span<const uint8_t> peer_ke) {
  absl::StatusOr<SecretBytes> shared = sa.dh->Derive(peer_ke);
  if (!shared.ok()) return shared.status();
  absl::StatusOr<SkSuite> suite =
      SkSuiteFromConfig(sa.negotiated.encryption, sa.negotiated.integrity).has_value()
          ? absl::StatusOr<SkSuite>(
                *SkSuiteFromConfig(sa.negotiated.encryption, sa.negotiated.integrity))
          : absl::StatusOr<SkSuite>(absl::InvalidArgumentError("unsupported IKE cipher"));
  if (!suite.ok()) return suite.status();
  absl::StatusOr<SkSizes> sizes = SkSizesFor(*suite);
  if (!sizes.ok()) return sizes.status();
  const auto prf = static_cast<crypto::PrfAlgorithm>(sa.negotiated.prf_id);
  absl::StatusOr<crypto::IkeSaKeys> keys = crypto::DeriveIkeSaKeys(
      crypto_, prf, {.integrity = sizes->integ_key, .encryption = sizes->encr_key}, sa.nonce_i,
      sa.nonce_r, shared->span(), SpiBytes(sa.spi_i), SpiBytes(sa.spi_r));
  if (!keys.ok()) return keys.status();
  sa.keys = *std::move(keys);
  absl::StatusOr<std::unique_ptr<SkProtector>> p = MakeProtector(*suite, sa.keys, sa.initiator);
  if (!p.ok()) return p.status();
  sa.protector = *std::move(p);
  sa.dh.reset();  // the private key is not needed any more
  ReportKeys(sa);
  // The protector holds its own copies of SK_e / SK_a; the IKE SA keeps only what later
  // exchanges derive from (SK_d) and AUTH needs (SK_p, until ReleaseHandshakeState).
  sa.keys.sk_ei = SecretBytes();
  sa.keys.sk_er = SecretBytes();
  sa.keys.sk_ai = SecretBytes();
  sa.keys.sk_ar = SecretBytes();
  return absl::OkStatus();
}

void IkeManager::ReportKeys(const IkeSa& sa) {
  host_->IkeSaKeysDerived(sa.peer, {.spi_i = sa.spi_i,
                                    .spi_r = sa.spi_r,
                                    .encryption = sa.negotiated.encryption,
                                    .integrity = sa.negotiated.integrity,
                                    .sk_ei = sa.keys.sk_ei,
                                    .sk_er = sa.keys.sk_er,
                                    .sk_ai = sa.keys.sk_ai,
                                    .sk_ar = sa.keys.sk_ar});
}

void IkeManager::SendNotifyOnly(const Received& in, NotifyType type,
                                std::span<const uint8_t> data) {
  Message m;
  m.header.initiator_spi = in.message.header.initiator_spi;
  m.header.responder_spi = 0;
  m.header.exchange_type = static_cast<uint8_t>(ExchangeType::kIkeSaInit);
  m.header.flags = kFlagResponse;
  m.header.message_id = 0;
  NotifyPayload n = NotifyPayload::Of(type, data);
  m.payloads.push_back(Payload::Make(PayloadType::kNotify, std::move(n)));
  absl::StatusOr<std::vector<uint8_t>> bytes = m.Serialize();
  if (bytes.ok()) SendRaw(in.local, in.remote, in.natt_port, *bytes);
}

void IkeManager::HandleInitRequest(const Received& in, std::span<const uint8_t> raw, MonoTime now) {
  const Header& h = in.message.header;
  if (h.message_id != 0 || h.responder_spi != 0 || !h.initiator() || h.initiator_spi == 0) {
    ++stats_.dropped;
    return;
  }
  // A retransmitted IKE_SA_INIT: answer with the same response (RFC 7296 2.1).
  if (auto it = half_open_.find({h.initiator_spi, in.remote.address}); it != half_open_.end()) {
    auto sa = sas_.find(it->second);
    if (sa != sas_.end() && sa->second->state == IkeState::kInitReceived &&
        std::equal(raw.begin(), raw.end(), sa->second->init_request.begin(),
                   sa->second->init_request.end())) {
      ++stats_.responses_replayed;
      SendRaw(sa->second->local, sa->second->remote, sa->second->natt, sa->second->init_response);
    } else {
      ++stats_.dropped;
    }
    return;
  }
  // Static tunnels answer only their configured peer (the guide's "Security").
  // A static tunnel for exactly this peer first, else an ipsec-gw on this address (any peer;
  // its ID and PSK are checked in IKE_AUTH).
  const IkePeerConfig* peer = responder_peers_.Find(in.local.address, in.remote.address);
  if (peer == nullptr) {
    ++stats_.dropped;
    return;
  }
  // DoS protection: a hard cap on half-open SAs, and COOKIEs above a threshold or a per-peer
  // rate (RFC 7296 2.6).
  if (half_open_.size() >= options_.half_open_limit) {
    ++stats_.half_open_refused;
    return;
  }
  const int64_t second = now.ns / 1000000000;
  // Bounded memory under a spoofed flood; cleared before the entry is taken, which a clear()
  // would otherwise leave dangling.
  if (init_rate_.size() > 4096) init_rate_.clear();
  auto& [rate_second, rate_count] = init_rate_[in.remote.address];
  if (rate_second != second) {
    rate_second = second;
    rate_count = 0;
  }
  ++rate_count;
  if (absl::Status rules = CheckRules(in.message, {}); !rules.ok()) {
    ++stats_.dropped;
    return;
  }
  const NoncePayload* nonce = FindBody<NoncePayload>(in.message.payloads, PayloadType::kNonce);
  const SaPayload* offered = FindBody<SaPayload>(in.message.payloads, PayloadType::kSa);
  const KePayload* ke = FindBody<KePayload>(in.message.payloads, PayloadType::kKe);
  if (nonce == nullptr || offered == nullptr || ke == nullptr) {
    ++stats_.dropped;
    return;
  }
  if (half_open_.size() >= options_.cookie_threshold || rate_count > options_.init_rate_per_peer) {
    std::vector<uint8_t> expected = CookieFor(in, nonce->nonce);
    if (expected.empty()) {
      ++stats_.half_open_refused;
      return;
    }
    const NotifyPayload* cookie = in.message.FindNotify(NotifyType::kCookie);
    if (cookie == nullptr || cookie->data.size() != expected.size() ||
        CRYPTO_memcmp(cookie->data.data(), expected.data(), expected.size()) != 0) {
      ++stats_.cookies_sent;
      SendNotifyOnly(in, NotifyType::kCookie, expected);
      return;
    }
  }
  absl::StatusOr<NegotiatedIke> chosen = SelectIke(*offered, peer->ike);
  if (!chosen.ok()) {
    LogLine(LogLevel::kWarning, StrCat("IKE: ", peer->name, ": ", chosen.status().message()));
    IkeSa probe;
    probe.peer = peer->id;
    probe.remote = in.remote;
    probe.spi_i = h.initiator_spi;
    Emit(IkeEventKind::kNegotiationFailed, probe, std::string(chosen.status().message()), now);
    SendNotifyOnly(in, NotifyType::kNoProposalChosen, {});
    return;
  }
  if (ke->dh_group != static_cast<uint16_t>(chosen->dh_group)) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.4
    //# If the selected proposal uses a different Diffie-Hellman group (other than NONE), the
    //# message MUST be rejected with a Notify payload of type INVALID_KE_PAYLOAD.
    const uint16_t g = static_cast<uint16_t>(chosen->dh_group);
    const uint8_t data[2] = {static_cast<uint8_t>(g >> 8), static_cast<uint8_t>(g)};
    SendNotifyOnly(in, NotifyType::kInvalidKePayload, data);
    return;
  }
  auto owned = std::make_unique<IkeSa>();
  IkeSa& sa = *owned;
  sa.peer = peer->id;
  sa.initiator = false;
  sa.spi_i = h.initiator_spi;
  sa.spi_r = NewSpi();
  sa.local = in.local;
  sa.remote = in.remote;
  sa.natt = in.natt_port;
  sa.created = now;
  sa.last_heard = now;
  sa.negotiated = *std::move(chosen);
  sa.dh_group = sa.negotiated.dh_group;
  sa.nonce_i = nonce->nonce;
  sa.nonce_r.assign(kNonceSize, 0);
  host_->RandomBytes(sa.nonce_r);
  sa.peer_fragmentation =
      in.message.FindNotify(NotifyType::kIkev2FragmentationSupported) != nullptr;
  sa.peer_signature_hashes = PeerSignatureHashes(in.message.payloads);
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(sa.dh_group);
  if (!dh.ok()) {
    ++stats_.dropped;
    return;
  }
  sa.dh = *std::move(dh);
  std::vector<uint8_t> our_ke = sa.dh->public_value();
  const bool peer_natt = NatDetection(sa, in);
  if (absl::Status s = DeriveKeys(sa, ke->data); !s.ok()) {
    // RFC 6989 section 2 (paraphrased): a received Diffie-Hellman public value must pass the
    // group membership test for its group before it is used; a value that fails is refused.
    LogLine(LogLevel::kWarning, StrCat("IKE: ", peer->name, ": bad KE: ", s.message()));
    ++stats_.dropped;
    SendNotifyOnly(in, NotifyType::kInvalidSyntax, {});
    return;
  }
  std::vector<Payload> out;
  out.reserve(kHandshakePayloads);
  out.push_back(Payload::Make(PayloadType::kSa, SaPayload{{sa.negotiated.chosen}}));
  out.push_back(Payload::Make(PayloadType::kKe,
                              KePayload{static_cast<uint16_t>(sa.dh_group), std::move(our_ke)}));
  out.push_back(Payload::Make(PayloadType::kNonce, NoncePayload{sa.nonce_r}));
  if (peer_natt) AddNatDetection(sa, out);
  if (sa.peer_fragmentation) {
    out.push_back(Payload::Make(PayloadType::kNotify,
                                NotifyPayload::Of(NotifyType::kIkev2FragmentationSupported)));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-1.2
  //# HDR, SAr1, KEr, Nr, [CERTREQ]
  AddCertRequest(*peer, out);
  AddSignatureHashes(*peer, out);
  Message m;
  m.header.initiator_spi = sa.spi_i;
  m.header.responder_spi = sa.spi_r;
  m.header.exchange_type = static_cast<uint8_t>(ExchangeType::kIkeSaInit);
  m.header.flags = kFlagResponse;
  m.payloads = std::move(out);
  absl::StatusOr<std::vector<uint8_t>> bytes = m.Serialize();
  if (!bytes.ok()) {
    ++stats_.dropped;
    return;
  }
  sa.init_request.assign(raw.begin(), raw.end());
  sa.init_response = *std::move(bytes);
  sa.state = IkeState::kInitReceived;
  sa.expected_message_id = 1;
  sa.next_message_id = 0;
  sa.half_open_expiry = now + options_.half_open_timeout;
  half_open_[{sa.spi_i, sa.remote.address}] = sa.spi_r;
  AddSa(std::move(owned));
  SendRaw(sa.local, sa.remote, sa.natt, sa.init_response);
}

}  // namespace tunnelisa::ike
