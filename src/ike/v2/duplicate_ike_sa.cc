// Duplicate IKE SAs of one tunnel: which one stays, who deletes the other, and how traffic moves
// to the one that stays without a gap.
//
// Both ends of a LAN-to-LAN tunnel may start an IKE SA at about the same time (each side's
// traffic after a Delete, both auto-establishing after a restart). RFC 7296 allows the two
// IKE SAs that result, but they double every rekey and liveness check and show the operator
// two IKE SAs for one tunnel. INITIAL_CONTACT does not help: neither side asserts it while it
// holds the other's half-open SA (MaySendInitialContact).
//
// The rule, applied by each end on its own as soon as it holds two established IKE SAs of the
// same peer config between the same identities (CloseRedundantIkeSas):
//   1. The IKE SA set up with INITIAL_CONTACT stays (its receiver removed the others already);
//      otherwise, as RFC 7296 2.8.1 settles a rekey collision, the IKE SA created with the
//      lowest nonce is redundant. Both ends hold the same nonces, so they pick the same one.
//   2. Its creator (the initiator of the exchange that made it) deletes it; the other end only
//      waits for that Delete, and keeps using both meanwhile.
//   3. Before the Delete, the creator checks that the peer holds the IKE SA that stays (an
//      empty INFORMATIONAL over it: the peer may not have the IKE_AUTH response that set it up
//      yet, or may have restarted and lost it). Once the peer answered, that SA's CHILD SA
//      takes our outbound traffic, then the Delete goes. No answer: the kept SA is removed as
//      "dead peer detected (DPD)" and the redundant one simply stays.
//   4. Whichever end removes an IKE SA while another of the tunnel stays moves its outbound
//      traffic onto the one that stays first (RemoveSa), so neither end is ever left without a
//      CHILD SA to send on, and the inbound SAs of the redundant one stay until its Delete
//      exchange ends.
//
// An ipsec-gw's peer config (no remote address) is left alone: there the same identity may be
// many clients (one pre-shared key and IDi for everyone), and the gateway never initiates.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

// SameIdentities: `a` and `b` authenticated the same identities both ways (and EAP user).
bool SameIdentities(const IkeSa& a, const IkeSa& b) {
  return a.local_id == b.local_id && a.peer_id == b.peer_id && a.eap_identity == b.eap_identity;
}

// FirstRedundant: of two IKE SAs of one tunnel, whether `a` (rather than `b`) is the redundant
// one. Both ends compute the same answer from what both know.
bool FirstRedundant(const IkeSa& a, const IkeSa& b) {
  if (a.initial_contact != b.initial_contact) return b.initial_contact;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8.1
  //# If redundant SAs are created through such a collision, the SA created with the lowest of
  //# the four nonces used in the two exchanges SHOULD be closed by the endpoint that created
  //# it.
  // The nonces of the exchange that created each IKE SA (IKE_SA_INIT, or the CREATE_CHILD_SA
  // of a rekey, which RekeyedIkeSa stores in nonce_i / nonce_r as well).
  const std::vector<uint8_t> na = MinNonce(a.nonce_i, a.nonce_r);
  const std::vector<uint8_t> nb = MinNonce(b.nonce_i, b.nonce_r);
  if (na != nb) return NonceLess(na, nb);
  // Equal nonces (a broken random source): the SPIs, which both ends also share, decide.
  return std::make_pair(a.spi_i, a.spi_r) < std::make_pair(b.spi_i, b.spi_r);
}

// LanToLan: a peer config for one remote peer (an ipsec-tunnel), not an ipsec-gw's.
bool LanToLan(const IkePeerConfig* peer) { return peer != nullptr && peer->remote.is_set(); }

}  // namespace

void IkeManager::CloseRedundantIkeSas(IkeSa& fresh, MonoTime now) {
  if (!LanToLan(Peer(fresh.peer)) || fresh.state != IkeState::kEstablished) return;
  // A LAN-to-LAN peer config holds a handful of IKE SAs at most (by_peer_).
  const absl::btree_set<uint64_t>& of_peer = SasOf(fresh.peer);
  const std::vector<uint64_t> spis(of_peer.begin(), of_peer.end());
  for (uint64_t spi : spis) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa& other = *it->second;
    if (&other == &fresh || other.state != IkeState::kEstablished || other.redundant_to != 0) {
      continue;
    }
    if (!SameIdentities(fresh, other)) continue;
    const bool fresh_goes = FirstRedundant(fresh, other);
    MarkRedundant(fresh_goes ? fresh : other, fresh_goes ? other : fresh, now);
    if (fresh_goes) return;  // `fresh` is on its way out: no more pairs to look at
  }
}

void IkeManager::MarkRedundant(IkeSa& going, IkeSa& kept, MonoTime now) {
  const IkePeerConfig* peer = Peer(going.peer);
  Touch(going);
  Touch(kept);
  ++stats_.redundant_ike_sas;
  going.redundant_to = kept.our_spi();
  const bool we_delete = going.initiator;
  LogLine(LogLevel::kInfo,
          absl::StrFormat("IKE: %s: duplicate IKE SA: keeping %016x_i %016x_r, %s deletes the "
                          "redundant %016x_i %016x_r",
                          peer != nullptr ? peer->name : std::string("?"), kept.spi_i, kept.spi_r,
                          we_delete ? "we" : "the peer", going.spi_i, going.spi_r));
  // The peer created it: its Delete will come (RespondInformational). Until then `going` lives
  // on as before (rekeys included), so with a peer that keeps duplicates nothing changes.
  if (!we_delete) return;
  going.awaiting_kept_check = true;
  Queue(kept, {RequestKind::kLiveness, 0}, now);
}

void IkeManager::DeleteRedundantOf(IkeSa& kept, MonoTime now) {
  // The peer answered over `kept`: it holds it, so the SAs waiting for that go now.
  if (!LanToLan(Peer(kept.peer))) return;
  const absl::btree_set<uint64_t>& of_peer = SasOf(kept.peer);
  const std::vector<uint64_t> spis(of_peer.begin(), of_peer.end());
  for (uint64_t spi : spis) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa& going = *it->second;
    if (!going.awaiting_kept_check || going.redundant_to != kept.our_spi()) continue;
    Touch(going);
    going.awaiting_kept_check = false;
    if (going.state != IkeState::kEstablished) continue;
    HandOverTraffic(going, kept);
    Queue(going, {RequestKind::kDeleteIke, 0}, now);
  }
}

void IkeManager::HandOverTraffic(const IkeSa& going, IkeSa& kept) {
  if (going.children.empty()) return;
  // The CHILD SA of `kept` that carries its traffic (the newest active one; else the newest
  // installed one, e.g. a rekey's that waits for the peer's Delete of its predecessor) takes
  // the tunnel's outbound traffic before `going`'s CHILD SAs are uninstalled.
  ChildSa* chosen = nullptr;
  for (auto c = kept.children.rbegin(); c != kept.children.rend(); ++c) {
    if (c->state != ChildState::kInstalled) continue;
    if (c->active) {
      chosen = &*c;
      break;
    }
    if (chosen == nullptr) chosen = &*c;
  }
  if (chosen == nullptr) return;
  Touch(kept);
  chosen->active = true;
  host_->ActivateChild(kept.peer, chosen->sas);
}

IkeSa* IkeManager::KeptInsteadOf(const IkeSa& going) {
  // Another established IKE SA of the same LAN-to-LAN tunnel with a CHILD SA: the one
  // MarkRedundant chose, else (an SA of a pair we had not compared, one that DPD or a
  // lifetime ends) any.
  if (!LanToLan(Peer(going.peer))) return nullptr;
  if (going.redundant_to != 0) {
    auto it = sas_.find(going.redundant_to);
    if (it != sas_.end() && it->second->state == IkeState::kEstablished &&
        !it->second->children.empty()) {
      return it->second.get();
    }
  }
  for (uint64_t spi : SasOf(going.peer)) {
    IkeSa& other = *sas_.at(spi);
    if (&other == &going || other.state != IkeState::kEstablished) continue;
    if (SameIdentities(going, other) && !other.children.empty()) return &other;
  }
  return nullptr;
}

void IkeManager::ForgetRedundancy(const IkeSa& gone) {
  // SAs that were to go in favour of `gone` stay after all.
  if (!LanToLan(Peer(gone.peer))) return;
  for (uint64_t spi : SasOf(gone.peer)) {
    IkeSa& other = *sas_.at(spi);
    if (other.redundant_to != gone.our_spi()) continue;
    Touch(other);
    other.redundant_to = 0;
    other.awaiting_kept_check = false;
  }
}

std::string IkeManager::RedundantReason(const IkeSa& going) const {
  auto it = sas_.find(going.redundant_to);
  if (it == sas_.end()) return "redundant: a duplicate of another IKE SA of the tunnel";
  return absl::StrFormat("redundant: a duplicate of IKE SA %016x_i %016x_r (both ends initiated)",
                         it->second->spi_i, it->second->spi_r);
}

}  // namespace tunnelisa::ike
