// INITIAL_CONTACT (RFC 7296 2.4): when we assert it, and what a received one removes.
//
// A peer that restarted lost its SAs but ours stay, and keep its old CHILD SAs installed
// beside the new ones until DPD or a lifetime ends them. Its INITIAL_CONTACT in the new IKE
// SA's IKE_AUTH says those are gone, so once that IKE SA is authenticated we remove the others
// between the same identities at once, locally: the peer no longer knows their SPIs, so any
// Delete would only be dropped (or answered with INVALID_IKE_SPI) on the other side.
#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

// Authenticated: the IKE SA passed IKE_AUTH (its identities are proven).
bool Authenticated(const IkeSa& sa) {
  return sa.state == IkeState::kEstablished || sa.state == IkeState::kRekeyed ||
         sa.state == IkeState::kDeleting;
}

}  // namespace

bool IkeManager::MaySendInitialContact(const IkeSa& sa) const {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.4
  //# The INITIAL_CONTACT notification asserts that this IKE SA is the only IKE SA currently
  //# active between the authenticated identities.
  // So not while we hold another one with the peer, half-open ones included: two IKE SAs
  // started at once from both ends must not each make the peer delete the other.
  // The SAs that can say no: an authenticated `sa` only minds the peer config's SAs not yet
  // authenticated and those proven by the same identity (an ipsec-gw's other clients never
  // count), so only those are looked at (by_identity_), not every SA of a gateway.
  auto denies = [&](uint64_t spi) {
    const IkeSa& other = *sas_.at(spi);
    if (&other == &sa || other.peer != sa.peer || other.state == IkeState::kDead) return false;
    return !(Authenticated(sa) && Authenticated(other) && !(other.peer_id == sa.peer_id));
  };
  if (Authenticated(sa)) {
    for (uint64_t spi : SasOf(sa.peer, "")) {
      if (denies(spi)) return false;
    }
    for (uint64_t spi : SasOf(sa.peer, IdentityKey(sa))) {
      if (denies(spi)) return false;
    }
  } else {
    for (uint64_t spi : SasOf(sa.peer)) {
      if (denies(spi)) return false;
    }
  }
  // SAs this call changed may not be filed where they now belong yet.
  for (uint64_t spi : touched_) {
    if (sas_.contains(spi) && denies(spi)) return false;
  }
  return true;
}

void IkeManager::HonourInitialContact(IkeSa& fresh, const std::vector<Payload>& inner,
                                      MonoTime now) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.4
  //# The INITIAL_CONTACT notification, if sent, MUST be in the first IKE_AUTH request or
  //# response, not as a separate exchange afterwards; receiving parties MAY ignore it in other
  //# messages.
  // Only IKE_AUTH calls this (both roles); other exchanges never look for it.
  bool initial_contact = false;
  for (const Payload& p : inner) {
    const NotifyPayload* n = p.As<NotifyPayload>();
    initial_contact = initial_contact || (n != nullptr && n->type == NotifyType::kInitialContact);
  }
  if (!initial_contact) return;
  fresh.initial_contact = true;  // this IKE SA is never the redundant one of a pair
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.4
  //# It MAY be sent when an IKE SA is established after a crash, and the recipient MAY use
  //# this information to delete any other IKE SAs it has to the same authenticated identity
  //# without waiting for a timeout.
  // The same identities on both ends (ours as we sent it, the peer's as it proved it) and the
  // same peer config: another ipsec-gw client, or another tunnel that happens to share an
  // identity, keeps its SAs. Half-open SAs have proven nothing yet and stay.
  const std::string reason =
      absl::StrFormat("INITIAL_CONTACT from %s in IKE SA %016x_i %016x_r (the peer restarted)",
                      fresh.peer_id_text, fresh.spi_i, fresh.spi_r);
  size_t removed = 0;
  // Candidates: the SAs filed under the same peer config and identity, and any SA this call
  // already changed (it may not be filed where it now belongs yet), in the order of our SPIs.
  std::vector<uint64_t> candidates(touched_.begin(), touched_.end());
  const absl::btree_set<uint64_t>& same = SasOf(fresh.peer, IdentityKey(fresh));
  candidates.insert(candidates.end(), same.begin(), same.end());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (uint64_t spi : candidates) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa* other = it->second.get();
    if (other == &fresh || other->peer != fresh.peer || !Authenticated(*other)) continue;
    if (!(other->local_id == fresh.local_id) || !(other->peer_id == fresh.peer_id)) continue;
    // With EAP the user is the authenticated identity (clients often all send their address
    // as IDi, one private address behind many NATs): another user's SAs stay.
    if (other->eap_identity != fresh.eap_identity) continue;
    // RemoveSa sends nothing; it uninstalls the CHILD SAs through IkeHost and raises the IKE
    // down / CHILD down events with `reason`.
    RemoveSa(*other, reason, now);
    ++removed;
  }
  if (removed > 0) {
    const IkePeerConfig* peer = Peer(fresh.peer);
    LogLine(LogLevel::kInfo, StrCat("IKE: ", peer != nullptr ? peer->name : std::string("?"), ": ",
                                    removed, " older IKE SA(s) removed: ", reason));
  }
}

}  // namespace tunnelisa::ike
