// File: src/config/parse_state.h
//
// The parser's machinery shared by the per-tree command tables (parse_isa.cc,
// parse_ipsec.cc, parse_service.cc, parse_tunnel.cc): the context stack, the argument cursor
// with typed readers that report `FILE:LINE:COL` errors, and the source map. Internal.
#ifndef TUNNELISA_SRC_CONFIG_PARSE_STATE_H_
#define TUNNELISA_SRC_CONFIG_PARSE_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/lexer.h"
#include "tunnelisa/config/parser.h"

namespace tunnelisa::config::internal {

// Ctx: a CLI context (the router's prompt, e.g. config>service>vprn>if>sap>ipsec-tunnel).
enum class Ctx : uint8_t {
  kRoot,
  kConfig,
  kIsa,
  kTunnelGroup,
  kIpsec,
  kIkePolicy,
  kIpsecTransform,
  kTunnelTemplate,
  kServices,
  kService,
  kServiceIpsec,
  kSecurityPolicy,
  kSecurityPolicyEntry,
  kInterface,
  kSap,
  kSapQos,  // sap>ingress or sap>egress
  kIpTunnel,
  kIpsecTunnel,
  kDynamicKeying,
  kManualKeying,
  kIpsecGw,
  kSystem,    // config>system
  kSecurity,  // config>system>security
  kPki,       // config>system>security>pki
  kCaProfile,
  kCertAuth,                // the `cert` block of dynamic-keying or an ipsec-gw
  kRouter,                  // config>router
  kRouterRadius,            // config>router>radius-server
  kRadiusServer,            // config>router>radius-server>server
  kAaa,                     // config>aaa
  kRadiusServerPolicy,      // config>aaa>radius-server-policy
  kRadiusServers,           // config>aaa>radius-server-policy>servers
  kRadiusAuthPolicy,        // config>ipsec>radius-authentication-policy
  kRadiusAcctPolicy,        // config>ipsec>radius-accounting-policy
  kLocalAddressAssignment,  // ipsec-gw>local-address-assignment
  kLaaIpv4,                 // ipsec-gw>local-address-assignment>ipv4
};

// Frame: one entered context and the objects it edits (each frame copies its parent's
// pointers and adds its own). Objects live in std::map nodes, so the pointers stay valid.
struct Frame {
  Ctx ctx = Ctx::kRoot;
  std::string path;       // object path for the source map
  bool detached = false;  // editing a scratch object after a failed header
  bool egress = false;    // kSapQos
  TunnelGroup* group = nullptr;
  IkePolicy* ike_policy = nullptr;
  IpsecTransform* transform = nullptr;
  TunnelTemplate* tunnel_template = nullptr;
  Service* service = nullptr;
  SecurityPolicy* security_policy = nullptr;
  SecurityPolicyEntry* entry = nullptr;
  Interface* interface = nullptr;
  Sap* sap = nullptr;
  IpTunnel* ip_tunnel = nullptr;
  IpsecTunnel* ipsec_tunnel = nullptr;
  DynamicKeying* dynamic_keying = nullptr;
  ManualKeying* manual_keying = nullptr;
  IpsecGw* ipsec_gw = nullptr;
  CaProfile* ca_profile = nullptr;
  CertAuth* cert = nullptr;
  RadiusServer* radius_server = nullptr;
  RadiusServerPolicy* radius_server_policy = nullptr;
  RadiusAuthenticationPolicy* radius_auth_policy = nullptr;
  RadiusAccountingPolicy* radius_acct_policy = nullptr;
  LocalAddressAssignment* local_address_assignment = nullptr;
  Ipv4AddressAssignment* laa_ipv4 = nullptr;
};

class ParseState;

// Args: the words after a command keyword. Readers consume words and return nullopt after
// reporting an error; `field` names the value in messages and in the source map.
class Args {
 public:
  Args(ParseState* state, const Frame* frame, const Token* keyword, std::span<const Token> rest)
      : state_(state), frame_(frame), keyword_(keyword), rest_(rest) {}

  bool empty() const { return pos_ >= rest_.size(); }
  const Token& peek() const { return rest_[pos_]; }
  const Token& keyword() const { return *keyword_; }
  std::span<const Token> remaining() const { return rest_.subspan(pos_); }
  // keyword_rest: every word after the keyword, consumed or not.
  std::span<const Token> keyword_rest() const { return rest_; }
  // TryKeyword: consumes the next word if it is the unquoted keyword `word`.
  bool TryKeyword(std::string_view word);

  std::optional<uint64_t> Number(std::string_view field, uint64_t lo, uint64_t hi);
  // Name: quoted or bare, 1..64 bytes.
  std::optional<std::string> Name(std::string_view field);
  // Word: the next word verbatim (for keywords with their own checks); records the field.
  const Token* Word(std::string_view field);
  std::optional<IpAddress> Address(std::string_view field);
  // Prefix: "a.b.c.d/len"; with allow_any also `any` (returned as IpPrefix()).
  std::optional<IpPrefix> Prefix(std::string_view field, bool allow_any);
  std::optional<ServiceRef> Service(std::string_view field);
  std::optional<IsaSlot> Slot(std::string_view field);
  // End: true when no words are left; otherwise reports "unexpected 'w'".
  bool End();
  // Create: consumes `create`; reports "missing 'create'" (naming `what`) when absent.
  bool Create(std::string_view what);

  void RecordField(std::string_view field, const Token& token);

 private:
  bool Need(std::string_view field);

  ParseState* state_;
  const Frame* frame_;
  const Token* keyword_;
  std::span<const Token> rest_;
  size_t pos_ = 0;
};

// Handler: runs one command. `frame` is a copy of the context it runs in (it may push frames).
using Handler = void (*)(ParseState& st, const Frame& frame, Args& args, bool negated);

struct CommandSpec {
  std::string_view keyword;
  Handler handler;
};

class ParseState {
 public:
  ParseState(std::string_view file, const ParseOptions& options, ParseResult* result);

  Config& config() { return result_->config; }
  const std::string& file() const { return file_; }
  int line() const { return line_; }

  // Line: runs one lexed line.
  void Line(const LexedLine& line);
  // Error: records an error at `column` of the current line.
  void Error(int column, std::string message);
  bool stopped() const { return stopped_; }

  void RecordObject(const Frame& frame, int column);
  void RecordField(const Frame& frame, std::string_view field, int column);

  // Push: enters a context. Chain: runs the rest of a navigation command's line (e.g.
  // `config service vprn 1 ...`) as a command in the context just entered.
  void Push(Frame frame);
  void Chain(Args& args);
  // Detached: a scratch object for the context of a command whose header had an error, so
  // that the lines inside it are still checked without touching the model.
  template <typename T>
  T* Detached() {
    auto p = std::make_shared<T>();
    scratch_.push_back(p);
    return p.get();
  }

 private:
  void Execute(std::span<const Token> tokens);

  std::string file_;
  ParseOptions options_;
  ParseResult* result_;
  std::vector<Frame> stack_;
  std::vector<std::shared_ptr<void>> scratch_;
  int line_ = 0;
  bool stopped_ = false;
};

// Command tables, one per tree.
std::span<const CommandSpec> IsaCommands(Ctx ctx);
std::span<const CommandSpec> IpsecCommands(Ctx ctx);
std::span<const CommandSpec> ServiceCommands(Ctx ctx);
std::span<const CommandSpec> TunnelCommands(Ctx ctx);
std::span<const CommandSpec> PkiCommands(Ctx ctx);
std::span<const CommandSpec> AaaCommands(Ctx ctx);  // RADIUS trees and remote access (parse_aaa.cc)

// Shared handlers for commands that exist in many contexts.
void HandleShutdown(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleDescription(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleDpd(ParseState& st, const Frame& frame, Args& args, bool negated);
// NoNegation: reports "'no KEYWORD' is not supported"; returns true when negated.
bool NoNegation(ParseState& st, Args& args, bool negated);
// HandleIpMtuShared: `ip-mtu` of an interface, ip-tunnel or ipsec-tunnel.
void HandleIpMtuShared(ParseState& st, const Frame& frame, Args& args, bool negated);
// HandleSapQosShared: the SAP's `ingress` / `egress` contexts.
void HandleSapQosShared(ParseState& st, const Frame& frame, Args& args, bool negated);
// ReadTransformList: `transform ID [ID...]` (1..4 distinct ids) into *out; false on error.
bool ReadTransformList(ParseState& st, Args& args, std::vector<uint32_t>* out);
// HandleCertBlock: `cert` under dynamic-keying or an ipsec-gw (enters the cert block;
// `no cert` removes it). In parse_pki.cc.
void HandleCertBlock(ParseState& st, const Frame& frame, Args& args, bool negated);
// HandleGwRadiusPolicy / HandleLocalAddressAssignment / HandleRequestAddress: the remote-access
// commands of an ipsec-gw (`radius-authentication-policy`, `radius-accounting-policy`,
// `local-address-assignment`) and of dynamic-keying (`request-address`, `xauth-user`). In
// parse_aaa.cc.
void HandleGwRadiusPolicy(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleLocalAddressAssignment(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleRequestAddress(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleXauthUser(ParseState& st, const Frame& frame, Args& args, bool negated);
// HandleEapIdentity / HandleEapPassword: dynamic-keying's `eap-identity` and `eap-password`
// (an IKEv2 EAP client). In parse_aaa.cc.
void HandleEapIdentity(ParseState& st, const Frame& frame, Args& args, bool negated);
void HandleEapPassword(ParseState& st, const Frame& frame, Args& args, bool negated);
// Child: a frame for a context entered from `parent`.
Frame Child(const Frame& parent, Ctx ctx, std::string path);

}  // namespace tunnelisa::config::internal

namespace tunnelisa::config::internal {

// EnterById: the common shape of `KEYWORD ID [create]` / `no KEYWORD ID` for objects kept in
// a std::map by numeric id: creates (when `create` is given, or always if create_optional),
// enters, or removes. After an error it enters a detached scratch object.
template <typename T, typename PathFn>
void EnterById(ParseState& st, const Frame& frame, Args& args, bool negated,
               std::map<uint32_t, T>& map, std::string_view field, uint64_t max_id, Ctx ctx,
               PathFn path, T* Frame::*member, bool create_optional) {
  int col = args.empty() ? args.keyword().column : args.peek().column;
  auto id = args.Number(field, 1, max_id);
  if (negated) {
    if (id && args.End()) map.erase(static_cast<uint32_t>(*id));
    return;
  }
  Frame child = Child(frame, ctx, "");
  auto detached = [&] {
    child.detached = true;
    child.*member = st.Detached<T>();
    st.Push(child);
  };
  if (!id) return detached();
  bool create = args.TryKeyword("create");
  uint32_t key = static_cast<uint32_t>(*id);
  auto it = map.find(key);
  if (it == map.end()) {
    if (!create && !create_optional) {
      st.Error(args.keyword().column, std::string("missing 'create': ") +
                                          std::string(args.keyword().text) + " " +
                                          std::to_string(key) + " does not exist");
      return detached();
    }
    T obj;
    obj.id = key;
    it = map.emplace(key, std::move(obj)).first;
  }
  child.*member = &it->second;
  child.path = path(key);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_PARSE_STATE_H_
