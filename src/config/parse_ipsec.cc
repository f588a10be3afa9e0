// The `config ipsec` tree: ike-policy, ipsec-transform, tunnel-template.
#include "absl/strings/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"

namespace tunnelisa::config::internal {
namespace {

constexpr uint64_t kMaxPolicyId = 2048;
constexpr uint64_t kMinLifetime = 1200;
constexpr uint64_t kMaxLifetime = 31536000;

std::string IntegrityNames(bool with_none) {
  std::string out;
  for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
    if (i.id == IntegrityAlgorithm::kNone && !with_none) continue;
    if (!out.empty()) out += ' ';
    out.append(i.name);
  }
  return out;
}

std::string EncryptionNames(bool with_null) {
  std::string out;
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    if (e.id == EncryptionAlgorithm::kNull && !with_null) continue;
    if (!out.empty()) out += ' ';
    out.append(e.name);
  }
  return out;
}

std::string DhNames() {
  std::string out;
  for (DhGroup g : AllDhGroups()) {
    if (!out.empty()) out += ' ';
    out += std::to_string(static_cast<int>(g));
  }
  return out;
}

std::optional<IntegrityAlgorithm> ReadIntegrity(ParseState& st, Args& args, std::string_view field,
                                                bool with_none) {
  const Token* t = args.Word(field);
  if (t == nullptr) return std::nullopt;
  auto a = t->quoted ? std::nullopt : ParseIntegrityAlgorithm(t->text);
  if (!a || (!with_none && *a == IntegrityAlgorithm::kNone)) {
    st.Error(t->column, absl::StrCat("unknown ", std::string(field), " '", t->text.substr(0, 40),
                                     "' (", IntegrityNames(with_none), ")"));
    return std::nullopt;
  }
  return a;
}

std::optional<EncryptionAlgorithm> ReadEncryption(ParseState& st, Args& args,
                                                  std::string_view field, bool with_null) {
  const Token* t = args.Word(field);
  if (t == nullptr) return std::nullopt;
  auto a = t->quoted ? std::nullopt : ParseEncryptionAlgorithm(t->text);
  if (!a || (!with_null && *a == EncryptionAlgorithm::kNull)) {
    st.Error(t->column, absl::StrCat("unknown ", std::string(field), " '", t->text.substr(0, 40),
                                     "' (", EncryptionNames(with_null), ")"));
    return std::nullopt;
  }
  return a;
}

std::optional<DhGroup> ReadDhGroup(ParseState& st, Args& args, std::string_view field) {
  int col = args.empty() ? args.keyword().column : args.peek().column;
  auto n = args.Number(field, 0, 65535);
  if (!n) return std::nullopt;
  auto g = ParseDhGroup(*n);
  if (!g) {
    st.Error(col, absl::StrCat(std::string(field), " ", *n, " is not supported (", DhNames(), ")"));
  }
  return g;
}

// ---- ike-policy ------------------------------------------------------------------------------

void HandleIkePolicy(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterById(st, frame, args, negated, st.config().ike_policies, "ike-policy id", kMaxPolicyId,
            Ctx::kIkePolicy, IkePolicyPath, &Frame::ike_policy, /*create_optional=*/false);
}

void HandleAuthAlgorithm(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.auth_algorithm = IkePolicy{}.auth_algorithm;
    return;
  }
  auto a = ReadIntegrity(st, args, "auth-algorithm", false);
  if (a && args.End()) p.auth_algorithm = *a;
}

void HandleDhGroup(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.dh_group = IkePolicy{}.dh_group;
    return;
  }
  auto g = ReadDhGroup(st, args, "dh-group");
  if (g && args.End()) p.dh_group = *g;
}

void HandleEncryptionAlgorithm(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.encryption_algorithm = IkePolicy{}.encryption_algorithm;
    return;
  }
  auto a = ReadEncryption(st, args, "encryption-algorithm", false);
  if (a && args.End()) p.encryption_algorithm = *a;
}

void HandleIkeMode(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.ike_mode = IkeMode::kMain;
    return;
  }
  const Token* t = args.Word("ike-mode");
  if (t == nullptr) return;
  IkeMode mode;
  if (!t->quoted && t->text == "main") {
    mode = IkeMode::kMain;
  } else if (!t->quoted && t->text == "aggressive") {
    mode = IkeMode::kAggressive;
  } else {
    st.Error(t->column, absl::StrCat("ike-mode must be main or aggressive, got '",
                                     t->text.substr(0, 40), "'"));
    return;
  }
  if (args.End()) p.ike_mode = mode;
}

void HandleIkeVersion(ParseState&, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.ike_version = 1;
    return;
  }
  auto v = args.Number("ike-version", 1, 2);
  if (v && args.End()) p.ike_version = static_cast<uint8_t>(*v);
}

// HandleAuthMethod: `auth-method WORD` (the peer's) and `own-auth-method WORD` (this side's);
// `no auth-method` is psk, `no own-auth-method` the same as auth-method.
void HandleAuthMethod(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  const std::string keyword(args.keyword().text);
  const bool own = keyword == "own-auth-method";
  if (negated) {
    if (!args.End()) return;
    if (own) {
      p.own_auth_method.reset();
    } else {
      p.auth_method = IkePolicy{}.auth_method;
    }
    return;
  }
  // own-auth-method: this side proves itself with its key or certificate; the remote-access
  // methods describe how the client (the peer) is checked.
  std::string names;
  for (IkeAuthMethod m : AllIkeAuthMethods()) {
    if (own && UsesRadius(m)) continue;
    absl::StrAppend(&names, names.empty() ? "" : ", ", std::string(IkeAuthMethodName(m)));
  }
  if (args.empty()) {
    st.Error(args.keyword().column, absl::StrCat("'", keyword, "' needs a method (", names, ")"));
    return;
  }
  const Token* t = args.Word(keyword);
  auto method = t->quoted ? std::nullopt : ParseIkeAuthMethod(t->text);
  if (method && own && UsesRadius(*method)) {
    st.Error(t->column, absl::StrCat("own-auth-method ", t->text,
                                     " is not allowed: this side authenticates with ", names, " (",
                                     t->text, " is a client's method, for auth-method)"));
    return;
  }
  if (!method) {
    st.Error(t->column,
             absl::StrCat("unknown ", keyword, " '", t->text.substr(0, 40), "' (", names, ")"));
    return;
  }
  if (!args.End()) return;
  if (own) {
    p.own_auth_method = *method;
  } else {
    p.auth_method = *method;
  }
}

void HandleIsakmpLifetime(ParseState&, const Frame& frame, Args& args, bool negated) {
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.isakmp_lifetime_s = IkePolicy{}.isakmp_lifetime_s;
    return;
  }
  auto v = args.Number("isakmp-lifetime", kMinLifetime, kMaxLifetime);
  if (v && args.End()) p.isakmp_lifetime_s = static_cast<uint32_t>(*v);
}

void HandleIkeIpsecLifetime(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (frame.ctx == Ctx::kIpsecTransform) {
    IpsecTransform& t = *frame.transform;
    if (negated) {
      if (args.End()) t.ipsec_lifetime_s.reset();
      return;
    }
    auto v = args.Number("ipsec-lifetime", kMinLifetime, kMaxLifetime);
    if (v && args.End()) t.ipsec_lifetime_s = static_cast<uint32_t>(*v);
    return;
  }
  IkePolicy& p = *frame.ike_policy;
  if (negated) {
    if (args.End()) p.ipsec_lifetime_s = IkePolicy{}.ipsec_lifetime_s;
    return;
  }
  auto v = args.Number("ipsec-lifetime", kMinLifetime, kMaxLifetime);
  if (v && args.End()) p.ipsec_lifetime_s = static_cast<uint32_t>(*v);
}

// ---- ipsec-transform -------------------------------------------------------------------------

void HandleIpsecTransform(ParseState& st, const Frame& frame, Args& args, bool negated) {
  // The guide's Figure 27 writes `ipsec-transform 1` without `create`; accepted as written.
  EnterById(st, frame, args, negated, st.config().ipsec_transforms, "ipsec-transform id",
            kMaxPolicyId, Ctx::kIpsecTransform, TransformPath, &Frame::transform,
            /*create_optional=*/true);
}

void HandleEspAuth(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTransform& t = *frame.transform;
  if (negated) {
    if (args.End()) t.esp_auth_algorithm.reset();
    return;
  }
  auto a = ReadIntegrity(st, args, "esp-auth-algorithm", true);
  if (a && args.End()) t.esp_auth_algorithm = *a;
}

void HandleEspEncryption(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTransform& t = *frame.transform;
  if (negated) {
    if (args.End()) t.esp_encryption_algorithm = IpsecTransform{}.esp_encryption_algorithm;
    return;
  }
  auto a = ReadEncryption(st, args, "esp-encryption-algorithm", true);
  if (a && args.End()) t.esp_encryption_algorithm = *a;
}

void HandlePfsDhGroup(ParseState& st, const Frame& frame, Args& args, bool negated) {
  IpsecTransform& t = *frame.transform;
  if (negated) {
    if (args.End()) t.pfs_dh_group.reset();
    return;
  }
  auto g = ReadDhGroup(st, args, "pfs-dh-group");
  if (g && args.End()) t.pfs_dh_group = *g;
}

// ---- tunnel-template -------------------------------------------------------------------------

void HandleTunnelTemplate(ParseState& st, const Frame& frame, Args& args, bool negated) {
  EnterById(st, frame, args, negated, st.config().tunnel_templates, "tunnel-template id",
            kMaxPolicyId, Ctx::kTunnelTemplate, TunnelTemplatePath, &Frame::tunnel_template,
            /*create_optional=*/false);
}

}  // namespace

// ReadTransformList: `transform ID [ID...]`, 1..4 ids (shared with dynamic-keying).
bool ReadTransformList(ParseState& st, Args& args, std::vector<uint32_t>* out) {
  std::vector<uint32_t> ids;
  if (args.empty()) {
    st.Error(args.keyword().column, "'transform' needs 1 to 4 transform ids");
    return false;
  }
  args.RecordField("transform", args.peek());
  while (!args.empty()) {
    if (ids.size() == 4) {
      st.Error(args.peek().column, "at most 4 transforms");
      return false;
    }
    int col = args.peek().column;
    auto id = args.Number("transform id", 1, kMaxPolicyId);
    if (!id) return false;
    for (uint32_t have : ids) {
      if (have == *id) {
        st.Error(col, absl::StrCat("transform ", *id, " is listed twice"));
        return false;
      }
    }
    ids.push_back(static_cast<uint32_t>(*id));
  }
  // Each id's own place, so that "ipsec-transform 2 does not exist" points at the 2.
  std::span<const Token> words = args.keyword_rest();
  for (size_t i = 0; i < words.size() && i < ids.size(); ++i) {
    args.RecordField(absl::StrCat("transform ", ids[i]), words[i]);
  }
  *out = std::move(ids);
  return true;
}

namespace {

void HandleTemplateTransform(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.tunnel_template->transforms.clear();
    return;
  }
  ReadTransformList(st, args, &frame.tunnel_template->transforms);
}

constexpr CommandSpec kIpsecCommands[] = {
    {"ike-policy", HandleIkePolicy},
    {"ipsec-transform", HandleIpsecTransform},
    {"tunnel-template", HandleTunnelTemplate},
};
constexpr CommandSpec kIkePolicyCommands[] = {
    {"auth-algorithm", HandleAuthAlgorithm},
    {"dh-group", HandleDhGroup},
    {"encryption-algorithm", HandleEncryptionAlgorithm},
    {"ike-mode", HandleIkeMode},
    {"ike-version", HandleIkeVersion},
    {"auth-method", HandleAuthMethod},
    {"own-auth-method", HandleAuthMethod},
    {"isakmp-lifetime", HandleIsakmpLifetime},
    {"ipsec-lifetime", HandleIkeIpsecLifetime},
    {"dpd", HandleDpd},
    {"description", HandleDescription},
};
constexpr CommandSpec kTransformCommands[] = {
    {"esp-auth-algorithm", HandleEspAuth}, {"esp-encryption-algorithm", HandleEspEncryption},
    {"pfs-dh-group", HandlePfsDhGroup},    {"ipsec-lifetime", HandleIkeIpsecLifetime},
    {"description", HandleDescription},
};
constexpr CommandSpec kTemplateCommands[] = {
    {"transform", HandleTemplateTransform},
    {"description", HandleDescription},
};

}  // namespace

std::span<const CommandSpec> IpsecCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kIpsec:
      return kIpsecCommands;
    case Ctx::kIkePolicy:
      return kIkePolicyCommands;
    case Ctx::kIpsecTransform:
      return kTransformCommands;
    case Ctx::kTunnelTemplate:
      return kTemplateCommands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
