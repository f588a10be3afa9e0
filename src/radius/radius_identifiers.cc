#include "radius/radius_identifiers.h"

#include <algorithm>

namespace tunnelisa::radius {

std::shared_ptr<RadiusIdentifiers> MakeRadiusIdentifiers() {
  return std::make_shared<RadiusIdentifiers>();
}

bool RadiusIdentifiers::Full(const RadiusServerAddress& to) const {
  return outstanding(to) == kIdentifiers;
}

size_t RadiusIdentifiers::outstanding(const RadiusServerAddress& to) const {
  auto it = ports_.find(KeyOf(to));
  return it == ports_.end() ? 0 : it->second.in_use;
}

std::optional<uint8_t> RadiusIdentifiers::Take(const RadiusServerAddress& to,
                                               uint8_t random_start) {
  auto [it, fresh] = ports_.try_emplace(KeyOf(to));
  Port& port = it->second;
  if (fresh) port.next = random_start;
  if (port.in_use == kIdentifiers) return std::nullopt;
  size_t identifier = port.next;
  while (port.taken[identifier]) identifier = (identifier + 1) % kIdentifiers;
  port.taken[identifier] = true;
  ++port.in_use;
  port.next = static_cast<uint8_t>(identifier + 1);
  return static_cast<uint8_t>(identifier);
}

void RadiusIdentifiers::Give(const RadiusServerAddress& to, uint8_t identifier, MonoTime now) {
  auto it = ports_.find(KeyOf(to));
  if (it == ports_.end() || !it->second.taken[identifier]) return;
  it->second.taken[identifier] = false;
  if (--it->second.in_use == 0) ports_.erase(it);
  // A listener may Take (and, on a failed send, Give again: that nests one level and finds
  // the port as full as before) or Unlisten: walk a copy.
  const std::vector<Listener*> listeners = listeners_;
  for (Listener* l : listeners) {
    if (Full(to)) break;
    if (std::find(listeners_.begin(), listeners_.end(), l) == listeners_.end()) continue;
    l->IdentifierFreed(to, now);
  }
}

void RadiusIdentifiers::Listen(Listener* listener) {
  if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end()) {
    listeners_.push_back(listener);
  }
}

void RadiusIdentifiers::Unlisten(Listener* listener) { std::erase(listeners_, listener); }

}  // namespace tunnelisa::radius
