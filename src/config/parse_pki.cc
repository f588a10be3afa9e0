// The `config system security pki` tree (ca-profile) and the `cert` block of dynamic-keying
// and ipsec-gw: the configuration side of certificate authentication (docs/configuration.md,
// "Certificates").
#include "absl/strings/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"
#include "config/pki_names.h"

namespace tunnelisa::config::internal {
namespace {

// Navigation: `system`, `security`, `pki`, each entering its context.
template <Ctx kCtx>
void HandleEnter(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, kCtx, ""));
  st.Chain(args);
}

// ReadFileName: the next word as a PKI directory file name, recorded as `field`; nullopt
// after reporting an error at the word.
std::optional<std::string> ReadFileName(ParseState& st, Args& args, std::string_view field) {
  if (args.empty()) {
    st.Error(args.keyword().column,
             absl::StrCat("'", args.keyword().text, "' needs a file name in the PKI directory"));
    return std::nullopt;
  }
  const Token* t = args.Word(field);
  if (t == nullptr) return std::nullopt;
  std::string problem = PkiFileNameProblem(t->text);
  if (!problem.empty()) {
    st.Error(t->column, absl::StrCat("invalid ", std::string(field), ": ", problem));
    return std::nullopt;
  }
  return t->text;
}

// ---- ca-profile ------------------------------------------------------------------------------

void HandleCaProfile(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = args.empty() ? args.keyword().column : args.peek().column;
  auto name = args.Name("ca-profile name");
  auto& profiles = st.config().ca_profiles;
  if (negated) {
    if (name && args.End()) profiles.erase(*name);
    return;
  }
  Frame child = Child(frame, Ctx::kCaProfile, "");
  auto detached = [&] {
    child.detached = true;
    child.ca_profile = st.Detached<CaProfile>();
    st.Push(child);
  };
  if (!name) return detached();
  bool create = args.TryKeyword("create");
  auto it = profiles.find(*name);
  if (it == profiles.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': ca-profile ", Quote(*name), " does not exist"));
      return detached();
    }
    CaProfile profile;
    profile.name = *name;
    it = profiles.emplace(*name, std::move(profile)).first;
  }
  child.ca_profile = &it->second;
  child.path = CaProfilePath(*name);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

// HandleCaFile: `cert-file "NAME"` / `crl-file "NAME"`.
void HandleCaFile(ParseState& st, const Frame& frame, Args& args, bool negated) {
  const std::string keyword(args.keyword().text);
  std::string& file =
      keyword == "cert-file" ? frame.ca_profile->cert_file : frame.ca_profile->crl_file;
  if (negated) {
    if (args.End()) file.clear();
    return;
  }
  auto name = ReadFileName(st, args, keyword);
  if (name && args.End()) file = std::move(*name);
}

// ---- the cert block --------------------------------------------------------------------------

// HandleCertFile: `cert "NAME"` / `key "NAME"` inside the block; `no cert` / `no key` unset.
void HandleCertFile(ParseState& st, const Frame& frame, Args& args, bool negated) {
  const bool is_cert = args.keyword().text == "cert";
  std::string& file = is_cert ? frame.cert->cert : frame.cert->key;
  if (negated) {
    if (args.End()) file.clear();
    return;
  }
  auto name = ReadFileName(st, args, is_cert ? kCertField : kKeyField);
  if (name && args.End()) file = std::move(*name);
}

void HandleTrustAnchor(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.cert->trust_anchor.clear();
    return;
  }
  if (args.empty()) {
    st.Error(args.keyword().column, "'trust-anchor' needs a ca-profile name");
    return;
  }
  auto name = args.Name(kTrustAnchorField);
  if (name && args.End()) frame.cert->trust_anchor = std::move(*name);
}

constexpr CommandSpec kConfigCommands[] = {
    {"system", HandleEnter<Ctx::kSystem>},
};
constexpr CommandSpec kSystemCommands[] = {
    {"security", HandleEnter<Ctx::kSecurity>},
};
constexpr CommandSpec kSecurityCommands[] = {
    {"pki", HandleEnter<Ctx::kPki>},
};
constexpr CommandSpec kPkiCommands[] = {
    {"ca-profile", HandleCaProfile},
};
constexpr CommandSpec kCaProfileCommands[] = {
    {"cert-file", HandleCaFile},
    {"crl-file", HandleCaFile},
    {"description", HandleDescription},
    {"shutdown", HandleShutdown},
};
constexpr CommandSpec kCertAuthCommands[] = {
    {"cert", HandleCertFile},
    {"key", HandleCertFile},
    {"trust-anchor", HandleTrustAnchor},
};

}  // namespace

void HandleCertBlock(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<CertAuth>& block =
      frame.ctx == Ctx::kIpsecGw ? frame.ipsec_gw->cert : frame.dynamic_keying->cert;
  if (negated) {
    if (args.End()) block.reset();
    return;
  }
  if (!block) block.emplace();
  args.RecordField(kCertBlockField, args.keyword());
  Frame child = Child(frame, Ctx::kCertAuth, "");
  child.cert = &*block;
  st.Push(child);
  st.Chain(args);
}

std::span<const CommandSpec> PkiCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kConfig:
      return kConfigCommands;
    case Ctx::kSystem:
      return kSystemCommands;
    case Ctx::kSecurity:
      return kSecurityCommands;
    case Ctx::kPki:
      return kPkiCommands;
    case Ctx::kCaProfile:
      return kCaProfileCommands;
    case Ctx::kCertAuth:
      return kCertAuthCommands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
