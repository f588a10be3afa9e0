#include "engine/gw_routes.h"

#include <algorithm>
#include <atomic>
#include <functional>

namespace tunnelisa {
namespace {

std::atomic<bool> g_check{false};

uint32_t Mask4(uint32_t a, int len) { return len == 0 ? 0 : a & (~uint32_t{0} << (32 - len)); }

void AddLength(std::vector<int>& lengths, int len) {
  if (std::find(lengths.begin(), lengths.end(), len) != lengths.end()) return;
  lengths.push_back(len);
  std::sort(lengths.begin(), lengths.end(), std::greater<int>());
}

}  // namespace

void CheckGwRoutesForTesting(bool on) { g_check = on; }
bool GwRoutesChecked() { return g_check; }

void GwRoutes::Fill(Slot& slot, const IpPrefix& prefix, const Candidate& winner) const {
  // What RelinkGws added to a RouteTable for each session's prefix before (a static route
  // into the session, as `show` would print one).
  config::Route r;
  r.prefix = prefix;
  r.protocol = config::RouteProtocol::kStatic;
  r.next_hop_kind = config::NextHopKind::kIpsecTunnel;
  r.via = config::NextHopKind::kIpsecTunnel;
  r.tunnel = winner.tunnel;
  r.interface = winner.interface;
  r.preference = 5;
  r.active = true;
  slot.route = std::move(r);
  slot.target = RouteTarget{.ipsec = winner.session, .names_tunnel = true};
}

void GwRoutes::Install(const IpPrefix& prefix, uint32_t slot) {
  const int len = prefix.length();
  if (prefix.address().is_v4()) {
    v4_[static_cast<size_t>(len)][prefix.address().v4_host_order()] = slot;
    AddLength(v4_lengths_, len);
  } else {
    v6_[static_cast<size_t>(len)][prefix.address()] = slot;
    AddLength(v6_lengths_, len);
  }
}

void GwRoutes::Uninstall(const IpPrefix& prefix) {
  const int len = prefix.length();
  if (prefix.address().is_v4()) {
    auto& map = v4_[static_cast<size_t>(len)];
    map.erase(prefix.address().v4_host_order());
    if (map.empty()) std::erase(v4_lengths_, len);
  } else {
    auto& map = v6_[static_cast<size_t>(len)];
    map.erase(prefix.address());
    if (map.empty()) std::erase(v6_lengths_, len);
  }
}

void GwRoutes::Set(const SessionRank& rank, IpsecTunnelState* session, const std::string& tunnel,
                   const std::string& interface, std::span<const IpPrefix> prefixes) {
  Remove(rank);
  std::vector<IpPrefix> kept;
  for (const IpPrefix& p : prefixes) {
    if (p.address().is_set()) kept.push_back(p);
  }
  if (kept.empty()) return;
  for (size_t i = 0; i < kept.size(); ++i) {
    const IpPrefix& p = kept[i];
    auto [it, fresh] = prefixes_.try_emplace(p);
    Prefix& entry = it->second;
    auto [c, added] = entry.candidates.try_emplace({rank, static_cast<uint32_t>(i)},
                                                   Candidate{session, tunnel, interface});
    if (fresh) {
      if (free_slots_.empty()) {
        entry.slot = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
      } else {
        entry.slot = free_slots_.back();
        free_slots_.pop_back();
      }
      Install(p, entry.slot);
    }
    // The slot shows the first candidate: this one if it now ranks first.
    if (c == entry.candidates.begin()) Fill(slots_[entry.slot], p, c->second);
  }
  by_session_.emplace(rank, std::move(kept));
}

void GwRoutes::Remove(const SessionRank& rank) {
  auto s = by_session_.find(rank);
  if (s == by_session_.end()) return;
  const std::vector<IpPrefix>& prefixes = s->second;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const IpPrefix& p = prefixes[i];
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    Prefix& entry = it->second;
    auto c = entry.candidates.find({rank, static_cast<uint32_t>(i)});
    if (c == entry.candidates.end()) continue;
    const bool was_first = c == entry.candidates.begin();
    entry.candidates.erase(c);
    if (entry.candidates.empty()) {
      Uninstall(p);
      slots_[entry.slot] = Slot{};
      free_slots_.push_back(entry.slot);
      prefixes_.erase(it);
    } else if (was_first) {
      Fill(slots_[entry.slot], p, entry.candidates.begin()->second);
    }
  }
  by_session_.erase(s);
}

void GwRoutes::Clear() { *this = GwRoutes(); }

int GwRoutes::LookupIndex(const IpAddress& address) const {
  if (address.is_v4()) {
    const uint32_t a = address.v4_host_order();
    for (int len : v4_lengths_) {
      const auto& map = v4_[static_cast<size_t>(len)];
      auto it = map.find(Mask4(a, len));
      if (it != map.end()) return static_cast<int>(it->second);
    }
    return -1;
  }
  if (!address.is_v6()) return -1;
  for (int len : v6_lengths_) {
    const auto& map = v6_[static_cast<size_t>(len)];
    auto it = map.find(IpPrefix::Make(address, len).address());
    if (it != map.end()) return static_cast<int>(it->second);
  }
  return -1;
}

std::vector<std::pair<config::Route, RouteTarget>> GwRoutes::Routes() const {
  std::vector<std::pair<config::Route, RouteTarget>> out;
  out.reserve(prefixes_.size());
  for (const auto& [prefix, entry] : prefixes_) {
    out.emplace_back(slots_[entry.slot].route, slots_[entry.slot].target);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first.prefix < b.first.prefix; });
  return out;
}

}  // namespace tunnelisa
