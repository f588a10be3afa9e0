// File: ike/v1/ikev1_manager.h
//
// Ikev1Manager: IKEv1 (RFC 2407, 2408, 2409) for the configured peers whose ike-policy says
// `ike-version 1`, on behalf of one embedder (the Engine), beside the IKEv2 IkeManager and
// with the same seams: IkeHost for datagrams, the data plane's SAs, events and logs;
// IkePeerConfig for what a peer asks; the Authenticator for the pre-shared key.
//
// Exchanges (one file each): Main Mode and Aggressive Mode (main_mode.cc, aggressive_mode.cc;
// phase 1 with pre-shared keys), Quick Mode with and without PFS (quick_mode.cc), the
// informational exchange: Delete, INITIAL-CONTACT, DPD R-U-THERE (v1_informational.cc), and
// the proposals of both phases (v1_proposals.cc). NAT-T per RFC 3947 (NAT-D, floating to
// 4500, UDP-encapsulated tunnel mode) is in main_mode.cc. This file's .cc holds dispatch,
// retransmission, timers, rekeying and teardown.
//
// Threads: control thread only. Never on the packet fast path (allocates).
//
// Example (what the Engine does, next to its IkeManager):
//   Ikev1Manager v1(&host, {});
//   v1.SetPeers(ikev1_peers, now);
//   v1.OnDatagram(local, remote, payload, natt, now);  // UDP 500 / 4500 with major version 1
//   MonoTime next = v1.OnTimer(now);
#ifndef TUNNELISA_SRC_IKE_V1_IKEV1_MANAGER_H_
#define TUNNELISA_SRC_IKE_V1_IKEV1_MANAGER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "ike/codec/v1/v1_message.h"
#include "ike/codec/v1/v1_payloads.h"
#include "ike/v1/v1_sa.h"
#include "ike/v2/ike_host.h"
#include "ike/v2/ike_manager.h"
#include "ike/v2/peer_config.h"
#include "ike/v2/responder_peers.h"

namespace tunnelisa::ike::v1 {

// kV1ChildCookieTag: set in the data plane cookie of IPsec SAs IKEv1 negotiated, so the
// embedder can tell which manager a lifetime event is for (IKEv2's cookies are the SPI alone).
inline constexpr uint64_t kV1ChildCookieTag = uint64_t{1} << 32;

class Ikev1Manager {
 public:
  // Ikev1Manager: `host` must outlive it. The options are IKEv2's (retransmission, half-open
  // limits, rekey margin, NAT keepalive, crypto provider), applied the same way.
  Ikev1Manager(IkeHost* host, IkeOptions options);
  ~Ikev1Manager();
  Ikev1Manager(const Ikev1Manager&) = delete;
  Ikev1Manager& operator=(const Ikev1Manager&) = delete;

  // SetPeers: the IKEv1 peers. As IkeManager::SetPeers: a peer that stays keeps its SAs
  // (new settings apply from the next negotiation); a removed peer or changed gateway
  // addresses end them with a Delete. New auto-establish peers are initiated.
  void SetPeers(std::vector<IkePeerConfig> peers, MonoTime now);

  // OnDatagram: an ISAKMP message (major version 1) received on `local` from `remote`,
  // without the non-ESP marker. Bad input is counted and dropped; never fails.
  void OnDatagram(const IkeEndpoint& local, const IkeEndpoint& remote,
                  std::span<const uint8_t> datagram, bool natt_port, MonoTime now);

  // Initiate: start phase 1 with `peer` (a Quick Mode if phase 1 is up but no IPsec SA is).
  absl::Status Initiate(uint64_t peer, MonoTime now);
  // HasPeer: `peer` is one of ours.
  bool HasPeer(uint64_t peer) const { return peers_.contains(peer); }

  // OnChildLifetime: the data plane's lifetime event for an IPsec SA negotiated here (cookie
  // = kV1ChildCookieTag | our inbound SPI): soft -> a new Quick Mode, hard -> delete.
  void OnChildLifetime(uint64_t cookie, bool hard, MonoTime now);

  // CompleteXauth: the outcome of the XAUTH check the manager started with `ticket` on its
  // peer's XauthVerifier: the gateway tells the client (SET OK / FAIL); on acceptance the
  // connection is up and Mode Config / Quick Modes may follow, on refusal it ends. Unknown or
  // cancelled tickets (the client went away meanwhile): ignored.
  void CompleteXauth(uint64_t ticket, const XauthResult& result, MonoTime now);
  // XauthTicket: the client address and user of the XAUTH check `ticket` still in flight
  // (false: unknown or cancelled).
  bool XauthTicket(uint64_t ticket, IpAddress* client, std::string* user) const;

  // RevokeAddressLeases: the address pool took these leases back (a reconfigured range):
  // the connections holding them end (Delete), as IkeManager::RevokeAddressLeases.
  void RevokeAddressLeases(std::span<const uint64_t> leases, MonoTime now);

  // OnTimer: retransmissions, DPD, rekeys, expiries; returns the next deadline.
  MonoTime OnTimer(MonoTime now);

  // Shutdown: a Delete for every established ISAKMP SA and its IPsec SAs, then forgets all.
  void Shutdown(MonoTime now);

  // Queries for tests and show commands.
  const V1Sa* EstablishedSa(uint64_t peer) const;
  size_t ike_sa_count() const { return sas_.size(); }
  size_t half_open_count() const;
  const IkeStats& stats() const { return stats_; }

  // CheckIndexesForTesting: with `on`, every call into any Ikev1Manager of the process ends by
  // checking the deadline index against every SA (a full scan) and aborts with what was missed.
  // For unit tests; off by default.
  static void CheckIndexesForTesting(bool on);

  // Test hooks: drive a rekey or liveness check now.
  absl::Status RekeyChild(uint64_t peer, MonoTime now);
  absl::Status RekeyIke(uint64_t peer, MonoTime now);
  absl::Status CheckLiveness(uint64_t peer, MonoTime now);

 private:
  // Dispatch, sending, timers (ikev1_manager.cc).
  V1Sa* FindSa(uint64_t cky_i, uint64_t cky_r);
  void HandleEncrypted(V1Sa& sa, const V1Datagram& d, std::span<const uint8_t> raw,
                       const IkeEndpoint& local, const IkeEndpoint& remote, bool natt_port,
                       MonoTime now);
  // Repeat: `raw` is the datagram last received in `flight`: answer with our last message.
  bool Repeat(V1Sa& sa, V1Flight& flight, std::span<const uint8_t> raw);
  void SendRaw(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
               std::span<const uint8_t> datagram);
  // Send: sends `datagram` in `flight`, kept for repeats; `wait`: retransmit until answered.
  void Send(V1Sa& sa, V1Flight& flight, std::vector<uint8_t> datagram, bool wait, MonoTime now);
  // Seal: the encrypted datagram of `exchange` / `message_id` with `payloads`.
  absl::StatusOr<std::vector<uint8_t>> Seal(V1Sa& sa, V1Exchange exchange, uint32_t message_id,
                                            std::span<const V1Payload> payloads);
  V1Header HeaderFor(const V1Sa& sa, V1Exchange exchange, uint32_t message_id) const;
  void RemoveSa(V1Sa& sa, std::string reason, MonoTime now, bool notify_down = true);
  // Purge: forgets the SAs RemoveSa ended during this call, then Settle. Every public method
  // ends with it (or with Settle).
  void Purge();
  // RunTimers: what OnTimer does for one SA whose deadline has come.
  void RunTimers(V1Sa& sa, MonoTime now);

  // The deadline index (v1_index.cc). An SA is filed at its NextDeadline, the earliest time one
  // of its timers is due (retransmission, expiry, rekey, DPD, keepalive, a Quick Mode's or a
  // transaction's); OnTimer takes only the SAs filed at or before now. Whatever may bring an
  // SA's deadline forward touches the SA (Touch: the SA a datagram or call is for, a new SA,
  // every Send); Settle re-files the touched ones at the end of the call. A deadline that
  // moved later is only found when it is reached (the SA is run and re-filed): harmless.
  MonoTime NextDeadline(const V1Sa& sa) const;
  // AddSa: a new ISAKMP SA into sas_ and the indexes (its peer, its peer address), touched.
  V1Sa& AddSa(std::unique_ptr<V1Sa> sa);
  // SasOf: our cookies of the SAs of `peer` (any state), in cookie order; SasAt: those of
  // `peer` whose remote address is `address` (as of the last Settle).
  const absl::btree_set<uint64_t>& SasOf(uint64_t peer) const;
  const absl::btree_set<uint64_t>& SasAt(uint64_t peer, const IpAddress& address) const;
  // SameClientCandidates: the SAs SameClient(sa, x) can hold for: SasOf a static tunnel's
  // peer, SasAt the address for an ipsec-gw's clients.
  const absl::btree_set<uint64_t>& SameClientCandidates(const V1Sa& sa) const;
  // The IPsec SPIs we handed out (NewChildSpi) and whose SA they are: uniqueness in O(1),
  // and a lifetime event's SA. Released by ReleaseChildSpi when neither an IPsec SA nor a
  // Quick Mode of the owner uses them any more.
  void ReleaseChildSpi(const V1Sa& sa, uint32_t spi);
  void Touch(const V1Sa& sa) { touched_.push_back(sa.our_cookie()); }
  void Settle();
  void Refile(V1Sa& sa);
  void Unfile(V1Sa& sa);
  void Unindex(V1Sa& sa);
  void CheckIndexes() const;
  const IkePeerConfig* Peer(uint64_t id) const;
  uint64_t NewCookie();
  uint32_t NewChildSpi(const V1Sa& sa);
  uint32_t NewMessageId(const V1Sa& sa);
  void Emit(IkeEventKind kind, const V1Sa& sa, std::string_view detail, MonoTime now,
            const ChildSa* child = nullptr, const V1Sa* replaced = nullptr);
  void LogLine(LogLevel level, std::string message);
  void Retransmit(V1Sa& sa, V1Flight& flight, MonoTime now, bool& gave_up);
  void FollowPeer(V1Sa& sa, const IkeEndpoint& remote, const IkeEndpoint& local);
  static uint64_t ChildCookie(uint32_t inbound_spi) { return kV1ChildCookieTag | inbound_spi; }

  // Phase 1 (main_mode.cc, aggressive_mode.cc).
  absl::Status StartMainMode(const IkePeerConfig& peer, MonoTime now);
  void HandlePhase1Plain(const V1Message& m, std::span<const uint8_t> raw, const IkeEndpoint& local,
                         const IkeEndpoint& remote, bool natt_port, MonoTime now);
  void RespondMm1(const V1Message& m, std::span<const uint8_t> raw, const IkeEndpoint& local,
                  const IkeEndpoint& remote, bool natt_port, MonoTime now);
  void ProcessMm2(V1Sa& sa, const V1Message& m, MonoTime now);
  void RespondMm3(V1Sa& sa, const V1Message& m, MonoTime now);
  void ProcessMm4(V1Sa& sa, const V1Message& m, MonoTime now);
  void RespondMm5(V1Sa& sa, const V1Opened& in, MonoTime now);
  void ProcessMm6(V1Sa& sa, const V1Opened& in, MonoTime now);
  absl::Status StartAggressive(const IkePeerConfig& peer, MonoTime now);
  void RespondAm1(const V1Message& m, std::span<const uint8_t> raw, const IkeEndpoint& local,
                  const IkeEndpoint& remote, bool natt_port, MonoTime now);
  void ProcessAm2(V1Sa& sa, const V1Message& m, MonoTime now);
  void ProcessAm3(V1Sa& sa, const V1Opened& in, MonoTime now);
  // ResponderPeer: the configured peer an initiator at `remote` reaching us on `local` may
  // be (a static tunnel to that address first, then an ipsec-gw on `local`), or nullptr.
  const IkePeerConfig* ResponderPeer(const IkeEndpoint& local, const IkeEndpoint& remote) const;
  // AdmitNewPhase1: a new responder phase 1 from `remote` is within the half-open cap and the
  // per-peer rate (else counted in half_open_refused).
  bool AdmitNewPhase1(const IkeEndpoint& remote, MonoTime now);
  // Phase1Keys: g^xy, SKEYID..., the protector; false (SA removed) on failure.
  bool DerivePhase1(V1Sa& sa, std::span<const uint8_t> peer_ke, MonoTime now);
  std::vector<V1Payload> OurVendorIds() const;
  void NoteVendorIds(V1Sa& sa, std::span<const V1Payload> payloads) const;
  void AddNatD(const V1Sa& sa, std::vector<V1Payload>& out) const;
  void CheckNatD(V1Sa& sa, std::span<const V1Payload> payloads);
  // OurHash / CheckPeerHash: HASH_I / HASH_R of phase 1 (pre-shared key).
  absl::StatusOr<SecretBytes> Phase1HashOf(const V1Sa& sa, V1Side side,
                                           std::span<const uint8_t> id_body) const;
  // Phase 1 proofs (phase1_auth.cc). UsesSignatures: the peer config proves us with a
  // certificate (method 3, RSA signatures) rather than a pre-shared key. Phase1AuthProblem:
  // why IKEv1 cannot authenticate with `peer`'s authenticators ("" when it can).
  static bool UsesSignatures(const IkePeerConfig& peer);
  static std::string Phase1AuthProblem(const IkePeerConfig& peer);
  // AddCertRequest: a CR naming our trust anchor, with signatures.
  void AddCertRequest(const IkePeerConfig& peer, std::vector<V1Payload>& out) const;
  // AddOurProof: HASH_I / HASH_R (`side`: ours) over `id_body`, or CERT payloads and SIG.
  absl::Status AddOurProof(const V1Sa& sa, V1Side side, std::span<const uint8_t> id_body,
                           std::vector<V1Payload>& out) const;
  // PeerProof: the outcome of CheckPeerProof: "" or the failure, and the notification.
  struct PeerProof {
    std::string failure;
    V1NotifyType notify = V1NotifyType::kAuthenticationFailed;
    bool ok() const { return failure.empty(); }
  };
  // CheckPeerProof: the peer's HASH (pre-shared key) or CERT / SIG payloads (`side`: the
  // peer's) for its identity `peer_id` with body `id_body`; certificates are checked by the
  // peer's Authenticator, remote-id included.
  PeerProof CheckPeerProof(const V1Sa& sa, V1Side side, const IdPayload& peer_id,
                           std::span<const uint8_t> id_body,
                           std::span<const V1Payload> payloads) const;
  // PeerIdentityOk: the peer's phase 1 ID against the peer's remote-id ("" when fine; with
  // certificates the remote-id is the certificate check's, CheckPeerProof).
  std::string CheckPeerId(const V1Sa& sa, const V1IdPayload& id) const;
  V1IdPayload OurId(const IkePeerConfig& peer) const;
  void Phase1Done(V1Sa& sa, const V1IdPayload& peer_id, std::span<const V1Payload> payloads,
                  MonoTime now);
  // Phase1Failed: the exchange cannot go on: an AUTH failure event or a negotiation failure.
  // An authentication failure tells the peer `notify` (unprotected).
  void Phase1Failed(V1Sa& sa, IkeEventKind kind, std::string detail, MonoTime now,
                    V1NotifyType notify = V1NotifyType::kAuthenticationFailed);
  // SendPlainNotify: an unencrypted informational with one notification (phase 1 errors).
  void SendPlainNotify(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
                       uint64_t cky_i, uint64_t cky_r, V1NotifyType type);

  // Quick Mode (quick_mode.cc).
  void StartQuickModes(V1Sa& sa, MonoTime now);
  void StartQuick(V1Sa& sa, const IpPrefix& local_ts, const IpPrefix& remote_ts, uint32_t rekey_of,
                  MonoTime now);
  void HandleQuick(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw, MonoTime now);
  void RespondQm1(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw, MonoTime now);
  void ProcessQm2(V1Sa& sa, QuickState& q, const V1Opened& in, MonoTime now);
  void ProcessQm3(V1Sa& sa, QuickState& q, const V1Opened& in, MonoTime now);
  absl::StatusOr<ChildSa*> InstallQuickChild(V1Sa& sa, QuickState& q,
                                             const NegotiatedChild& negotiated, uint32_t peer_spi,
                                             std::span<const uint8_t> g_qm, MonoTime now);
  // ChildPairs: the (local, remote) selector pairs a peer's IPsec SAs cover.
  static std::vector<std::pair<IpPrefix, IpPrefix>> ChildPairs(const V1Sa& sa,
                                                               const IkePeerConfig& peer);
  ChildSa* FindChild(V1Sa& sa, uint32_t inbound_spi);
  void RemoveChild(V1Sa& sa, ChildSa& child, MonoTime now, std::string_view reason = "deleted");
  // RetireChild: `old` was replaced by `fresh`: its inbound SA lingers, then a Delete.
  void RetireChild(V1Sa& sa, uint32_t old_spi, uint32_t fresh_spi, MonoTime now);
  // SendOn: outbound traffic goes on the IPsec SA `inbound_spi` from now on (once).
  void SendOn(V1Sa& sa, uint32_t inbound_spi);

  // Remote access: XAUTH and Mode Config (transaction.cc).
  // UsesXauth: phase 1 said XAUTHInitPreShared. UserAccepted: no XAUTH, or it accepted the
  // user (the gateway decided; the client was told).
  static bool UsesXauth(const V1Sa& sa);
  static bool UserAccepted(const V1Sa& sa);
  uint16_t NewIdentifier();
  absl::StatusOr<std::vector<V1Payload>> WithTransactionHash(const V1Sa& sa, uint32_t message_id,
                                                             V1AttributePayload attributes) const;
  bool VerifyTransactionHash(const V1Sa& sa, const V1Opened& in) const;
  // SendTransaction: HDR*, HASH, ATTR in transaction `message_id`; `wait` for an answer.
  bool SendTransaction(V1Sa& sa, uint32_t message_id, V1AttributePayload attributes, bool wait,
                       MonoTime now);
  void HandleTransaction(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw, MonoTime now);
  void StartXauth(V1Sa& sa, MonoTime now);
  void ProcessXauthReply(V1Sa& sa, const V1AttributePayload& attr, MonoTime now);
  void FinishXauth(V1Sa& sa, const XauthResult& result, MonoTime now);
  void ProcessXauthAck(V1Sa& sa, const V1AttributePayload& attr, MonoTime now);
  void AnswerModeCfg(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr, MonoTime now);
  void AnswerXauthRequest(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr, MonoTime now);
  void AnswerXauthSet(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr, MonoTime now);
  void StartModeCfg(V1Sa& sa, MonoTime now);
  void ProcessModeCfgReply(V1Sa& sa, const V1AttributePayload& attr, MonoTime now);
  // RemoteAccessUp: XAUTH accepted the user: Mode Config (client with request_address) or
  // the connection is announced and the client's Quick Modes start.
  void RemoteAccessUp(V1Sa& sa, MonoTime now);
  // EndRemoteAccess: the ISAKMP SA ends: its XAUTH check is cancelled, its lease released.
  void EndRemoteAccess(V1Sa& sa, MonoTime now);
  // Announce: the connection is up: INITIAL-CONTACT honoured, older ISAKMP SAs of the same
  // client renewed (AdoptChildren, kIkeRekeyed) or kIkeUp.
  void Announce(V1Sa& sa, MonoTime now);
  // SameClient: `a` and `b` are ISAKMP SAs of the same peer and identity; for an ipsec-gw
  // (whose clients may share a group identity) also the same address and XAUTH user.
  bool SameClient(const V1Sa& a, const V1Sa& b) const;

  // Informational (v1_informational.cc).
  void SendInformational(V1Sa& sa, std::vector<V1Payload> payloads);
  void SendDeleteIsakmp(V1Sa& sa);
  void SendDeleteChild(V1Sa& sa, uint32_t inbound_spi);
  void SendDpd(V1Sa& sa, bool ack, uint32_t seq);
  void HandleInformational(V1Sa& sa, const V1Opened& in, MonoTime now);
  void HandlePlainInformational(const V1Message& m, const IkeEndpoint& remote, MonoTime now);
  // HandleMm5Refusal: an encrypted informational while we wait for Main Mode message 6: the
  // responder's refusal of message 5, under its keys (not ours: the pre-shared keys differ).
  void HandleMm5Refusal(V1Sa& sa, uint32_t message_id, std::span<const uint8_t> raw, MonoTime now);
  // MaySendInitialContact: `sa` is the only ISAKMP SA we hold with its peer.
  bool MaySendInitialContact(const V1Sa& sa) const;
  void HonourInitialContact(V1Sa& fresh, MonoTime now);
  // AdoptChildren: phase 1 was renegotiated: the IPsec SAs of older ISAKMP SAs with the same
  // peer and identity move to `fresh`, and the old ones retire (kIkeRekeyed). False when
  // there was no older one.
  bool AdoptChildren(V1Sa& fresh, MonoTime now);
  // VerifyHash1: the message's first payload is HASH(1) = prf(SKEYID_a, M-ID | rest).
  bool VerifyHash1(const V1Sa& sa, const V1Opened& in) const;
  absl::StatusOr<std::vector<V1Payload>> WithHash1(const V1Sa& sa, uint32_t message_id,
                                                   std::vector<V1Payload> rest) const;

  IkeHost* host_;
  const IkeCryptoProvider& crypto_;
  IkeOptions options_;
  IkeStats stats_;
  std::map<uint64_t, IkePeerConfig> peers_;
  ResponderPeers responder_peers_;  // who answers Main / Aggressive Mode: an index into peers_
  // ISAKMP SAs by our cookie (the initiator cookie when we initiated, else the responder's).
  std::map<uint64_t, std::unique_ptr<V1Sa>> sas_;
  // Responder SAs by (initiator cookie, peer address): copies of message 1 find their SA
  // (answered again while phase 1 runs, dropped after); half_open_ the unfinished ones.
  std::map<std::pair<uint64_t, IpAddress>, uint64_t> responders_;
  std::map<std::pair<uint64_t, IpAddress>, uint64_t> half_open_;
  // Rate limit of new phase 1 exchanges per peer address: count in the current second.
  absl::flat_hash_map<IpAddress, std::pair<int64_t, uint32_t>> init_rate_;
  std::vector<uint64_t> dead_;  // our cookies to purge after the current call
  absl::btree_set<std::pair<MonoTime, uint64_t>> deadlines_;          // (deadline, our cookie)
  absl::flat_hash_map<uint64_t, absl::btree_set<uint64_t>> by_peer_;  // peer id -> cookies
  absl::flat_hash_map<std::pair<uint64_t, IpAddress>, absl::btree_set<uint64_t>> by_address_;
  absl::flat_hash_map<uint32_t, uint64_t> child_spis_;  // our inbound SPI -> our cookie
  std::vector<uint64_t> touched_;  // our cookies to re-file at the end of the current call
  // XAUTH checks in flight: ticket -> our cookie of the ISAKMP SA waiting for it.
  absl::flat_hash_map<uint64_t, uint64_t> xauth_tickets_;
  uint64_t next_xauth_ticket_ = 1;
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_IKEV1_MANAGER_H_
