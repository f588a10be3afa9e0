// The `config service ies|vprn` tree down to the SAP: services, interfaces, SAPs, the service's
// `ipsec security-policy`, and static routes. The tunnels under a SAP are in parse_tunnel.cc.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"

namespace tunnelisa::config::internal {
namespace {

constexpr uint64_t kMaxServiceId = 2147483647;

int NextColumn(const Args& args) {
  return args.empty() ? args.keyword().column : args.peek().column;
}

// ---- ies / vprn ------------------------------------------------------------------------------

void EnterService(ParseState& st, const Frame& frame, Args& args, bool negated, ServiceType type) {
  int col = NextColumn(args);
  auto id = args.Number("service id", 1, kMaxServiceId);
  auto& services = st.config().services;
  if (negated) {
    if (!id || !args.End()) return;
    auto it = services.find(static_cast<uint32_t>(*id));
    if (it != services.end() && it->second.type != type) {
      st.Error(col, absl::StrCat("service ", *id, " is a ",
                                 std::string(ServiceTypeName(it->second.type)), " service"));
      return;
    }
    services.erase(static_cast<uint32_t>(*id));
    return;
  }
  Frame child = Child(frame, Ctx::kService, "");
  auto detached = [&] {
    child.detached = true;
    child.service = st.Detached<Service>();
    child.service->type = type;
    st.Push(child);
  };
  if (!id) return detached();
  std::optional<uint64_t> customer;
  std::optional<std::string> name;
  bool create = false;
  while (!args.empty()) {
    if (args.TryKeyword("customer")) {
      customer = args.Number("customer", 1, kMaxServiceId);
      if (!customer) return detached();
    } else if (args.TryKeyword("name")) {
      name = args.Name("service name");
      if (!name) return detached();
    } else if (args.TryKeyword("create")) {
      create = true;
    } else {
      break;  // the rest of the line is a command inside the service
    }
  }
  uint32_t sid = static_cast<uint32_t>(*id);
  auto it = services.find(sid);
  if (it == services.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': ", std::string(ServiceTypeName(type)), " ", sid,
                            " does not exist"));
      return detached();
    }
    if (!customer) {
      st.Error(args.keyword().column, absl::StrCat("'customer' is required when creating ",
                                                   std::string(ServiceTypeName(type)), " ", sid));
      return detached();
    }
    Service s;
    s.type = type;
    s.id = sid;
    s.customer = static_cast<uint32_t>(*customer);
    if (name) s.name = *name;
    it = services.emplace(sid, std::move(s)).first;
  } else {
    Service& s = it->second;
    if (s.type != type) {
      st.Error(col, absl::StrCat("service ", sid, " exists as a ",
                                 std::string(ServiceTypeName(s.type)), " service"));
      return detached();
    }
    if (customer && *customer != s.customer) {
      st.Error(col, absl::StrCat("service ", sid, " belongs to customer ", s.customer,
                                 "; the customer can't be changed"));
      return detached();
    }
    if (name) s.name = *name;
  }
  child.service = &it->second;
  child.path = ServicePath(sid);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleIes(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterService(st, frame, args, negated, ServiceType::kIes);
}
void HandleVprn(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterService(st, frame, args, negated, ServiceType::kVprn);
}

void HandleServiceName(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.service->name.clear();
    return;
  }
  auto name = args.Name("service-name");
  if (name && args.End()) frame.service->name = *name;
}

void HandleServiceIpsec(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, Ctx::kServiceIpsec, ""));
  st.Chain(args);
}

void HandleStaticRoute(ParseState& st, const Frame& frame, Args& args, bool negated) {
  auto prefix = args.Prefix("static-route prefix", false);
  if (!prefix) return;
  if (!args.TryKeyword("next-hop")) {
    if (args.empty()) {
      st.Error(args.keyword().column, "'static-route' needs 'next-hop'");
    } else {
      st.Error(args.peek().column,
               absl::StrCat("expected 'next-hop', got '", args.peek().text.substr(0, 40), "'"));
    }
    return;
  }
  StaticRoute route;
  route.prefix = *prefix;
  if (args.TryKeyword("ipsec-tunnel")) {
    auto name = args.Name("next-hop ipsec-tunnel");
    if (!name) return;
    route.kind = NextHopKind::kIpsecTunnel;
    route.tunnel_name = *name;
  } else if (args.TryKeyword("ip-tunnel")) {
    auto name = args.Name("next-hop ip-tunnel");
    if (!name) return;
    route.kind = NextHopKind::kIpTunnel;
    route.tunnel_name = *name;
  } else {
    auto ip = args.Address("next-hop");
    if (!ip) return;
    route.kind = NextHopKind::kIp;
    route.next_hop = *ip;
    if (ip->family() != prefix->address().family()) {
      st.Error(args.keyword().column, "next-hop and prefix are of different IP families");
      return;
    }
  }
  if (!args.End()) return;
  auto& routes = frame.service->static_routes;
  auto it = std::lower_bound(routes.begin(), routes.end(), route);
  bool present = it != routes.end() && *it == route;
  if (negated) {
    if (present) routes.erase(it);
    return;
  }
  if (!present) routes.insert(it, route);
  Frame rf = frame;
  rf.path = StaticRoutePath(frame.service->id, route);
  st.RecordObject(rf, args.keyword().column);
}

// ---- ipsec security-policy -------------------------------------------------------------------

void HandleSecurityPolicy(ParseState& st, const Frame& frame, Args& args, bool negated) {
  uint32_t sid = frame.service->id;
  EnterById(
      st, frame, args, negated, frame.service->security_policies, "security-policy id", 8192,
      Ctx::kSecurityPolicy, [sid](uint32_t id) { return SecurityPolicyPath(sid, id); },
      &Frame::security_policy, /*create_optional=*/false);
}

void HandleEntry(ParseState& st, const Frame& frame, Args& args, bool negated) {
  uint32_t sid = frame.service->id;
  uint32_t pid = frame.security_policy->id;
  EnterById(
      st, frame, args, negated, frame.security_policy->entries, "entry id", 16,
      Ctx::kSecurityPolicyEntry,
      [sid, pid](uint32_t id) { return SecurityPolicyEntryPath(sid, pid, id); }, &Frame::entry,
      /*create_optional=*/false);
}

void HandleSelector(ParseState& st, const Frame& frame, Args& args, bool negated) {
  (void)st;
  bool local = args.keyword().text == "local-ip";
  std::optional<IpPrefix>& target = local ? frame.entry->local_ip : frame.entry->remote_ip;
  if (negated) {
    if (args.End()) target.reset();
    return;
  }
  auto p = args.Prefix(local ? "local-ip" : "remote-ip", true);
  if (p && args.End()) target = *p;
}

// ---- interface -------------------------------------------------------------------------------

void HandleInterface(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto name = args.Name("interface name");
  auto& interfaces = frame.service->interfaces;
  if (negated) {
    if (name && args.End()) interfaces.erase(*name);
    return;
  }
  Frame child = Child(frame, Ctx::kInterface, "");
  auto detached = [&] {
    child.detached = true;
    child.interface = st.Detached<Interface>();
    st.Push(child);
  };
  if (!name) return detached();
  bool tunnel = args.TryKeyword("tunnel");
  bool create = args.TryKeyword("create");
  auto it = interfaces.find(*name);
  if (it == interfaces.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': interface ", Quote(*name), " does not exist"));
      return detached();
    }
    Interface i;
    i.name = *name;
    i.tunnel = tunnel;
    it = interfaces.emplace(*name, std::move(i)).first;
  } else if (create && it->second.tunnel != tunnel) {
    st.Error(col, absl::StrCat("interface ", Quote(*name), it->second.tunnel ? " is" : " is not",
                               " a tunnel interface; that is fixed when it is created"));
    return detached();
  }
  child.interface = &it->second;
  child.path = InterfacePath(frame.service->id, *name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleAddress(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.interface->address.reset();
    return;
  }
  const Token* t = args.Word("address");
  if (t == nullptr) return;
  std::optional<InterfaceAddress> a;
  if (!t->quoted && t->text.size() <= 64) a = InterfaceAddress::Parse(t->text);
  if (!a) {
    st.Error(t->column, absl::StrCat("expected an interface address (address/length) for "
                                     "address, got '",
                                     t->text.substr(0, 40), "'"));
    return;
  }
  if (args.End()) frame.interface->address = *a;
}

void HandleUnnumbered(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.interface->unnumbered.reset();
    return;
  }
  auto ref = args.Name("unnumbered");
  if (ref && args.End()) frame.interface->unnumbered = *ref;
}

void HandleIpMtu(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::optional<uint32_t>* mtu = nullptr;
  switch (frame.ctx) {
    case Ctx::kInterface:
      mtu = &frame.interface->ip_mtu;
      break;
    case Ctx::kIpTunnel:
      mtu = &frame.ip_tunnel->ip_mtu;
      break;
    default:
      mtu = &frame.ipsec_tunnel->ip_mtu;
      break;
  }
  if (negated) {
    if (args.End()) mtu->reset();
    return;
  }
  auto v = args.Number("ip-mtu", 512, 9000);
  if (v && args.End()) *mtu = static_cast<uint32_t>(*v);
}

// ---- sap -------------------------------------------------------------------------------------

void HandleSap(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  const Token* t = args.Word("sap");
  std::optional<TunnelSapId> id;
  if (t != nullptr && !t->quoted) id = TunnelSapId::Parse(t->text);
  if (t != nullptr && !id) {
    st.Error(t->column, absl::StrCat("expected a tunnel SAP (tunnel-<group>.public:<index> or "
                                     "tunnel-<group>.private:<index>, group 1..16, index "
                                     "1..4094), got '",
                                     t->text.substr(0, 40), "'"));
  }
  std::optional<Sap>& sap = frame.interface->sap;
  if (negated) {
    if (id && args.End() && sap && sap->id == *id) sap.reset();
    return;
  }
  Frame child = Child(frame, Ctx::kSap, "");
  auto detached = [&] {
    child.detached = true;
    child.sap = st.Detached<Sap>();
    if (id) child.sap->id = *id;
    st.Push(child);
  };
  if (!id) return detached();
  bool create = args.TryKeyword("create");
  if (sap && sap->id != *id) {
    st.Error(col, absl::StrCat("interface ", Quote(frame.interface->name), " already has sap ",
                               sap->id.ToString(), " (one SAP per interface)"));
    return detached();
  }
  if (!sap) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': sap ", id->ToString(), " does not exist"));
      return detached();
    }
    sap.emplace();
    sap->id = *id;
  }
  child.sap = &*sap;
  child.path = SapPath(frame.service->id, frame.interface->name, *id);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleSapQosContext(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  Frame child = Child(frame, Ctx::kSapQos, "");
  child.egress = args.keyword().text == "egress";
  st.Push(child);
  st.Chain(args);
}

void HandleQos(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::optional<uint32_t>& qos = frame.egress ? frame.sap->egress_qos : frame.sap->ingress_qos;
  if (negated) {
    if (args.End()) qos.reset();
    return;
  }
  auto v = args.Number(frame.egress ? "egress qos" : "ingress qos", 1, 65535);
  if (v && args.End()) qos = static_cast<uint32_t>(*v);
}

constexpr CommandSpec kServicesCommands[] = {
    {"ies", HandleIes},
    {"vprn", HandleVprn},
};
constexpr CommandSpec kServiceCommands[] = {
    {"interface", HandleInterface},      {"ipsec", HandleServiceIpsec},
    {"static-route", HandleStaticRoute}, {"service-name", HandleServiceName},
    {"shutdown", HandleShutdown},        {"description", HandleDescription},
};
constexpr CommandSpec kServiceIpsecCommands[] = {
    {"security-policy", HandleSecurityPolicy},
};
constexpr CommandSpec kSecurityPolicyCommands[] = {
    {"entry", HandleEntry},
};
constexpr CommandSpec kEntryCommands[] = {
    {"local-ip", HandleSelector},
    {"remote-ip", HandleSelector},
};
constexpr CommandSpec kInterfaceCommands[] = {
    {"address", HandleAddress},   {"unnumbered", HandleUnnumbered},
    {"ip-mtu", HandleIpMtu},      {"sap", HandleSap},
    {"shutdown", HandleShutdown}, {"description", HandleDescription},
};
constexpr CommandSpec kSapQosCommands[] = {
    {"qos", HandleQos},
};

}  // namespace

void HandleIpMtuShared(ParseState& st, const Frame& frame, Args& args, bool negated) {
  HandleIpMtu(st, frame, args, negated);
}
void HandleSapQosShared(ParseState& st, const Frame& frame, Args& args, bool negated) {
  HandleSapQosContext(st, frame, args, negated);
}

std::span<const CommandSpec> ServiceCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kServices:
      return kServicesCommands;
    case Ctx::kService:
      return kServiceCommands;
    case Ctx::kServiceIpsec:
      return kServiceIpsecCommands;
    case Ctx::kSecurityPolicy:
      return kSecurityPolicyCommands;
    case Ctx::kSecurityPolicyEntry:
      return kEntryCommands;
    case Ctx::kInterface:
      return kInterfaceCommands;
    case Ctx::kSapQos:
      return kSapQosCommands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
