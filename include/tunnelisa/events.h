// File: tunnelisa/events.h
//
// EventListener: how tunnelisa tells the host (and its own upper layers, such as IKE and
// redundancy) that something happened. Methods are called on the thread that made the call
// causing the event (a burst call, OnTimer, or a control call), after the burst's packets are
// processed, never from inside per-packet code. Default implementations ignore the event.
#ifndef TUNNELISA_EVENTS_H_
#define TUNNELISA_EVENTS_H_

#include <cstdint>

#include "tunnelisa/sa_installer.h"

namespace tunnelisa {

enum class LifetimeKind : uint8_t { kTime, kBytes, kPackets, kSequence };

// SaLifetimeEvent: an SA reached a soft limit (rekey now) or a hard one (it no longer passes
// traffic). kSequence: outbound sequence numbers are used up (RFC 4303 section 3.3.3: the SA
// must be rekeyed, the counter never cycles).
struct SaLifetimeEvent {
  SaHandle sa;
  uint32_t spi = 0;
  SaDirection direction = SaDirection::kOutbound;
  LifetimeKind kind = LifetimeKind::kTime;
  bool hard = false;
  uint64_t cookie = 0;
  MonoTime at;
};

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnSaLifetime(const SaLifetimeEvent& event) { (void)event; }
};

}  // namespace tunnelisa

#endif  // TUNNELISA_EVENTS_H_
