// IkeManager's indexes: the deadline index OnTimer works from, the IKE SAs by peer config and by
// authenticated identity, and the inbound CHILD SPIs. They let each event (a datagram, a timer, a
// lifetime event) touch only the SAs it concerns, however many SAs are held (issue 14: a
// responder's cost per handshake must not grow with the number of IKE SAs).
//
// How they stay right: every public method opens a Call; whatever may change an IKE SA's timers,
// state, identity or CHILD SAs touches it (or is reached through an SA the call touched); the
// outermost Call's end re-files every touched SA (Settle). A full scan after each call
// (CheckIndexesForTesting, on in the unit tests) proves nothing was missed.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

std::atomic<bool> g_check_indexes{false};

bool Authenticated(const IkeSa& sa) {
  return sa.state == IkeState::kEstablished || sa.state == IkeState::kRekeyed ||
         sa.state == IkeState::kDeleting;
}

}  // namespace

void IkeManager::CheckIndexesForTesting(bool on) { g_check_indexes = on; }

IkeSa& IkeManager::AddSa(std::unique_ptr<IkeSa> sa) {
  IkeSa& ref = *sa;
  const uint64_t spi = ref.our_spi();
  sas_.emplace(spi, std::move(sa));
  by_peer_[ref.peer].insert(spi);
  Touch(ref);
  return ref;
}

const absl::btree_set<uint64_t>& IkeManager::SasOf(uint64_t peer) const {
  static const absl::btree_set<uint64_t> kNone;
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? kNone : it->second;
}

const absl::btree_set<uint64_t>& IkeManager::SasOf(uint64_t peer,
                                                   const std::string& identity) const {
  static const absl::btree_set<uint64_t> kNone;
  auto it = by_identity_.find({peer, identity});
  return it == by_identity_.end() ? kNone : it->second;
}

std::vector<uint64_t> IkeManager::SpisInOrder() const {
  std::vector<uint64_t> spis;
  spis.reserve(sas_.size());
  for (const auto& [spi, sa] : sas_) spis.push_back(spi);
  std::sort(spis.begin(), spis.end());
  return spis;
}

std::string IkeManager::IdentityKey(const IkeSa& sa) {
  if (!Authenticated(sa)) return "";
  std::string key = "i";
  key.push_back(static_cast<char>(sa.peer_id.type));
  key.append(sa.peer_id.data.begin(), sa.peer_id.data.end());
  return key;
}

std::vector<uint32_t> IkeManager::ChildSpisOf(const IkeSa& sa) {
  std::vector<uint32_t> spis;
  for (const ChildSa& c : sa.children) spis.push_back(c.inbound_spi);
  spis.push_back(sa.request.new_spi);
  if (sa.pending_auth) spis.push_back(sa.pending_auth->child.new_spi);
  if (sa.eap_client != nullptr) spis.push_back(sa.eap_client->child.new_spi);
  std::erase(spis, 0u);
  std::sort(spis.begin(), spis.end());
  spis.erase(std::unique(spis.begin(), spis.end()), spis.end());
  return spis;
}

MonoTime IkeManager::NextDeadline(const IkeSa& sa) const {
  // Each term is a condition OnTimer (RunTimers) acts on.
  if (sa.state == IkeState::kDead) return MonoTime::Infinite();
  MonoTime next = MonoTime::Infinite();
  if (sa.state == IkeState::kEstablished) {
    const IkePeerConfig* peer = Peer(sa.peer);
    if (peer != nullptr && peer->dpd && !peer->dpd->reply_only &&
        sa.request.kind == RequestKind::kNone) {
      next = std::min(next, sa.last_heard + peer->dpd->interval);
    }
    if (sa.nat_local) next = std::min(next, sa.next_keepalive);
  }
  if (sa.request.kind != RequestKind::kNone) next = std::min(next, sa.request.next_send);
  if (sa.pending_auth) next = std::min(next, sa.pending_auth->deadline);
  if (sa.eap_server != nullptr && sa.eap_server->waiting) {
    next = std::min(next, sa.eap_server->deadline);
  }
  next = std::min({next, sa.half_open_expiry, sa.expire_at, sa.rekey_at});
  for (const ChildSa& c : sa.children) {
    if (c.state == ChildState::kInstalled && !c.rekey_requested) next = std::min(next, c.rekey_at);
    if (c.state != ChildState::kInstalled) next = std::min(next, c.expire_at);
  }
  return next;
}

void IkeManager::Unindex(IkeSa& sa) {
  const uint64_t spi = sa.our_spi();
  if (!sa.filed.deadline.is_infinite()) deadlines_.erase({sa.filed.deadline, spi});
  sa.filed.deadline = MonoTime::Infinite();
  for (uint32_t c : sa.filed.child_spis) {
    auto it = child_spis_.find(c);
    if (it != child_spis_.end() && it->second == spi) child_spis_.erase(it);
  }
  sa.filed.child_spis.clear();
  if (sa.filed.identity_filed) {
    if (auto it = by_identity_.find({sa.peer, sa.filed.identity}); it != by_identity_.end()) {
      it->second.erase(spi);
      if (it->second.empty()) by_identity_.erase(it);
    }
  }
  sa.filed.identity.clear();
  sa.filed.identity_filed = false;
  if (auto it = by_peer_.find(sa.peer); it != by_peer_.end()) {
    it->second.erase(spi);
    if (it->second.empty()) by_peer_.erase(it);
  }
}

void IkeManager::Reindex(IkeSa& sa) {
  const uint64_t spi = sa.our_spi();
  const MonoTime deadline = NextDeadline(sa);
  if (deadline != sa.filed.deadline) {
    if (!sa.filed.deadline.is_infinite()) deadlines_.erase({sa.filed.deadline, spi});
    if (!deadline.is_infinite()) deadlines_.insert({deadline, spi});
    sa.filed.deadline = deadline;
  }
  std::string identity = IdentityKey(sa);
  if (!sa.filed.identity_filed || identity != sa.filed.identity) {
    if (sa.filed.identity_filed) {
      auto old = by_identity_.find({sa.peer, sa.filed.identity});
      if (old != by_identity_.end()) {
        old->second.erase(spi);
        if (old->second.empty()) by_identity_.erase(old);
      }
    }
    by_identity_[{sa.peer, identity}].insert(spi);
    sa.filed.identity = std::move(identity);
    sa.filed.identity_filed = true;
  }
  std::vector<uint32_t> spis = ChildSpisOf(sa);
  if (spis != sa.filed.child_spis) {
    for (uint32_t c : sa.filed.child_spis) {
      if (std::binary_search(spis.begin(), spis.end(), c)) continue;
      auto it = child_spis_.find(c);
      if (it != child_spis_.end() && it->second == spi) child_spis_.erase(it);
    }
    for (uint32_t c : spis) child_spis_[c] = spi;  // a CHILD SA an IKE rekey moved here
    sa.filed.child_spis = std::move(spis);
  }
}

void IkeManager::Settle() {
  Purge();
  std::vector<uint64_t> touched;
  touched.swap(touched_);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint64_t spi : touched) {
    auto it = sas_.find(spi);
    if (it != sas_.end()) Reindex(*it->second);
  }
  fresh_child_spis_.clear();
  if (g_check_indexes) CheckIndexes();
}

void IkeManager::CheckIndexes() const {
  std::string problems;
  size_t deadlines = 0, spis = 0, identities = 0;
  for (const auto& [spi, owned] : sas_) {
    const IkeSa& sa = *owned;
    const MonoTime want = NextDeadline(sa);
    if (sa.filed.deadline != want || (!want.is_infinite() && !deadlines_.contains({want, spi}))) {
      absl::StrAppendFormat(&problems, "SA %016x: deadline %d filed as %d (state %d)\n", spi,
                            want.ns, sa.filed.deadline.ns, static_cast<int>(sa.state));
    }
    if (!want.is_infinite()) ++deadlines;
    if (!SasOf(sa.peer).contains(spi)) {
      absl::StrAppendFormat(&problems, "SA %016x: not filed under peer %d\n", spi, sa.peer);
    }
    if (!sa.filed.identity_filed || sa.filed.identity != IdentityKey(sa) ||
        !SasOf(sa.peer, IdentityKey(sa)).contains(spi)) {
      absl::StrAppendFormat(&problems, "SA %016x: not filed under its identity\n", spi);
    }
    ++identities;
    for (uint32_t c : ChildSpisOf(sa)) {
      auto it = child_spis_.find(c);
      if (it == child_spis_.end() || it->second != spi) {
        absl::StrAppendFormat(&problems, "SA %016x: CHILD SPI %08x not filed\n", spi, c);
      }
      ++spis;
    }
  }
  size_t peers = 0, filed_identities = 0;
  for (const auto& [peer, set] : by_peer_) peers += set.size();
  for (const auto& [key, set] : by_identity_) filed_identities += set.size();
  if (deadlines != deadlines_.size() || spis != child_spis_.size() || peers != sas_.size() ||
      filed_identities != identities) {
    absl::StrAppendFormat(&problems,
                          "index sizes: deadlines %d/%d, CHILD SPIs %d/%d, peers %d/%d, "
                          "identities %d/%d\n",
                          deadlines_.size(), deadlines, child_spis_.size(), spis, peers,
                          sas_.size(), filed_identities, identities);
  }
  if (problems.empty()) return;
  std::fprintf(stderr, "IkeManager indexes disagree with the SAs:\n%s", problems.c_str());
  std::abort();
}

}  // namespace tunnelisa::ike
