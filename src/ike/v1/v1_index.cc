// Ikev1Manager's indexes. The deadline index: OnTimer works from it, so a timer tick touches
// only the ISAKMP SAs whose time has come, however many are held (issue 14: a responder's cost
// per connection must not grow with the number of SAs; before it, each tick walked every SA:
// 26 ms per connection at 10k SAs, BM_Ikev1ResponderLoad). The SAs by peer and by (peer,
// remote address), for what concerns one peer or one client (INITIAL-CONTACT, a phase 1 rekey
// adopting IPsec SAs, initiation, DPD); our inbound SPIs by owner (a new SPI's uniqueness, a
// lifetime event's SA). Before them each of these walked every SA.
//
// The invariant (CheckIndexesForTesting checks it after every call in the unit tests): every
// live SA is filed, at a time no later than its NextDeadline. Touch + Settle re-file an SA
// whose deadline may have come forward; one whose deadline moved later keeps its earlier
// entry until OnTimer reaches it, runs it (nothing is due yet) and re-files it.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "ike/v1/ikev1_manager.h"

namespace tunnelisa::ike::v1 {
namespace {

std::atomic<bool> g_check_indexes{false};

}  // namespace

void Ikev1Manager::CheckIndexesForTesting(bool on) { g_check_indexes = on; }

MonoTime Ikev1Manager::NextDeadline(const V1Sa& sa) const {
  // Each term is a condition RunTimers acts on.
  if (sa.state == Phase1State::kDead) return MonoTime::Infinite();
  MonoTime next =
      std::min({sa.half_open_expiry, sa.expire_at, sa.rekey_at, sa.remote_access.deadline});
  if (sa.flight.waiting) next = std::min(next, sa.flight.next_send);
  for (const auto& [mid, q] : sa.quick) {
    next = std::min({next, q.activate_at, q.expires});
    if (q.flight.waiting) next = std::min(next, q.flight.next_send);
  }
  for (const auto& [mid, t] : sa.transactions) {
    next = std::min(next, t.expires);
    if (t.flight.waiting) next = std::min(next, t.flight.next_send);
  }
  for (const ChildSa& c : sa.children) {
    if (c.state == ChildState::kInstalled && !c.rekey_requested) next = std::min(next, c.rekey_at);
    if (c.state != ChildState::kInstalled) next = std::min(next, c.expire_at);
  }
  if (sa.state == Phase1State::kEstablished) {
    const IkePeerConfig* peer = Peer(sa.peer);
    if (peer != nullptr && peer->dpd && !peer->dpd->reply_only && sa.peer_dpd) {
      next = std::min(next, sa.dpd_outstanding ? sa.dpd_next : sa.last_heard + peer->dpd->interval);
    }
    if (sa.nat_local) next = std::min(next, sa.next_keepalive);
  }
  return next;
}

V1Sa& Ikev1Manager::AddSa(std::unique_ptr<V1Sa> owned) {
  V1Sa& sa = *owned;
  const uint64_t cookie = sa.our_cookie();
  sas_.emplace(cookie, std::move(owned));
  by_peer_[sa.peer].insert(cookie);
  sa.filed_address = sa.remote.address;
  by_address_[{sa.peer, sa.filed_address}].insert(cookie);
  Touch(sa);  // filed at its first deadline by the call's Settle
  return sa;
}

const absl::btree_set<uint64_t>& Ikev1Manager::SasOf(uint64_t peer) const {
  static const absl::btree_set<uint64_t> kNone;
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? kNone : it->second;
}

const absl::btree_set<uint64_t>& Ikev1Manager::SasAt(uint64_t peer,
                                                     const IpAddress& address) const {
  static const absl::btree_set<uint64_t> kNone;
  auto it = by_address_.find({peer, address});
  return it == by_address_.end() ? kNone : it->second;
}

const absl::btree_set<uint64_t>& Ikev1Manager::SameClientCandidates(const V1Sa& sa) const {
  // SameClient (main_mode.cc): a static tunnel is one peer; an ipsec-gw's clients are told
  // apart by address (and identity, user).
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer != nullptr && peer->remote.is_set()) return SasOf(sa.peer);
  return SasAt(sa.peer, sa.remote.address);
}

void Ikev1Manager::ReleaseChildSpi(const V1Sa& sa, uint32_t spi) {
  auto it = child_spis_.find(spi);
  if (it == child_spis_.end() || it->second != sa.our_cookie()) return;
  for (const ChildSa& c : sa.children) {
    if (c.inbound_spi == spi) return;
  }
  for (const auto& [mid, q] : sa.quick) {
    if (q.our_spi == spi) return;
  }
  child_spis_.erase(it);
}

void Ikev1Manager::Unindex(V1Sa& sa) {
  const uint64_t cookie = sa.our_cookie();
  if (auto it = by_peer_.find(sa.peer); it != by_peer_.end()) {
    it->second.erase(cookie);
    if (it->second.empty()) by_peer_.erase(it);
  }
  if (auto it = by_address_.find({sa.peer, sa.filed_address}); it != by_address_.end()) {
    it->second.erase(cookie);
    if (it->second.empty()) by_address_.erase(it);
  }
  // What it still holds (Quick Modes in flight; RemoveSa released its IPsec SAs).
  std::vector<uint32_t> spis;
  for (const ChildSa& c : sa.children) spis.push_back(c.inbound_spi);
  for (const auto& [mid, q] : sa.quick) spis.push_back(q.our_spi);
  for (uint32_t spi : spis) {
    auto it = child_spis_.find(spi);
    if (it != child_spis_.end() && it->second == cookie) child_spis_.erase(it);
  }
}

void Ikev1Manager::Unfile(V1Sa& sa) {
  if (!sa.filed_deadline.is_infinite()) deadlines_.erase({sa.filed_deadline, sa.our_cookie()});
  sa.filed_deadline = MonoTime::Infinite();
}

void Ikev1Manager::Refile(V1Sa& sa) {
  if (sa.remote.address != sa.filed_address) {  // NAT mapping changed: another client key
    const uint64_t cookie = sa.our_cookie();
    if (auto it = by_address_.find({sa.peer, sa.filed_address}); it != by_address_.end()) {
      it->second.erase(cookie);
      if (it->second.empty()) by_address_.erase(it);
    }
    sa.filed_address = sa.remote.address;
    by_address_[{sa.peer, sa.filed_address}].insert(cookie);
  }
  const MonoTime deadline = NextDeadline(sa);
  if (deadline == sa.filed_deadline) return;
  Unfile(sa);
  if (!deadline.is_infinite()) deadlines_.insert({deadline, sa.our_cookie()});
  sa.filed_deadline = deadline;
}

void Ikev1Manager::Settle() {
  std::vector<uint64_t> touched;
  touched.swap(touched_);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint64_t cookie : touched) {
    auto it = sas_.find(cookie);
    if (it != sas_.end()) Refile(*it->second);
  }
  if (g_check_indexes) CheckIndexes();
}

void Ikev1Manager::CheckIndexes() const {
  std::string problems;
  size_t filed = 0;
  for (const auto& [cookie, owned] : sas_) {
    const V1Sa& sa = *owned;
    const MonoTime want = NextDeadline(sa);
    if (want.is_infinite()) {
      if (!sa.filed_deadline.is_infinite()) ++filed;
      continue;
    }
    ++filed;
    if (sa.filed_deadline > want || !deadlines_.contains({sa.filed_deadline, cookie})) {
      absl::StrAppendFormat(&problems, "ISAKMP SA %016x: deadline %d filed as %d (state %d)\n",
                            cookie, want.ns, sa.filed_deadline.ns, static_cast<int>(sa.state));
    }
  }
  // The other indexes: every SA under its peer and its address, every SPI it uses under it.
  for (const auto& [cookie, owned] : sas_) {
    const V1Sa& sa = *owned;
    if (!SasOf(sa.peer).contains(cookie)) {
      absl::StrAppendFormat(&problems, "ISAKMP SA %016x: not under its peer %d\n", cookie, sa.peer);
    }
    if (sa.remote.address != sa.filed_address && sa.state != Phase1State::kDead) {
      absl::StrAppendFormat(&problems, "ISAKMP SA %016x: filed under %s, talks to %s\n", cookie,
                            sa.filed_address.ToString(), sa.remote.address.ToString());
    }
    if (!SasAt(sa.peer, sa.filed_address).contains(cookie)) {
      absl::StrAppendFormat(&problems, "ISAKMP SA %016x: not under its address\n", cookie);
    }
    // Its IPsec SAs' SPIs, and those of its Quick Modes still negotiating, are filed under it.
    for (const ChildSa& c : sa.children) {
      auto it = child_spis_.find(c.inbound_spi);
      if (it == child_spis_.end() || it->second != cookie) {
        absl::StrAppendFormat(&problems, "SPI %08x of ISAKMP SA %016x: not filed under it\n",
                              c.inbound_spi, cookie);
      }
    }
    for (const auto& [mid, q] : sa.quick) {
      if (q.installed_spi != 0 || q.our_spi == 0) continue;
      const uint32_t spi = q.our_spi;  // (clang 14 cannot capture a structured binding)
      auto it = child_spis_.find(spi);
      // (Or its IPsec SA's owner: a phase 1 renewal moved the IPsec SA it made elsewhere.)
      const bool moved =
          it != child_spis_.end() && it->second != cookie && sas_.contains(it->second) &&
          std::ranges::any_of(sas_.at(it->second)->children,
                              [spi](const ChildSa& c) { return c.inbound_spi == spi; });
      if (!moved && (it == child_spis_.end() || it->second != cookie)) {
        absl::StrAppendFormat(&problems, "Quick Mode SPI %08x of ISAKMP SA %016x: not filed\n", spi,
                              cookie);
      }
    }
  }
  // Every filed SPI is still used by its owner (else it leaked).
  for (const auto& [spi, cookie] : child_spis_) {
    auto it = sas_.find(cookie);
    bool used = false;
    if (it != sas_.end()) {
      for (const ChildSa& c : it->second->children) used = used || c.inbound_spi == spi;
      for (const auto& [mid, q] : it->second->quick) used = used || q.our_spi == spi;
    }
    if (!used) {
      absl::StrAppendFormat(&problems, "SPI %08x filed under %016x, which does not use it\n", spi,
                            cookie);
    }
  }
  size_t by_peer = 0, by_address = 0;
  for (const auto& [peer, cookies] : by_peer_) by_peer += cookies.size();
  for (const auto& [key, cookies] : by_address_) by_address += cookies.size();
  if (by_peer != sas_.size() || by_address != sas_.size()) {
    absl::StrAppendFormat(&problems, "%d SAs, %d by peer, %d by address\n", sas_.size(), by_peer,
                          by_address);
  }
  if (filed != deadlines_.size()) {
    absl::StrAppendFormat(&problems, "%d SAs filed, the index holds %d\n", filed,
                          deadlines_.size());
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "Ikev1Manager indexes:\n%s", problems.c_str());
    std::abort();
  }
}

}  // namespace tunnelisa::ike::v1
