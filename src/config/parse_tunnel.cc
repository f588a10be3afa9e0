// The tunnels under a SAP: `ip-tunnel` (GRE / IP-IP), `ipsec-tunnel` with its manual or
// dynamic keying, and `ipsec-gw`.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"

namespace tunnelisa::config::internal {
namespace {

constexpr size_t kMaxKeyBytes = 64;

// Shown: a word as messages quote it, shortened so that a long word gives a short message.
std::string Shown(std::string_view word) {
  if (word.size() <= 40) return std::string(word);
  return StrCat(word.substr(0, 40), "...");
}

int NextColumn(const Args& args) {
  return args.empty() ? args.keyword().column : args.peek().column;
}

bool RequireSapKind(ParseState& st, const Frame& frame, Args& args, SapKind kind) {
  if (frame.sap->id.kind == kind) return true;
  st.Error(
      args.keyword().column,
      absl::StrCat(args.keyword().text, " is only allowed under a ", std::string(SapKindName(kind)),
                   " tunnel SAP (tunnel-<group>.", std::string(SapKindName(kind)), ":<index>)"));
  return false;
}

// ---- ip-tunnel -------------------------------------------------------------------------------

void HandleIpTunnel(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto name = args.Name("ip-tunnel name");
  std::optional<IpTunnel>& tunnel = frame.sap->ip_tunnel;
  if (negated) {
    if (name && args.End() && tunnel && tunnel->name == *name) tunnel.reset();
    return;
  }
  Frame child = Child(frame, Ctx::kIpTunnel, "");
  auto detached = [&] {
    child.detached = true;
    child.ip_tunnel = st.Detached<IpTunnel>();
    st.Push(child);
  };
  if (!name) return detached();
  bool create = args.TryKeyword("create");
  if (!RequireSapKind(st, frame, args, SapKind::kPrivate)) return detached();
  if (tunnel && tunnel->name != *name) {
    st.Error(col, absl::StrCat("a private tunnel SAP can have only one ip-tunnel; ",
                               frame.sap->id.ToString(), " already has ip-tunnel ",
                               Quote(tunnel->name)));
    return detached();
  }
  if (!tunnel) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': ip-tunnel ", Quote(*name), " does not exist"));
      return detached();
    }
    tunnel.emplace();
    tunnel->name = *name;
  }
  child.ip_tunnel = &*tunnel;
  child.path = IpTunnelPath(frame.path, *name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleGreHeader(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (!args.End()) return;
  args.RecordField("gre-header", args.keyword());
  frame.ip_tunnel->gre_header = !negated;
}

// HandleAddressField: dest-ip, source, remote-ip, backup-remote-ip.
void HandleAddressField(ParseState&, const Frame& frame, Args& args, bool negated) {
  IpTunnel& t = *frame.ip_tunnel;
  std::string_view kw = args.keyword().text;
  std::optional<IpAddress>* field = kw == "dest-ip"     ? &t.dest_ip
                                    : kw == "source"    ? &t.source
                                    : kw == "remote-ip" ? &t.remote_ip
                                                        : &t.backup_remote_ip;
  if (negated) {
    if (args.End()) field->reset();
    return;
  }
  auto a = args.Address(kw);
  if (a && args.End()) *field = *a;
}

void HandleDeliveryService(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ip_tunnel->delivery_service.reset();
    return;
  }
  auto ref = args.Service("delivery-service");
  if (ref && args.End()) frame.ip_tunnel->delivery_service = *ref;
}

void HandleDscp(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ip_tunnel->dscp.reset();
    return;
  }
  const Token* t = args.Word("dscp");
  if (t == nullptr) return;
  auto v = t->quoted ? std::nullopt : ParseDscp(t->text);
  if (!v) {
    st.Error(t->column, absl::StrCat("unknown dscp '", t->text.substr(0, 40),
                                     "' (be, ef, af11..af43, cs1..cs7, nc1, nc2, cp0..cp63)"));
    return;
  }
  if (args.End()) frame.ip_tunnel->dscp = *v;
}

void HandleTunnelReassembly(ParseState&, const Frame& frame, Args& args, bool negated) {
  TunnelReassembly& r = frame.ip_tunnel->reassembly;
  if (negated) {
    if (!args.End()) return;
    r = TunnelReassembly{TunnelReassembly::Mode::kDisabled, kDefaultReassemblyWaitMs};
    return;
  }
  if (args.TryKeyword("use-tunnel-group-setting")) {
    if (args.End()) r = TunnelReassembly{};
    return;
  }
  uint32_t wait = kDefaultReassemblyWaitMs;
  if (!args.empty()) {
    auto v = args.Number("reassembly wait-msecs", 100, 5000);
    if (!v) return;
    wait = static_cast<uint32_t>(*v);
  }
  if (!args.End()) return;
  args.RecordField("reassembly", args.keyword());
  r = TunnelReassembly{TunnelReassembly::Mode::kEnabled, wait};
}

void HandleClearDf(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (!args.End()) return;
  args.RecordField("clear-df-bit", args.keyword());
  bool& flag = frame.ctx == Ctx::kIpTunnel ? frame.ip_tunnel->clear_df_bit
                                           : frame.ipsec_tunnel->clear_df_bit;
  flag = !negated;
}

// ---- ipsec-tunnel ----------------------------------------------------------------------------

void HandleIpsecTunnel(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto name = args.Name("ipsec-tunnel name");
  auto& tunnels = frame.sap->ipsec_tunnels;
  if (negated) {
    if (name && args.End()) tunnels.erase(*name);
    return;
  }
  Frame child = Child(frame, Ctx::kIpsecTunnel, "");
  auto detached = [&] {
    child.detached = true;
    child.ipsec_tunnel = st.Detached<IpsecTunnel>();
    st.Push(child);
  };
  if (!name) return detached();
  bool create = args.TryKeyword("create");
  if (!RequireSapKind(st, frame, args, SapKind::kPrivate)) return detached();
  auto it = tunnels.find(*name);
  if (it == tunnels.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': ipsec-tunnel ", Quote(*name), " does not exist"));
      return detached();
    }
    IpsecTunnel t;
    t.name = *name;
    it = tunnels.emplace(*name, std::move(t)).first;
  }
  child.ipsec_tunnel = &it->second;
  child.path = IpsecTunnelPath(frame.path, *name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleTunnelSecurityPolicy(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ipsec_tunnel->security_policy.reset();
    return;
  }
  auto id = args.Number("security-policy", 1, 8192);
  if (id && args.End()) frame.ipsec_tunnel->security_policy = static_cast<uint32_t>(*id);
}

void HandleLocalGateway(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTunnel& t = *frame.ipsec_tunnel;
  if (negated) {
    if (!args.End()) return;
    t.local_gateway_address.reset();
    t.peer.reset();
    t.delivery_service.reset();
    return;
  }
  auto local = args.Address("local-gateway-address");
  if (!local) return;
  if (!args.TryKeyword("peer")) {
    st.Error(NextColumn(args), "'local-gateway-address' needs 'peer ADDRESS'");
    return;
  }
  auto peer = args.Address("peer");
  if (!peer) return;
  if (!args.TryKeyword("delivery-service")) {
    st.Error(NextColumn(args), "'local-gateway-address' needs 'delivery-service SERVICE'");
    return;
  }
  auto service = args.Service("delivery-service");
  if (!service || !args.End()) return;
  t.local_gateway_address = *local;
  t.peer = *peer;
  t.delivery_service = *service;
}

void HandleDynamicKeying(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTunnel& t = *frame.ipsec_tunnel;
  if (negated) {
    if (args.End() && std::holds_alternative<DynamicKeying>(t.keying)) t.keying = {};
    return;
  }
  if (std::holds_alternative<ManualKeying>(t.keying)) {
    st.Error(args.keyword().column,
             "manual-keying is configured; remove it with 'no manual-keying' first");
    Frame child = Child(frame, Ctx::kDynamicKeying, "");
    child.detached = true;
    child.dynamic_keying = st.Detached<DynamicKeying>();
    st.Push(child);
    return;
  }
  if (!std::holds_alternative<DynamicKeying>(t.keying)) t.keying = DynamicKeying{};
  args.RecordField("dynamic-keying", args.keyword());
  Frame child = Child(frame, Ctx::kDynamicKeying, "");
  child.dynamic_keying = &std::get<DynamicKeying>(t.keying);
  st.Push(child);
  st.Chain(args);
}

void HandleManualKeying(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTunnel& t = *frame.ipsec_tunnel;
  if (negated) {
    if (args.End() && std::holds_alternative<ManualKeying>(t.keying)) t.keying = {};
    return;
  }
  if (std::holds_alternative<DynamicKeying>(t.keying)) {
    st.Error(args.keyword().column,
             "dynamic-keying is configured; remove it with 'no dynamic-keying' first");
    Frame child = Child(frame, Ctx::kManualKeying, "");
    child.detached = true;
    child.manual_keying = st.Detached<ManualKeying>();
    st.Push(child);
    return;
  }
  if (!std::holds_alternative<ManualKeying>(t.keying)) t.keying = ManualKeying{};
  args.RecordField("manual-keying", args.keyword());
  Frame child = Child(frame, Ctx::kManualKeying, "");
  child.manual_keying = &std::get<ManualKeying>(t.keying);
  st.Push(child);
  st.Chain(args);
}

// ---- dynamic-keying / ipsec-gw shared --------------------------------------------------------

void HandleIkePolicyRef(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::optional<uint32_t>& ref =
      frame.ctx == Ctx::kIpsecGw ? frame.ipsec_gw->ike_policy : frame.dynamic_keying->ike_policy;
  if (negated) {
    if (args.End()) ref.reset();
    return;
  }
  auto id = args.Number("ike-policy", 1, 2048);
  if (id && args.End()) ref = static_cast<uint32_t>(*id);
}

void HandlePreSharedKey(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<ConfigSecret>& key = frame.ctx == Ctx::kIpsecGw
                                         ? frame.ipsec_gw->pre_shared_key
                                         : frame.dynamic_keying->pre_shared_key;
  if (negated) {
    if (args.End()) key.reset();
    return;
  }
  const Token* t = args.Word("pre-shared-key");
  if (t == nullptr) return;
  if (t->text.empty() || t->text.size() > kMaxKeyBytes) {
    st.Error(t->column,
             absl::StrCat("pre-shared-key must be 1..", kMaxKeyBytes, " characters long"));
    return;
  }
  if (args.End()) key = ConfigSecret::FromText(t->text);
}

// HandleIkeId: `local-id TYPE VALUE` / `remote-id TYPE VALUE` (tunnelisa extension).
void HandleIkeId(ParseState& st, const Frame& frame, Args& args, bool negated) {
  const std::string kw(args.keyword().text);
  const bool local = kw == "local-id";
  std::optional<IkeIdentity>& id =
      frame.ctx == Ctx::kIpsecGw
          ? (local ? frame.ipsec_gw->local_id : frame.ipsec_gw->remote_id)
          : (local ? frame.dynamic_keying->local_id : frame.dynamic_keying->remote_id);
  if (negated) {
    if (args.End()) id.reset();
    return;
  }
  constexpr std::string_view kTypes = "ipv4-address, ipv6-address, fqdn, user-fqdn, key-id, dn";
  if (args.empty()) {
    st.Error(args.keyword().column,
             StrCat("'", kw, "' needs an identity type (", kTypes, ") and a value"));
    return;
  }
  const Token* type_word = args.Word(kw);
  auto type = type_word->quoted ? std::nullopt : ParseIkeIdentityType(type_word->text);
  if (!type) {
    st.Error(type_word->column,
             StrCat("unknown ", kw, " type '", Shown(type_word->text), "' (", kTypes, ")"));
    return;
  }
  if (args.empty()) {
    st.Error(args.keyword().column, StrCat("'", kw, " ", type_word->text, "' needs a value"));
    return;
  }
  const Token* value = args.Word(kw);
  std::string error;
  auto parsed = IkeIdentity::Parse(*type, value->text, &error);
  if (!parsed) {
    st.Error(value->column,
             StrCat("invalid ", kw, " ", type_word->text, " '", Shown(value->text), "': ", error));
    return;
  }
  if (args.End()) id = std::move(*parsed);
}

void HandleKeyingTransform(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.dynamic_keying->transforms.clear();
    return;
  }
  ReadTransformList(st, args, &frame.dynamic_keying->transforms);
}

void HandleAutoEstablish(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (!args.End()) return;
  args.RecordField("auto-establish", args.keyword());
  frame.dynamic_keying->auto_establish = !negated;
}

// ---- manual-keying ---------------------------------------------------------------------------

std::optional<ConfigSecret> ReadHexKey(ParseState& st, Args& args, std::string_view field) {
  const Token* t = args.Word(field);
  if (t == nullptr) return std::nullopt;
  if (t->quoted || t->text.size() > 2 * kMaxKeyBytes + 2) {
    st.Error(t->column, absl::StrCat(std::string(field), " must be at most ", kMaxKeyBytes,
                                     " bytes of hex (0x...)"));
    return std::nullopt;
  }
  auto bytes = SecretBytes::FromHex(t->text);
  if (!bytes.ok() || bytes->empty()) {
    st.Error(t->column, absl::StrCat(std::string(field),
                                     " must be hexadecimal (0x0123...), an even number of "
                                     "digits"));
    return std::nullopt;
  }
  return ConfigSecret(std::move(*bytes));
}

std::optional<SaDirection> ReadDirection(ParseState& st, Args& args) {
  const Token* t = args.Word("direction");
  if (t == nullptr) return std::nullopt;
  if (!t->quoted && t->text == "inbound") return SaDirection::kInbound;
  if (!t->quoted && t->text == "outbound") return SaDirection::kOutbound;
  st.Error(t->column, absl::StrCat("direction must be inbound or outbound, got '",
                                   t->text.substr(0, 40), "'"));
  return std::nullopt;
}

void HandleSecurityAssociation(ParseState& st, const Frame& frame, Args& args, bool negated) {
  auto entry = args.Number("security-association entry", 1, 16);
  if (!entry) return;
  ManualSa sa;
  sa.entry = static_cast<uint32_t>(*entry);
  bool have_spi = false, have_transform = false, have_direction = false;
  while (!args.empty()) {
    if (!negated && args.TryKeyword("authentication-key")) {
      auto k = ReadHexKey(st, args, "authentication-key");
      if (!k) return;
      sa.authentication_key = std::move(*k);
    } else if (!negated && args.TryKeyword("encryption-key")) {
      auto k = ReadHexKey(st, args, "encryption-key");
      if (!k) return;
      sa.encryption_key = std::move(*k);
    } else if (!negated && args.TryKeyword("spi")) {
      auto v = args.Number("spi", 256, 4294967295ull);
      if (!v) return;
      sa.spi = static_cast<uint32_t>(*v);
      have_spi = true;
    } else if (!negated && args.TryKeyword("transform")) {
      auto v = args.Number("transform", 1, 2048);
      if (!v) return;
      sa.transform = static_cast<uint32_t>(*v);
      have_transform = true;
    } else if (args.TryKeyword("direction")) {
      auto d = ReadDirection(st, args);
      if (!d) return;
      sa.direction = *d;
      have_direction = true;
    } else {
      args.End();
      return;
    }
  }
  std::string missing;
  if (!have_direction) missing = "direction";
  if (!negated && !have_spi) missing = "spi";
  if (!negated && !have_transform) missing = "transform";
  if (!missing.empty()) {
    st.Error(args.keyword().column, absl::StrCat("'security-association' needs '", missing, "'"));
    return;
  }
  auto& sas = frame.manual_keying->security_associations;
  auto key = [](const ManualSa& s) { return std::make_pair(s.entry, s.direction); };
  auto it = std::lower_bound(sas.begin(), sas.end(), sa,
                             [&](const ManualSa& a, const ManualSa& b) { return key(a) < key(b); });
  bool present = it != sas.end() && key(*it) == key(sa);
  if (negated) {
    if (present) sas.erase(it);
    return;
  }
  args.RecordField(absl::StrCat("security-association ", sa.entry,
                                sa.direction == SaDirection::kInbound ? " inbound" : " outbound"),
                   args.keyword());
  if (present) {
    *it = std::move(sa);
  } else {
    sas.insert(it, std::move(sa));
  }
}

// ---- ipsec-gw --------------------------------------------------------------------------------

void HandleIpsecGw(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto name = args.Name("ipsec-gw name");
  auto& gws = frame.sap->ipsec_gws;
  if (negated) {
    if (name && args.End()) gws.erase(*name);
    return;
  }
  Frame child = Child(frame, Ctx::kIpsecGw, "");
  auto detached = [&] {
    child.detached = true;
    child.ipsec_gw = st.Detached<IpsecGw>();
    st.Push(child);
  };
  if (!name) return detached();
  bool create = args.TryKeyword("create");
  if (!RequireSapKind(st, frame, args, SapKind::kPublic)) return detached();
  auto it = gws.find(*name);
  if (it == gws.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': ipsec-gw ", Quote(*name), " does not exist"));
      return detached();
    }
    IpsecGw gw;
    gw.name = *name;
    it = gws.emplace(*name, std::move(gw)).first;
  }
  child.ipsec_gw = &it->second;
  child.path = IpsecGwPath(frame.path, *name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

void HandleGatewayAddress(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ipsec_gw->gateway_address.reset();
    return;
  }
  auto a = args.Address("gateway-address");
  if (a && args.End()) frame.ipsec_gw->gateway_address = *a;
}

void HandleDefaultTemplate(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ipsec_gw->default_tunnel_template.reset();
    return;
  }
  auto id = args.Number("default-tunnel-template", 1, 2048);
  if (id && args.End()) frame.ipsec_gw->default_tunnel_template = static_cast<uint32_t>(*id);
}

void HandleSecureService(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.ipsec_gw->default_secure_service.reset();
    return;
  }
  auto id = args.Number("default-secure-service", 1, 2147483647);
  if (!id) return;
  if (!args.TryKeyword("interface")) {
    st.Error(NextColumn(args), "'default-secure-service' needs 'interface NAME'");
    return;
  }
  auto ifname = args.Name("default-secure-service interface");
  if (ifname && args.End()) {
    frame.ipsec_gw->default_secure_service = SecureServiceRef{static_cast<uint32_t>(*id), *ifname};
  }
}

constexpr CommandSpec kSapCommands[] = {
    {"ip-tunnel", HandleIpTunnel},      {"ipsec-tunnel", HandleIpsecTunnel},
    {"ipsec-gw", HandleIpsecGw},        {"ingress", HandleSapQosShared},
    {"egress", HandleSapQosShared},     {"shutdown", HandleShutdown},
    {"description", HandleDescription},
};
constexpr CommandSpec kIpTunnelCommands[] = {
    {"gre-header", HandleGreHeader},
    {"dest-ip", HandleAddressField},
    {"source", HandleAddressField},
    {"remote-ip", HandleAddressField},
    {"backup-remote-ip", HandleAddressField},
    {"delivery-service", HandleDeliveryService},
    {"dscp", HandleDscp},
    {"ip-mtu", HandleIpMtuShared},
    {"reassembly", HandleTunnelReassembly},
    {"clear-df-bit", HandleClearDf},
    {"shutdown", HandleShutdown},
    {"description", HandleDescription},
};
constexpr CommandSpec kIpsecTunnelCommands[] = {
    {"security-policy", HandleTunnelSecurityPolicy},
    {"local-gateway-address", HandleLocalGateway},
    {"dynamic-keying", HandleDynamicKeying},
    {"manual-keying", HandleManualKeying},
    {"ip-mtu", HandleIpMtuShared},
    {"clear-df-bit", HandleClearDf},
    {"dpd", HandleDpd},
    {"shutdown", HandleShutdown},
    {"description", HandleDescription},
};
constexpr CommandSpec kDynamicKeyingCommands[] = {
    {"ike-policy", HandleIkePolicyRef},
    {"pre-shared-key", HandlePreSharedKey},
    {"local-id", HandleIkeId},
    {"remote-id", HandleIkeId},
    {"transform", HandleKeyingTransform},
    {"auto-establish", HandleAutoEstablish},
    {"cert", HandleCertBlock},
    {"request-address", HandleRequestAddress},
    {"xauth-user", HandleXauthUser},
    {"eap-identity", HandleEapIdentity},
    {"eap-password", HandleEapPassword},
};
constexpr CommandSpec kManualKeyingCommands[] = {
    {"security-association", HandleSecurityAssociation},
};
constexpr CommandSpec kIpsecGwCommands[] = {
    {"gateway-address", HandleGatewayAddress},
    {"ike-policy", HandleIkePolicyRef},
    {"pre-shared-key", HandlePreSharedKey},
    {"local-id", HandleIkeId},
    {"remote-id", HandleIkeId},
    {"cert", HandleCertBlock},
    {"default-tunnel-template", HandleDefaultTemplate},
    {"default-secure-service", HandleSecureService},
    {"dpd", HandleDpd},
    {"radius-authentication-policy", HandleGwRadiusPolicy},
    {"radius-accounting-policy", HandleGwRadiusPolicy},
    {"local-address-assignment", HandleLocalAddressAssignment},
    {"shutdown", HandleShutdown},
    {"description", HandleDescription},
};

}  // namespace

std::span<const CommandSpec> TunnelCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kSap:
      return kSapCommands;
    case Ctx::kIpTunnel:
      return kIpTunnelCommands;
    case Ctx::kIpsecTunnel:
      return kIpsecTunnelCommands;
    case Ctx::kDynamicKeying:
      return kDynamicKeyingCommands;
    case Ctx::kManualKeying:
      return kManualKeyingCommands;
    case Ctx::kIpsecGw:
      return kIpsecGwCommands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
