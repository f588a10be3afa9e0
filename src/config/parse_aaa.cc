// The RADIUS trees (`config router radius-server`, `config aaa radius-server-policy`,
// `config ipsec radius-authentication-policy` / `radius-accounting-policy`) and the
// remote-access commands of an ipsec-gw (its RADIUS policies, `local-address-assignment`) and
// of dynamic-keying (`request-address`): docs/configuration.md, "Remote access".
#include "common/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"

namespace tunnelisa::config::internal {
namespace {

constexpr size_t kMaxSecretBytes = 64;

int NextColumn(const Args& args) {
  return args.empty() ? args.keyword().column : args.peek().column;
}

// Navigation: `router`, `radius-server` (under router), `aaa`, `servers`, each entering its
// context.
template <Ctx kCtx>
void HandleEnter(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, kCtx, ""));
  st.Chain(args);
}

// EnterByName: `KEYWORD "NAME" create` / `KEYWORD "NAME"` / `no KEYWORD "NAME"` for objects
// kept in a std::map by name (the ca-profile's shape). After an error it enters a detached
// scratch object so the lines inside are still checked.
template <typename T, typename PathFn>
void EnterByName(ParseState& st, const Frame& frame, Args& args, bool negated,
                 std::map<std::string, T>& map, std::string_view what, Ctx ctx, PathFn path,
                 T* Frame::*member) {
  int col = NextColumn(args);
  auto name = args.Name(StrCat(what, " name"));
  if (negated) {
    if (name && args.End()) map.erase(*name);
    return;
  }
  Frame child = Child(frame, ctx, "");
  auto detached = [&] {
    child.detached = true;
    child.*member = st.Detached<T>();
    st.Push(child);
  };
  if (!name) return detached();
  bool create = args.TryKeyword("create");
  auto it = map.find(*name);
  if (it == map.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               StrCat("missing 'create': ", what, " ", Quote(*name), " does not exist"));
      return detached();
    }
    T obj;
    obj.name = *name;
    it = map.emplace(*name, std::move(obj)).first;
  }
  child.*member = &it->second;
  child.path = path(*name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

// ReadSecret: a RADIUS shared secret, 1..64 characters.
std::optional<ConfigSecret> ReadSecret(ParseState& st, Args& args) {
  const Token* t = args.Word("secret");
  if (t == nullptr) return std::nullopt;
  if (t->text.empty() || t->text.size() > kMaxSecretBytes) {
    st.Error(t->column, StrCat("secret must be 1..", kMaxSecretBytes, " characters long"));
    return std::nullopt;
  }
  return ConfigSecret::FromText(t->text);
}

// ---- config router radius-server -------------------------------------------------------------

// HandleRadiusServer: `server "NAME" address A.B.C.D secret "S" create` creates a server (both
// settings required); on an existing server `address` and `secret` are optional and replace
// the old values; `no server "NAME"` removes it.
void HandleRadiusServer(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto name = args.Name("radius-server name");
  auto& servers = st.config().radius_servers;
  if (negated) {
    if (name && args.End()) servers.erase(*name);
    return;
  }
  Frame child = Child(frame, Ctx::kRadiusServer, "");
  auto detached = [&] {
    child.detached = true;
    child.radius_server = st.Detached<RadiusServer>();
    st.Push(child);
  };
  if (!name) return detached();
  std::optional<IpAddress> address;
  std::optional<ConfigSecret> secret;
  bool create = false, bad = false;
  while (!args.empty() && !bad) {
    if (args.TryKeyword("address")) {
      int at = NextColumn(args);
      address = args.Address("radius-server address");
      if (!address) {
        bad = true;
      } else if (!address->is_v4()) {
        st.Error(at, "radius-server address must be an IPv4 address");
        bad = true;
      }
    } else if (args.TryKeyword("secret")) {
      secret = ReadSecret(st, args);
      bad = !secret;
    } else if (args.TryKeyword("create")) {
      create = true;
      bad = !args.End();
    } else {
      args.End();
      bad = true;
    }
  }
  if (bad) return detached();
  auto it = servers.find(*name);
  if (it == servers.end()) {
    if (!create || !address || !secret) {
      std::string_view missing = !create    ? "'create'"
                                 : !address ? (!secret ? "'address' and 'secret'" : "'address'")
                                            : "'secret'";
      st.Error(args.keyword().column,
               StrCat("radius-server ", Quote(*name), " does not exist: creating it needs ",
                      missing, " (server \"NAME\" address A.B.C.D secret \"S\" create)"));
      return detached();
    }
    RadiusServer server;
    server.name = *name;
    it = servers.emplace(*name, std::move(server)).first;
  }
  if (address) it->second.address = *address;
  if (secret) it->second.secret = *std::move(secret);
  child.radius_server = &it->second;
  child.path = RadiusServerPath(*name);
  st.Push(child);
  st.RecordObject(child, col);
}

// HandleRadiusPort: `auth-port N` / `acct-port N` (1..65535); `no` restores 1812 / 1813.
void HandleRadiusPort(ParseState&, const Frame& frame, Args& args, bool negated) {
  const bool auth = args.keyword().text == "auth-port";
  uint16_t& port = auth ? frame.radius_server->auth_port : frame.radius_server->acct_port;
  if (negated) {
    if (args.End()) port = auth ? kDefaultRadiusAuthPort : kDefaultRadiusAcctPort;
    return;
  }
  auto n = args.Number(auth ? "auth-port" : "acct-port", 1, 65535);
  if (n && args.End()) port = static_cast<uint16_t>(*n);
}

// ---- config aaa radius-server-policy ---------------------------------------------------------

void HandleServerPolicy(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterByName(st, frame, args, negated, st.config().radius_server_policies, "radius-server-policy",
              Ctx::kRadiusServerPolicy, RadiusServerPolicyPath, &Frame::radius_server_policy);
}

void HandleNasIdentifier(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::string& id = frame.radius_server_policy->nas_identifier;
  if (negated) {
    if (args.End()) id.clear();
    return;
  }
  // RFC 2865 5.32: a String attribute, at most 253 octets; the policy keeps it to a name.
  auto name = args.Name("nas-identifier");
  if (name && args.End()) id = std::move(*name);
}

void HandleServersTimeout(ParseState&, const Frame& frame, Args& args, bool negated) {
  uint32_t& v = frame.radius_server_policy->timeout_s;
  if (negated) {
    if (args.End()) v = RadiusServerPolicy{}.timeout_s;
    return;
  }
  auto n = args.Number("timeout", 1, 90);
  if (n && args.End()) v = static_cast<uint32_t>(*n);
}

void HandleServersRetry(ParseState&, const Frame& frame, Args& args, bool negated) {
  uint32_t& v = frame.radius_server_policy->retry;
  if (negated) {
    if (args.End()) v = RadiusServerPolicy{}.retry;
    return;
  }
  auto n = args.Number("retry", 1, 10);
  if (n && args.End()) v = static_cast<uint32_t>(*n);
}

// HandleServersServer: `server INDEX name "NAME"` (INDEX 1..16: the failover order). An index
// given twice is refused: `no server INDEX` first, so a pasted list can't silently lose a
// server.
void HandleServersServer(ParseState& st, const Frame& frame, Args& args, bool negated) {
  auto& servers = frame.radius_server_policy->servers;
  auto index = args.Number("server index", 1, kMaxRadiusServerIndex);
  if (!index) return;
  const uint32_t key = static_cast<uint32_t>(*index);
  if (negated) {
    if (args.End()) servers.erase(key);
    return;
  }
  if (!args.TryKeyword("name")) {
    st.Error(NextColumn(args), "'server INDEX' needs 'name \"RADIUS-SERVER\"'");
    return;
  }
  auto name = args.Name("server name");
  if (!name || !args.End()) return;
  if (auto it = servers.find(key); it != servers.end() && it->second != *name) {
    st.Error(args.keyword().column, StrCat("server ", key, " is already radius-server ",
                                           Quote(it->second), " ('no server ", key, "' first)"));
    return;
  }
  args.RecordField(StrCat("server ", key), args.keyword());
  servers[key] = std::move(*name);
}

// ---- config ipsec radius-authentication-policy / radius-accounting-policy ---------------------

void HandleAuthPolicy(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterByName(st, frame, args, negated, st.config().radius_authentication_policies,
              "radius-authentication-policy", Ctx::kRadiusAuthPolicy, RadiusAuthPolicyPath,
              &Frame::radius_auth_policy);
}

void HandleAcctPolicy(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterByName(st, frame, args, negated, st.config().radius_accounting_policies,
              "radius-accounting-policy", Ctx::kRadiusAcctPolicy, RadiusAcctPolicyPath,
              &Frame::radius_acct_policy);
}

// HandlePolicyServerRef: `radius-server-policy "NAME"` of an authentication or accounting
// policy.
void HandlePolicyServerRef(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::string& ref = frame.ctx == Ctx::kRadiusAuthPolicy
                         ? frame.radius_auth_policy->radius_server_policy
                         : frame.radius_acct_policy->radius_server_policy;
  if (negated) {
    if (args.End()) ref.clear();
    return;
  }
  auto name = args.Name("radius-server-policy");
  if (name && args.End()) ref = std::move(*name);
}

void HandleUpdateInterval(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::optional<uint32_t>& v = frame.radius_acct_policy->update_interval_min;
  if (negated) {
    if (args.End()) v.reset();
    return;
  }
  auto n = args.Number("update-interval", 5, 1440);
  if (n && args.End()) v = static_cast<uint32_t>(*n);
}

// ---- ipsec-gw local-address-assignment -------------------------------------------------------

void HandleLaaIpv4(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<Ipv4AddressAssignment>& block = frame.local_address_assignment->ipv4;
  if (negated) {
    if (args.End()) block.reset();
    return;
  }
  if (!block) block.emplace();
  Frame child = Child(frame, Ctx::kLaaIpv4, "");
  child.laa_ipv4 = &*block;
  st.Push(child);
  st.Chain(args);
}

std::optional<IpAddress> ReadIpv4(ParseState& st, Args& args, std::string_view field) {
  int col = NextColumn(args);
  auto a = args.Address(field);
  if (a && !a->is_v4()) {
    st.Error(col, StrCat(field, " must be an IPv4 address (this is the ipv4 block)"));
    return std::nullopt;
  }
  return a;
}

// HandleAddressRange: `address-range START END`; `no address-range`.
void HandleAddressRange(ParseState& st, const Frame& frame, Args& args, bool negated) {
  Ipv4AddressAssignment& v4 = *frame.laa_ipv4;
  if (negated) {
    if (args.End()) v4.range_start.reset(), v4.range_end.reset();
    return;
  }
  auto start = ReadIpv4(st, args, kAddressRangeField);
  if (!start) return;
  auto end = ReadIpv4(st, args, kAddressRangeField);
  if (!end || !args.End()) return;
  args.RecordField(kAddressRangeField, args.keyword());
  v4.range_start = *start;
  v4.range_end = *end;
}

// HandleDnsServer: `dns-server A.B.C.D` adds a server (at most 2, in order);
// `no dns-server A.B.C.D` removes one, `no dns-server` all.
void HandleDnsServer(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::vector<IpAddress>& dns = frame.laa_ipv4->dns_servers;
  if (negated) {
    if (args.empty()) {
      dns.clear();
      return;
    }
    auto a = ReadIpv4(st, args, kDnsServerField);
    if (a && args.End()) std::erase(dns, *a);
    return;
  }
  auto a = ReadIpv4(st, args, kDnsServerField);
  if (!a || !args.End()) return;
  if (std::find(dns.begin(), dns.end(), *a) != dns.end()) return;  // already listed
  if (dns.size() >= kMaxDnsServers) {
    st.Error(args.keyword().column,
             StrCat("at most ", kMaxDnsServers, " dns-server lines (", dns[0].ToString(), " and ",
                    dns[1].ToString(), " are configured)"));
    return;
  }
  args.RecordField(kDnsServerField, args.keyword());
  dns.push_back(*a);
}

constexpr CommandSpec kConfigCommands[] = {
    {"router", HandleEnter<Ctx::kRouter>},
    {"aaa", HandleEnter<Ctx::kAaa>},
};
constexpr CommandSpec kRouterCommands[] = {
    {"radius-server", HandleEnter<Ctx::kRouterRadius>},
};
constexpr CommandSpec kRouterRadiusCommands[] = {
    {"server", HandleRadiusServer},
};
constexpr CommandSpec kRadiusServerCommands[] = {
    {"auth-port", HandleRadiusPort},
    {"acct-port", HandleRadiusPort},
    {"description", HandleDescription},
};
constexpr CommandSpec kAaaCommands[] = {
    {"radius-server-policy", HandleServerPolicy},
};
constexpr CommandSpec kServerPolicyCommands[] = {
    {"servers", HandleEnter<Ctx::kRadiusServers>},
    {"nas-identifier", HandleNasIdentifier},
    {"description", HandleDescription},
};
constexpr CommandSpec kServersCommands[] = {
    {"timeout", HandleServersTimeout},
    {"retry", HandleServersRetry},
    {"server", HandleServersServer},
};
constexpr CommandSpec kIpsecCommands[] = {
    {"radius-authentication-policy", HandleAuthPolicy},
    {"radius-accounting-policy", HandleAcctPolicy},
};
constexpr CommandSpec kAuthPolicyCommands[] = {
    {"radius-server-policy", HandlePolicyServerRef},
    {"description", HandleDescription},
};
constexpr CommandSpec kAcctPolicyCommands[] = {
    {"radius-server-policy", HandlePolicyServerRef},
    {"update-interval", HandleUpdateInterval},
    {"description", HandleDescription},
};
constexpr CommandSpec kLocalAddressAssignmentCommands[] = {
    {"ipv4", HandleLaaIpv4},
};
constexpr CommandSpec kLaaIpv4Commands[] = {
    {"address-range", HandleAddressRange},
    {"dns-server", HandleDnsServer},
};

}  // namespace

void HandleGwRadiusPolicy(ParseState&, const Frame& frame, Args& args, bool negated) {
  const bool auth = args.keyword().text == "radius-authentication-policy";
  std::string& ref = auth ? frame.ipsec_gw->radius_authentication_policy
                          : frame.ipsec_gw->radius_accounting_policy;
  if (negated) {
    if (args.End()) ref.clear();
    return;
  }
  auto name = args.Name(auth ? "radius-authentication-policy" : "radius-accounting-policy");
  if (name && args.End()) ref = std::move(*name);
}

void HandleLocalAddressAssignment(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<LocalAddressAssignment>& block = frame.ipsec_gw->local_address_assignment;
  if (negated) {
    if (args.End()) block.reset();
    return;
  }
  if (!block) block.emplace();
  args.RecordField(kLocalAddressAssignmentField, args.keyword());
  Frame child = Child(frame, Ctx::kLocalAddressAssignment, "");
  child.local_address_assignment = &*block;
  st.Push(child);
  st.Chain(args);
}

void HandleRequestAddress(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (!args.End()) return;
  args.RecordField("request-address", args.keyword());
  frame.dynamic_keying->request_address = !negated;
}

// HandleXauthUser: `xauth-user "NAME" password "SECRET"` under dynamic-keying (both parts);
// `no xauth-user` removes the login.
void HandleXauthUser(ParseState& st, const Frame& frame, Args& args, bool negated) {
  DynamicKeying& dk = *frame.dynamic_keying;
  if (negated) {
    if (args.End()) {
      dk.xauth_user.clear();
      dk.xauth_password.reset();
    }
    return;
  }
  const Token* user = args.Word("xauth-user");
  if (user == nullptr) return;
  // RFC 2865 5.1: a User-Name is at most 253 octets (the gateway relays it to RADIUS).
  if (user->text.empty() || user->text.size() > 253) {
    st.Error(user->column, "xauth-user must be 1..253 characters long");
    return;
  }
  if (!args.TryKeyword("password")) {
    if (args.End())
      st.Error(user->column,
               "xauth-user needs its password: xauth-user \"NAME\" password \"SECRET\"");
    return;
  }
  const Token* password = args.Word("password");
  if (password == nullptr) return;
  // RFC 2865 5.2: User-Password carries at most 128 octets.
  if (password->text.empty() || password->text.size() > 128) {
    st.Error(password->column, "xauth-user password must be 1..128 characters long");
    return;
  }
  if (!args.End()) return;
  args.RecordField("xauth-user", args.keyword());
  dk.xauth_user = std::string(user->text);
  dk.xauth_password = ConfigSecret::FromText(password->text);
}

void HandleEapIdentity(ParseState&, const Frame& frame, Args& args, bool negated) {
  std::optional<std::string>& identity = frame.dynamic_keying->eap_identity;
  if (negated) {
    if (args.End()) identity.reset();
    return;
  }
  args.RecordField("eap-identity", args.keyword());
  auto name = args.Name("eap-identity");
  if (name && args.End()) identity = std::move(*name);
}

void HandleEapPassword(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<ConfigSecret>& password = frame.dynamic_keying->eap_password;
  if (negated) {
    if (args.End()) password.reset();
    return;
  }
  args.RecordField("eap-password", args.keyword());
  const Token* t = args.Word("eap-password");
  if (t == nullptr) return;
  // 128: what a RADIUS User-Password could carry, and far more than MSCHAPv2's 256 UTF-16
  // characters need.
  if (t->text.empty() || t->text.size() > 128) {
    st.Error(t->column, "eap-password must be 1..128 characters long");
    return;
  }
  if (args.End()) password = ConfigSecret::FromText(t->text);
}

std::span<const CommandSpec> AaaCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kConfig:
      return kConfigCommands;
    case Ctx::kRouter:
      return kRouterCommands;
    case Ctx::kRouterRadius:
      return kRouterRadiusCommands;
    case Ctx::kRadiusServer:
      return kRadiusServerCommands;
    case Ctx::kAaa:
      return kAaaCommands;
    case Ctx::kRadiusServerPolicy:
      return kServerPolicyCommands;
    case Ctx::kRadiusServers:
      return kServersCommands;
    case Ctx::kIpsec:
      return kIpsecCommands;
    case Ctx::kRadiusAuthPolicy:
      return kAuthPolicyCommands;
    case Ctx::kRadiusAcctPolicy:
      return kAcctPolicyCommands;
    case Ctx::kLocalAddressAssignment:
      return kLocalAddressAssignmentCommands;
    case Ctx::kLaaIpv4:
      return kLaaIpv4Commands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
