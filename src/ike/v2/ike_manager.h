// File: ike/v2/ike_manager.h
//
// IkeManager: IKEv2 (RFC 7296) for a set of configured peers, on behalf of one embedder (the
// Engine). It owns every IKE SA and CHILD SA record, message IDs, retransmissions, DPD and
// rekeying; it reaches the data plane only through IkeHost (the SaInstaller seam).
//
// Exchanges (one file each): IKE_SA_INIT (ike_sa_init.cc), IKE_AUTH with PSK and the first
// CHILD SA (ike_auth.cc), CREATE_CHILD_SA for CHILD SAs (create_child.cc) and for IKE SA rekeys
// (ike_rekey.cc), INFORMATIONAL delete and liveness (informational.cc). This file's .cc holds
// dispatch, message IDs, retransmission and timers.
//
// Threads: control thread only. Never on the packet fast path (allocates).
//
// Example (what the Engine does):
//   IkeManager ike(&host, {});
//   ike.SetPeers(peers, now);                         // from the configuration
//   ike.OnDatagram(local, remote, payload, now);      // UDP 500 / 4500 (marker stripped)
//   MonoTime next = ike.OnTimer(now);
#ifndef TUNNELISA_SRC_IKE_V2_IKE_MANAGER_H_
#define TUNNELISA_SRC_IKE_V2_IKE_MANAGER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "ike/codec/message.h"
#include "ike/v2/ike_host.h"
#include "ike/v2/ike_sa.h"
#include "ike/v2/peer_config.h"
#include "ike/v2/responder_peers.h"
#include "tunnelisa/ike_crypto.h"

namespace tunnelisa::ike {

struct IkeOptions {
  // Retransmission (RFC 7296 2.1): first timeout, doubled per retry, up to max_retransmits.
  Duration retransmit_timeout = Duration::Seconds(1);
  int max_retransmits = 5;
  // Half-open IKE SAs (responder, IKE_SA_INIT answered, no IKE_AUTH yet): dropped after
  // half_open_timeout; above cookie_threshold half-open SAs new IKE_SA_INITs must carry a
  // COOKIE (RFC 7296 2.6); above half_open_limit they are refused outright.
  Duration half_open_timeout = Duration::Seconds(30);
  size_t cookie_threshold = 64;
  size_t half_open_limit = 1024;
  // IKE_SA_INIT requests accepted per peer address per second before a COOKIE is demanded
  // regardless of the half-open count (per-peer rate limit).
  uint32_t init_rate_per_peer = 10;
  // Largest datagram we send before fragmenting (RFC 7383), IP and UDP headers excluded.
  size_t max_datagram = 1280 - 40 - 8;
  // Rekey margin: soft lifetime = hard lifetime * (1 - rekey_margin), minus up to rekey_jitter.
  double rekey_margin = 0.1;
  Duration rekey_jitter = Duration::Seconds(0);
  // How long a rekeyed CHILD SA's inbound SA stays if the peer never deletes it.
  Duration rekeyed_child_linger = Duration::Seconds(10);
  // How long a rekeyed CHILD SA's inbound SA stays after the peer deleted it: ESP the peer sent
  // on it just before its Delete may be read after the Delete (another socket or thread, or
  // the network reordering them) and is still taken. strongSwan's charon waits 5 s
  // (charon.delete_rekeyed_delay) for the same reason.
  Duration deleted_inbound_grace = Duration::Seconds(2);
  // NAT keepalive interval when we are behind a NAT (RFC 3948 2.3).
  Duration natt_keepalive = Duration::Seconds(20);
  // How long an IKE_AUTH waits for an authenticator that answered pending (then it fails).
  Duration auth_timeout = Duration::Seconds(10);
  // The PRF, DH, hashes and signatures of every exchange; null: OpenSslIkeCrypto(). Not
  // owned; must outlive the IkeManager.
  const IkeCryptoProvider* crypto = nullptr;
  // Fuzz builds only (SkProtector::EnableNullCryptoForFuzzing): SK payloads unencrypted and
  // unchecked, so a fuzzer drives the protected exchanges. Ignored in other builds.
  bool null_crypto_for_fuzzing = false;
};

struct IkeStats {
  uint64_t datagrams_in = 0;
  uint64_t dropped = 0;      // malformed, unknown SPI, ICV failure, out-of-window
  uint64_t retransmits = 0;  // our requests sent again
  uint64_t responses_replayed = 0;
  uint64_t cookies_sent = 0;
  uint64_t half_open_refused = 0;
  uint64_t auth_failures = 0;
  uint64_t addresses_assigned = 0;  // CP requests answered with an address
  uint64_t address_failures = 0;    // CP requests answered INTERNAL_ADDRESS_FAILURE
  // EAP (ike_eap.cc): conversations started (either role), users authenticated, and EAP
  // packets refused as malformed or out of turn (from the peer or from the relay).
  uint64_t eap_started = 0;
  uint64_t eap_succeeded = 0;
  uint64_t eap_refused = 0;
  // Duplicate IKE SAs of one LAN-to-LAN tunnel found (both ends initiated at once); one of
  // each pair is deleted by the end that created it (duplicate_ike_sa.cc).
  uint64_t redundant_ike_sas = 0;
};

class IkeManager {
 public:
  IkeManager(IkeHost* host, IkeOptions options);
  ~IkeManager();
  IkeManager(const IkeManager&) = delete;
  IkeManager& operator=(const IkeManager&) = delete;

  // SetPeers: the configured peers (set_peers.cc). New or changed peers with auto_establish
  // (and not responder_only) are initiated unless they have an IKE SA. A peer that stays
  // (same id) keeps its IKE SAs and CHILD SAs, which renegotiate with the new settings;
  // only a removed peer or changed gateway addresses (local / remote) end them, with a
  // Delete sent for established IKE SAs.
  void SetPeers(std::vector<IkePeerConfig> peers, MonoTime now);

  // OnDatagram: an IKE message received on `local` from `remote`, without the non-ESP marker.
  // `natt_port`: it came in on the NAT-T port. Bad input is counted and dropped (or answered
  // as RFC 7296 says); never fails.
  void OnDatagram(const IkeEndpoint& local, const IkeEndpoint& remote,
                  std::span<const uint8_t> datagram, bool natt_port, MonoTime now);

  // Initiate: start IKE with `peer` now (no-op if an IKE SA exists or is being set up).
  absl::Status Initiate(uint64_t peer, MonoTime now);

  // OnChildLifetime: the data plane's lifetime event for a CHILD SA (cookie = our inbound SPI
  // in the low 32 bits, see ChildCookie): soft -> rekey, hard -> delete.
  void OnChildLifetime(uint64_t cookie, bool hard, MonoTime now);

  // CompleteAuth: the outcome of a check an Authenticator answered pending (Verify's
  // `ticket`): the suspended IKE_AUTH goes on. Unknown or stale tickets are ignored.
  void CompleteAuth(uint64_t ticket, AuthCheck outcome, MonoTime now);

  // CompleteEap: the EapRelay's answer for `conversation` (EapRelay::Relay): the client's
  // suspended IKE_AUTH gets the next EAP-Request, EAP-Success or EAP-Failure. Unknown or
  // stale conversations are ignored.
  void CompleteEap(uint64_t conversation, EapRelayAnswer answer, MonoTime now);

  // OnTimer: retransmissions, DPD, rekeys, expiries; returns the next deadline.
  MonoTime OnTimer(MonoTime now);

  // Shutdown: sends one Delete per established IKE SA, then forgets every SA.
  void Shutdown(MonoTime now);

  // RevokeAddressLeases: the engine's address pool took these leases back (a reloaded pool no
  // longer contains them, AddressPool::SetRange): the IKE SAs holding them are deleted (a
  // Delete to each client), since their CHILD SAs carry an address that is no longer theirs.
  void RevokeAddressLeases(std::span<const uint64_t> leases, MonoTime now);

  // Queries for tests and show commands.
  const IkeSa* EstablishedSa(uint64_t peer) const;
  size_t ike_sa_count() const { return sas_.size(); }
  size_t half_open_count() const;
  const IkeStats& stats() const { return stats_; }

  // CheckIndexesForTesting: with `on`, every call into any IkeManager of the process ends by
  // checking its indexes (deadlines, SPIs, peers, identities) against a full scan of its SAs,
  // and aborts with the difference on a mismatch. O(SAs) per call: unit tests only.
  static void CheckIndexesForTesting(bool on);

  // Test hooks: drive a rekey or liveness check now.
  absl::Status RekeyChild(uint64_t peer, MonoTime now);
  absl::Status RekeyIke(uint64_t peer, MonoTime now);
  absl::Status CheckLiveness(uint64_t peer, MonoTime now);

  // Used by the exchange files (internal).
  struct Received {
    Message message;
    std::vector<Payload> inner;  // decrypted SK contents
    IkeEndpoint local;
    IkeEndpoint remote;
    bool natt_port = false;
  };

 private:
  // Indexes (ike_index.cc): what keeps each event's cost independent of the number of SAs.
  // Every call into the IkeManager (the public methods) opens a Call; every IKE SA the call may
  // change is Touch()ed (AddSa, RemoveSa, Queue, SendRequest, the SAs a call looks up); when
  // the outermost Call ends, Settle() purges dead SAs and re-files each touched SA in the
  // deadline index, the per-identity index and the CHILD SPI index (Reindex). Between calls
  // the indexes agree with the SAs (CheckIndexesForTesting checks it).
  class Call {
   public:
    explicit Call(IkeManager* m) : m_(m) { ++m_->depth_; }
    ~Call() {
      if (--m_->depth_ == 0) m_->Settle();
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    IkeManager* m_;
  };
  void Touch(const IkeSa& sa) { touched_.push_back(sa.our_spi()); }
  IkeSa& AddSa(std::unique_ptr<IkeSa> sa);
  void Settle();
  void Reindex(IkeSa& sa);
  void Unindex(IkeSa& sa);  // forgets `sa` everywhere (Purge)
  // NextDeadline: the earliest time OnTimer has something to do for `sa` (Infinite: none).
  MonoTime NextDeadline(const IkeSa& sa) const;
  // ChildSpisOf: our inbound CHILD SPIs `sa` holds or has offered (never 0), ascending.
  static std::vector<uint32_t> ChildSpisOf(const IkeSa& sa);
  // IdentityKey: the peer identity `sa` proved ("" while it is not authenticated).
  static std::string IdentityKey(const IkeSa& sa);
  void CheckIndexes() const;
  // RunTimers: OnTimer's work for one IKE SA whose deadline has come.
  void RunTimers(IkeSa& sa, MonoTime now);
  // SasOf: our SPIs of the IKE SAs of `peer` (ascending), or of `peer` filed under the
  // identity key `identity` ("": the SAs not yet authenticated).
  const absl::btree_set<uint64_t>& SasOf(uint64_t peer) const;
  const absl::btree_set<uint64_t>& SasOf(uint64_t peer, const std::string& identity) const;
  // SpisInOrder: our SPI of every IKE SA, ascending: a pass over all SAs that may change them
  // (sas_ may grow or rehash meanwhile) in a deterministic order. O(n log n): not per event.
  std::vector<uint64_t> SpisInOrder() const;

  // Dispatch (ike_manager.cc; SetPeers in set_peers.cc)
  IkeSa* FindSa(uint64_t spi_i, uint64_t spi_r, bool from_initiator);
  void HandleInitRequest(const Received& in, std::span<const uint8_t> raw, MonoTime now);
  void HandleProtected(IkeSa& sa, Received& in, std::span<const uint8_t> raw, MonoTime now);
  void SendRequest(IkeSa& sa, RequestKind kind, ExchangeType exchange, std::vector<Payload> inner,
                   MonoTime now, OutstandingRequest context);
  void SendResponse(IkeSa& sa, const Header& request, std::vector<Payload> inner);
  void SendDatagrams(const IkeSa& sa, const std::vector<std::vector<uint8_t>>& datagrams);
  void SendRaw(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
               std::span<const uint8_t> datagram);
  std::vector<std::vector<uint8_t>> Protect(IkeSa& sa, const Header& header,
                                            const std::vector<Payload>& inner);
  void StartNext(IkeSa& sa, MonoTime now);
  void Queue(IkeSa& sa, Work work, MonoTime now);
  void RemoveSa(IkeSa& sa, std::string reason, MonoTime now, bool notify_down = true);
  void Purge();
  const IkePeerConfig* Peer(uint64_t id) const;
  uint64_t NewSpi();
  uint32_t NewChildSpi();
  void FollowPeer(IkeSa& sa, const IkeEndpoint& remote, const IkeEndpoint& local, MonoTime now);
  void Emit(IkeEventKind kind, const IkeSa& sa, std::string_view detail, MonoTime now,
            const ChildSa* child = nullptr, const IkeSa* replaced = nullptr);
  void LogLine(LogLevel level, std::string message);
  static uint64_t ChildCookie(uint32_t inbound_spi) { return inbound_spi; }

  // IKE_SA_INIT (ike_sa_init.cc)
  absl::Status StartInitiator(const IkePeerConfig& peer, MonoTime now);
  void SendInitRequest(IkeSa& sa, MonoTime now);
  void RespondInit(const Received& in, std::span<const uint8_t> raw, MonoTime now);
  void ProcessInitResponse(IkeSa& sa, const Received& in, std::span<const uint8_t> raw,
                           MonoTime now);
  absl::Status DeriveKeys(IkeSa& sa, std::span<const uint8_t> peer_ke);
  // ReportKeys: the host's IkeSaKeysDerived for `sa`, whose keys were just derived.
  void ReportKeys(const IkeSa& sa);
  absl::StatusOr<std::unique_ptr<SkProtector>> MakeProtector(const SkSuite& suite,
                                                             const crypto::IkeSaKeys& keys,
                                                             bool initiator);
  std::vector<uint8_t> CookieFor(const Received& in, std::span<const uint8_t> nonce_i);
  bool NatDetection(IkeSa& sa, const Received& in);
  void AddNatDetection(const IkeSa& sa, std::vector<Payload>& out) const;

  // IKE_AUTH (ike_auth.cc)
  void SendAuthRequest(IkeSa& sa, MonoTime now);
  void RespondAuth(IkeSa& sa, const Received& in, MonoTime now);
  void ProcessAuthResponse(IkeSa& sa, const Received& in, MonoTime now);
  // MacedId / SignedOctets: what one side's AUTH covers (RFC 7296 2.15), `of_initiator` the
  // side; OurAuth: our AUTH payload (the peer's `auth.own`); CheckPeerAuth: the peer's ID and
  // AUTH (its `auth.peer`): "" when they pass, else why not.
  absl::StatusOr<SecretBytes> MacedId(const IkeSa& sa, bool of_initiator,
                                      const IdPayload& id) const;
  AuthInput SignedOctets(const IkeSa& sa, bool of_initiator, const SecretBytes& maced_id) const;
  absl::StatusOr<AuthPayload> OurAuth(const IkeSa& sa, const IdPayload& id) const;
  AuthCheck CheckPeerAuth(IkeSa& sa, const IdPayload& id, const AuthPayload& auth,
                          std::span<const Payload> payloads);
  // Suspended IKE_AUTH (the peer's authenticator answered pending): SuspendAuth keeps what
  // the rest of the exchange needs; ResumeAuth (from CompleteAuth, or OnTimer at the deadline)
  // finishes it (Finish*), without purging dead SAs (OnTimer iterates them).
  void SuspendAuth(IkeSa& sa, const Header& h, std::vector<Payload> inner, OutstandingRequest child,
                   MonoTime now);
  void ResumeAuth(IkeSa& sa, AuthCheck outcome, MonoTime now);
  void FinishRespondAuth(IkeSa& sa, const Header& h, const std::vector<Payload>& inner,
                         const AuthCheck& check, MonoTime now);
  void FinishAuthResponse(IkeSa& sa, const std::vector<Payload>& inner, const AuthCheck& check,
                          OutstandingRequest child, MonoTime now);
  void Established(IkeSa& sa, MonoTime now);
  // ReleaseHandshakeState: what only IKE_SA_INIT and IKE_AUTH needed, dropped once the IKE SA
  // is up and its first CHILD SA settled, so that each of many idle IKE SAs holds less
  // (issue 14): both IKE_SA_INIT messages and the nonces (AUTH's signed octets, the first
  // CHILD SA's keys) and SK_pi / SK_pr (AUTH's MACed IDs).
  static void ReleaseHandshakeState(IkeSa& sa);
  // The initiator's IKE_AUTH requests and the responder's answer once the peer is
  // authenticated (AUTH checked, or EAP's final AUTH): `inner` the request that carries the
  // CHILD SA and CP payloads, `our_auth` our AUTH payload.
  void RespondAuthenticated(IkeSa& sa, const Header& h, const std::vector<Payload>& inner,
                            AuthPayload our_auth, MonoTime now);

  // EAP (ike_eap.cc), RFC 7296 2.16. Responder: StartEapServer (the first IKE_AUTH request
  // without AUTH), RespondEap (the requests that follow), FailEap (EAP-Failure and
  // AUTHENTICATION_FAILED, the SA removed), EapTimedOut (the relay did not answer).
  // Initiator: ProcessEapResponse (every IKE_AUTH response once we asked for EAP),
  // FailEapClient. EapAuthKey: the key of the AUTH payloads after EAP (the MSK, else SK_pi /
  // SK_pr of the side `of_initiator`).
  void StartEapServer(IkeSa& sa, const Received& in, MonoTime now);
  void RespondEap(IkeSa& sa, const Received& in, MonoTime now);
  void FailEap(IkeSa& sa, const Header& h, std::string reason, MonoTime now,
               std::vector<uint8_t> eap_failure = {});
  void ProcessEapResponse(IkeSa& sa, const Received& in, MonoTime now);
  void FailEapClient(IkeSa& sa, std::string reason, bool auth_failed, MonoTime now);
  static std::shared_ptr<const SecretBytes> EapAuthKey(const IkeSa& sa, const SecretBytes& msk,
                                                       bool of_initiator);
  // Certificates around AUTH: SIGNATURE_HASH_ALGORITHMS in IKE_SA_INIT when either
  // authenticator signs; CERTREQ for the peer's authenticator's trust anchors; our CERTs;
  // the peer's announced hashes (PeerSignatureHashes, unparsable data: none).
  static void AddSignatureHashes(const IkePeerConfig& peer, std::vector<Payload>& out);
  static void AddCertRequest(const IkePeerConfig& peer, std::vector<Payload>& out);
  static void AddOwnCertificates(const IkePeerConfig& peer, std::vector<Payload>& out);
  static std::vector<uint16_t> PeerSignatureHashes(std::span<const Payload> payloads);
  // StartLifetimes: an IKE SA becomes established: its rekey, expiry and keepalive timers.
  void StartLifetimes(IkeSa& sa, MonoTime now);

  // Remote access: the configuration payload (config_payload.cc). AddAddressRequest: our
  // CP(CFG_REQUEST) when the peer config asks for an address. AssignAddress: the responder's
  // answer to a CP request in IKE_AUTH (`inner`): with an assigner, a lease and CP(CFG_REPLY)
  // in `out`; false when the CHILD SA must not be created (INTERNAL_ADDRESS_FAILURE in `out`,
  // the reason in *failure).
  // TakeAssignedAddress: the initiator reads the gateway's CFG_REPLY; false when it asked and
  // got no address. ReleaseAddress: gives the lease back (RemoveSa). MoveAddressLease: an IKE
  // SA rekey hands the connection's lease to its successor.
  void AddAddressRequest(const IkePeerConfig& peer, std::vector<Payload>& out) const;
  bool AssignAddress(IkeSa& sa, const std::vector<Payload>& inner, std::vector<Payload>& out,
                     std::string* failure);
  bool TakeAssignedAddress(IkeSa& sa, const std::vector<Payload>& inner, std::string* why);
  static void ReleaseAddress(IkeSa& sa);
  static void MoveAddressLease(IkeSa& from, IkeSa& to);
  // ChildRemoteTs: the remote side a CHILD SA of `sa` may have: the client's assigned /32 on a
  // remote-access IKE SA, else the peer config's remote_ts.
  std::vector<IpPrefix> ChildRemoteTs(const IkeSa& sa, const IkePeerConfig& peer) const;

  // CHILD SAs (create_child.cc)
  absl::StatusOr<ChildSa*> InstallChild(IkeSa& sa, const NegotiatedChild& negotiated,
                                        uint32_t inbound_spi, const TsPayload& tsi,
                                        const TsPayload& tsr, std::span<const uint8_t> dh_secret,
                                        std::span<const uint8_t> nonce_i,
                                        std::span<const uint8_t> nonce_r, bool we_initiated,
                                        MonoTime now);
  // Responder side of child negotiation, shared by IKE_AUTH and CREATE_CHILD_SA: appends SA,
  // TSi, TSr (and Nonce/KE when asked) to `out`, or an error notify; returns the new child.
  // With create_child, a KE in `in` is answered with ours and the CHILD SA keyed with PFS;
  // nonce_i / nonce_r are the exchange's nonces.
  ChildSa* AcceptChild(IkeSa& sa, const std::vector<Payload>& in, bool create_child,
                       std::span<const uint8_t> nonce_i, std::span<const uint8_t> nonce_r,
                       std::vector<Payload>& out, MonoTime now);
  void ActivateSuccessor(IkeSa& sa, const ChildSa& old_child);
  void RespondRekeyIke(IkeSa& sa, const Received& in, MonoTime now);
  void FinishIkeRekey(IkeSa& old_sa, std::unique_ptr<IkeSa> fresh, MonoTime now);
  absl::StatusOr<std::unique_ptr<IkeSa>> RekeyedIkeSa(IkeSa& old_sa, bool we_initiated,
                                                      const NegotiatedIke& negotiated,
                                                      uint64_t spi_i, uint64_t spi_r,
                                                      std::span<const uint8_t> shared,
                                                      std::span<const uint8_t> nonce_i,
                                                      std::span<const uint8_t> nonce_r);
  void StartChildRekey(IkeSa& sa, uint32_t child_spi, MonoTime now);
  void StartIkeRekey(IkeSa& sa, MonoTime now);
  void StartNewChild(IkeSa& sa, MonoTime now);
  void SendCreateChild(IkeSa& sa, uint32_t rekey_spi, std::optional<DhGroup> pfs,
                       std::span<const IpPrefix> local_ts, std::span<const IpPrefix> remote_ts,
                       MonoTime now);
  IkeSa& AdoptIkeSa(std::unique_ptr<IkeSa> fresh, MonoTime now);
  void ResolveIkeRekeyCollision(IkeSa& ours, IkeSa& theirs, MonoTime now);
  void RespondCreateChild(IkeSa& sa, const Received& in, MonoTime now);
  void ProcessCreateChildResponse(IkeSa& sa, const Received& in, MonoTime now);
  void ProcessIkeRekeyResponse(IkeSa& sa, const Received& in, MonoTime now);
  void FinishChildRekey(IkeSa& sa, uint32_t old_spi, uint32_t new_spi, MonoTime now);
  // RemoveChild: uninstalls `child` and forgets it; `reason` goes into its CHILD down event.
  void RemoveChild(IkeSa& sa, ChildSa& child, MonoTime now, std::string_view reason = "deleted");
  ChildSa* FindChild(IkeSa& sa, uint32_t inbound_spi);
  ChildSa* FindChildByOutbound(IkeSa& sa, uint32_t outbound_spi);

  // INITIAL_CONTACT, RFC 7296 2.4 (initial_contact.cc)
  // MaySendInitialContact: `sa` is the only IKE SA we hold with its peer (of the same peer
  // config, in any state; once `sa` is authenticated, SAs proven by another peer identity,
  // e.g. other clients of an ipsec-gw, do not count).
  bool MaySendInitialContact(const IkeSa& sa) const;
  // HonourInitialContact: `fresh` was just authenticated with `inner` as the IKE_AUTH request
  // or response; if that carries INITIAL_CONTACT, every other authenticated IKE SA of the same
  // peer config between the same identities is removed locally (nothing is sent).
  void HonourInitialContact(IkeSa& fresh, const std::vector<Payload>& inner, MonoTime now);

  // Duplicate IKE SAs of one tunnel (duplicate_ike_sa.cc says the whole rule).
  // CloseRedundantIkeSas: `fresh` was just established (its first CHILD SA carrying traffic,
  // our IKE_AUTH response sent); every other established IKE SA of the same LAN-to-LAN peer
  // config between the same identities is compared with it, and of each such pair the
  // redundant one is marked (MarkRedundant): deleted by us when we created it, once the peer
  // answered a liveness check over the kept one (DeleteRedundantOf), else by the peer.
  void CloseRedundantIkeSas(IkeSa& fresh, MonoTime now);
  void MarkRedundant(IkeSa& going, IkeSa& kept, MonoTime now);
  void DeleteRedundantOf(IkeSa& kept, MonoTime now);
  // HandOverTraffic: `kept`'s CHILD SA carries the tunnel's outbound traffic (the host's
  // ActivateChild) before `going`'s CHILD SAs are uninstalled.
  void HandOverTraffic(const IkeSa& going, IkeSa& kept);
  // KeptInsteadOf: the established IKE SA of the same LAN-to-LAN tunnel (same identities)
  // that carries on when `going` ends, or null (none; an ipsec-gw's peer config).
  IkeSa* KeptInsteadOf(const IkeSa& going);
  // ForgetRedundancy: `gone` ends; the SAs marked redundant in its favour stay after all.
  void ForgetRedundancy(const IkeSa& gone);
  // RedundantReason: the down reason of an IKE SA MarkRedundant chose.
  std::string RedundantReason(const IkeSa& going) const;

  // INFORMATIONAL (informational.cc)
  void SendDeleteIke(IkeSa& sa, MonoTime now, bool wait_for_reply);
  // SendAuthFailed: tells the responder, once and without waiting for an answer, that we (the
  // initiator) refused its IKE_AUTH response, so it drops the SAs it has already installed.
  void SendAuthFailed(IkeSa& sa);
  // SendOnce: an INFORMATIONAL request of `payloads`, sent once (best effort, no retransmission).
  void SendOnce(IkeSa& sa, const std::vector<Payload>& payloads);
  void SendDeleteChild(IkeSa& sa, uint32_t child_spi, MonoTime now);
  void SendLiveness(IkeSa& sa, MonoTime now);
  void RespondInformational(IkeSa& sa, const Received& in, MonoTime now);
  void ProcessInformationalResponse(IkeSa& sa, const Received& in, MonoTime now);
  void SendNotifyOnly(const Received& in, NotifyType type, std::span<const uint8_t> data);

  // HostRandom: the host's randomness as the protect library's Random (CBC IVs).
  class HostRandom final : public Random {
   public:
    explicit HostRandom(IkeHost* host) : host_(host) {}
    void Fill(std::span<uint8_t> out) override { host_->RandomBytes(out); }

   private:
    IkeHost* host_;
  };

  IkeHost* host_;
  const IkeCryptoProvider& crypto_;
  HostRandom host_random_{host_};
  IkeOptions options_;
  IkeStats stats_;
  std::map<uint64_t, IkePeerConfig> peers_;
  ResponderPeers responder_peers_;  // who answers an IKE_SA_INIT: an index into peers_
  // IKE SAs by our SPI (the initiator's SPI when we initiated, the responder's otherwise).
  // Hashed: each datagram finds its SA with one probe however many are held (issue 14); the
  // few passes over every SA (SetPeers, Shutdown, lease revocation) go in SPI order through
  // SpisInOrder, as a std::map's did.
  absl::flat_hash_map<uint64_t, std::unique_ptr<IkeSa>> sas_;
  // Suspended IKE_AUTHs: each pending check's ticket -> our SPI of its IKE SA.
  absl::flat_hash_map<uint64_t, uint64_t> auth_tickets_;
  uint64_t next_auth_ticket_ = 1;
  // EAP conversations of ipsec-gw clients: conversation -> our SPI of its IKE SA.
  absl::flat_hash_map<uint64_t, uint64_t> eap_conversations_;
  uint64_t next_eap_conversation_ = 1;
  // Half-open responder SAs by (initiator SPI, peer address), for IKE_SA_INIT retransmits.
  absl::flat_hash_map<std::pair<uint64_t, IpAddress>, uint64_t> half_open_;
  // Rate limit of IKE_SA_INIT per peer address: count in the current second.
  absl::flat_hash_map<IpAddress, std::pair<int64_t, uint32_t>> init_rate_;
  SecretBytes cookie_secret_;
  std::vector<uint64_t> dead_;  // our SPIs to purge after the current call

  // The indexes (ike_index.cc). deadlines_: (NextDeadline, our SPI) of every SA with a finite
  // one; by_peer_ / by_identity_: our SPIs by peer config, and by (peer config, IdentityKey);
  // child_spis_: every inbound CHILD SPI held or offered -> our SPI of its IKE SA, plus
  // fresh_child_spis_: those NewChildSpi handed out since the last Settle (not filed yet).
  absl::btree_set<std::pair<MonoTime, uint64_t>> deadlines_;
  absl::flat_hash_map<uint64_t, absl::btree_set<uint64_t>> by_peer_;
  absl::flat_hash_map<std::pair<uint64_t, std::string>, absl::btree_set<uint64_t>> by_identity_;
  absl::flat_hash_map<uint32_t, uint64_t> child_spis_;
  std::vector<uint32_t> fresh_child_spis_;
  std::vector<uint64_t> touched_;  // our SPIs of the SAs the current call may have changed
  int depth_ = 0;                  // Calls open
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_IKE_MANAGER_H_
