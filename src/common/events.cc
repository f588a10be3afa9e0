#include "tunnelisa/events.h"

namespace tunnelisa {

std::string_view LifetimeKindName(LifetimeKind kind) {
  switch (kind) {
    case LifetimeKind::kTime:
      return "time";
    case LifetimeKind::kBytes:
      return "bytes";
    case LifetimeKind::kPackets:
      return "packets";
    case LifetimeKind::kSequence:
      return "sequence";
  }
  return "unknown";
}

std::string_view IkeEventKindName(IkeEventKind kind) {
  switch (kind) {
    case IkeEventKind::kIkeUp:
      return "ike-up";
    case IkeEventKind::kIkeDown:
      return "ike-down";
    case IkeEventKind::kIkeRekeyed:
      return "ike-rekeyed";
    case IkeEventKind::kChildUp:
      return "child-up";
    case IkeEventKind::kChildDown:
      return "child-down";
    case IkeEventKind::kChildRekeyed:
      return "child-rekeyed";
    case IkeEventKind::kAuthFailed:
      return "auth-failed";
    case IkeEventKind::kNegotiationFailed:
      return "negotiation-failed";
  }
  return "unknown";
}

std::string_view IsaEventKindName(IsaEventKind kind) {
  switch (kind) {
    case IsaEventKind::kIsaFailed:
      return "isa-failed";
    case IsaEventKind::kIsaRecovered:
      return "isa-recovered";
    case IsaEventKind::kIsaActive:
      return "isa-active";
    case IsaEventKind::kIsaStandby:
      return "isa-standby";
    case IsaEventKind::kGroupDown:
      return "group-down";
    case IsaEventKind::kGroupUp:
      return "group-up";
  }
  return "unknown";
}

std::string_view TunnelKindName(TunnelKind kind) {
  switch (kind) {
    case TunnelKind::kIpsec:
      return "ipsec-tunnel";
    case TunnelKind::kGre:
      return "gre-tunnel";
    case TunnelKind::kIpIp:
      return "ip-ip-tunnel";
  }
  return "unknown";
}

}  // namespace tunnelisa
