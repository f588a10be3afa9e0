// The parser's driver: lines to commands, context navigation (exit, exit all, upward lookup),
// the typed argument readers, and the commands shared by many contexts.
#include "tunnelisa/config/parser.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/lexer.h"
#include "config/parse_state.h"

namespace tunnelisa::config {
namespace internal {
namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxDescriptionLength = 160;

// Shown: a word as messages quote it, shortened so that a 10 MB word gives a short message.
std::string Shown(std::string_view word) {
  if (word.size() <= 40) return std::string(word);
  return absl::StrCat(std::string(word.substr(0, 40)), "...");
}

void HandleConfig(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, Ctx::kConfig, ""));
  st.Chain(args);
}

void HandleIsa(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, Ctx::kIsa, ""));
  st.Chain(args);
}

void HandleIpsec(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, Ctx::kIpsec, ""));
  st.Chain(args);
}

void HandleService(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (NoNegation(st, args, negated)) return;
  st.Push(Child(frame, Ctx::kServices, ""));
  st.Chain(args);
}

constexpr CommandSpec kRootCommands[] = {
    {"config", HandleConfig},
    {"configure", HandleConfig},
};
constexpr CommandSpec kConfigCommands[] = {
    {"isa", HandleIsa},
    {"ipsec", HandleIpsec},
    {"service", HandleService},
};

const CommandSpec* FindCommand(Ctx ctx, std::string_view keyword) {
  std::span<const CommandSpec> tables[] = {
      ctx == Ctx::kRoot ? std::span<const CommandSpec>(kRootCommands)
                        : std::span<const CommandSpec>(),
      ctx == Ctx::kConfig ? std::span<const CommandSpec>(kConfigCommands)
                          : std::span<const CommandSpec>(),
      IsaCommands(ctx),
      IpsecCommands(ctx),
      ServiceCommands(ctx),
      TunnelCommands(ctx),
      PkiCommands(ctx),
      AaaCommands(ctx),
  };
  for (std::span<const CommandSpec> table : tables) {
    for (const CommandSpec& spec : table) {
      if (spec.keyword == keyword) return &spec;
    }
  }
  return nullptr;
}

}  // namespace

// ---- Args ------------------------------------------------------------------------------------

bool Args::TryKeyword(std::string_view word) {
  if (empty() || peek().quoted || peek().text != word) return false;
  ++pos_;
  return true;
}

void Args::RecordField(std::string_view field, const Token& token) {
  state_->RecordField(*frame_, field, token.column);
}

bool Args::Need(std::string_view field) {
  if (!empty()) return true;
  state_->Error(keyword_->column,
                absl::StrCat("'", keyword_->text, "' needs ", std::string(field)));
  return false;
}

std::optional<uint64_t> Args::Number(std::string_view field, uint64_t lo, uint64_t hi) {
  if (!Need(field)) return std::nullopt;
  const Token& t = rest_[pos_++];
  bool digits =
      !t.text.empty() && !t.quoted &&
      std::all_of(t.text.begin(), t.text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    state_->Error(t.column, absl::StrCat("expected a number for ", std::string(field), ", got '",
                                         Shown(t.text), "'"));
    return std::nullopt;
  }
  std::string_view s = t.text;
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  uint64_t v = 0;
  bool overflow = s.size() > 19;
  if (!overflow) {
    for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (overflow || v < lo || v > hi) {
    state_->Error(t.column, absl::StrCat(std::string(field), " ", Shown(t.text),
                                         " is out of range ", lo, "..", hi));
    return std::nullopt;
  }
  RecordField(field, t);
  return v;
}

const Token* Args::Word(std::string_view field) {
  if (!Need(field)) return nullptr;
  const Token& t = rest_[pos_++];
  RecordField(field, t);
  return &t;
}

std::optional<std::string> Args::Name(std::string_view field) {
  if (!Need(field)) return std::nullopt;
  const Token& t = rest_[pos_++];
  if (t.text.empty() || t.text.size() > kMaxNameLength) {
    state_->Error(t.column, absl::StrCat(std::string(field), " must be 1..", kMaxNameLength,
                                         " characters long"));
    return std::nullopt;
  }
  RecordField(field, t);
  return t.text;
}

std::optional<IpAddress> Args::Address(std::string_view field) {
  if (!Need(field)) return std::nullopt;
  const Token& t = rest_[pos_++];
  std::optional<IpAddress> a;
  if (!t.quoted && t.text.size() <= 64) a = IpAddress::Parse(t.text);
  if (!a) {
    state_->Error(t.column, absl::StrCat("expected an IP address for ", std::string(field),
                                         ", got '", Shown(t.text), "'"));
    return std::nullopt;
  }
  RecordField(field, t);
  return a;
}

std::optional<IpPrefix> Args::Prefix(std::string_view field, bool allow_any) {
  if (!Need(field)) return std::nullopt;
  const Token& t = rest_[pos_++];
  if (allow_any && !t.quoted && t.text == "any") {
    RecordField(field, t);
    return IpPrefix();
  }
  std::optional<IpPrefix> p;
  if (!t.quoted && t.text.size() <= 64 && t.text.find('/') != std::string::npos) {
    p = IpPrefix::Parse(t.text);
    // The router refuses host bits in a route or selector prefix (10.1.1.1/24).
    if (p && p->ToString() != t.text) {
      auto addr = IpAddress::Parse(t.text.substr(0, t.text.find('/')));
      if (!addr || *addr != p->address()) {
        state_->Error(t.column,
                      absl::StrCat(std::string(field), " '", Shown(t.text),
                                   "' has host bits set (did you mean ", p->ToString(), "?)"));
        return std::nullopt;
      }
    }
  }
  if (!p) {
    state_->Error(t.column,
                  absl::StrCat("expected an IP prefix (address/length", allow_any ? " or any" : "",
                               ") for ", std::string(field), ", got '", Shown(t.text), "'"));
    return std::nullopt;
  }
  RecordField(field, t);
  return p;
}

std::optional<ServiceRef> Args::Service(std::string_view field) {
  if (!Need(field)) return std::nullopt;
  const Token& t = peek();
  if (!t.quoted && !t.text.empty() && t.text[0] >= '0' && t.text[0] <= '9') {
    auto id = Number(field, 1, 2147483647);
    if (!id) return std::nullopt;
    return ServiceRef::Id(static_cast<uint32_t>(*id));
  }
  auto name = Name(field);
  if (!name) return std::nullopt;
  return ServiceRef::Name(*name);
}

std::optional<IsaSlot> Args::Slot(std::string_view field) {
  if (!Need(field)) return std::nullopt;
  const Token& t = rest_[pos_++];
  std::optional<IsaSlot> s;
  if (!t.quoted) s = IsaSlot::Parse(t.text);
  if (!s) {
    state_->Error(t.column, absl::StrCat("expected an ISA slot card/mda (e.g. 1/1) for ",
                                         std::string(field), ", got '", Shown(t.text), "'"));
    return std::nullopt;
  }
  RecordField(field, t);
  return s;
}

bool Args::End() {
  if (empty()) return true;
  const Token& t = peek();
  state_->Error(t.column,
                absl::StrCat("unexpected '", Shown(t.text), "' after '", keyword_->text, "'"));
  return false;
}

bool Args::Create(std::string_view what) {
  if (TryKeyword("create")) return true;
  if (!empty()) {
    End();
    return false;
  }
  state_->Error(keyword_->column,
                absl::StrCat("missing 'create': ", std::string(what), " does not exist"));
  return false;
}

// ---- ParseState ------------------------------------------------------------------------------

ParseState::ParseState(std::string_view file, const ParseOptions& options, ParseResult* result)
    : file_(file), options_(options), result_(result) {
  stack_.push_back(Frame{});
}

void ParseState::Error(int column, std::string message) {
  if (stopped_) return;
  if (result_->errors.size() >= options_.max_errors) {
    result_->errors.push_back(
        {{file_, line_, column},
         absl::StrCat("too many errors (", options_.max_errors, "); stopping")});
    stopped_ = true;
    return;
  }
  result_->errors.push_back({{file_, line_, column}, std::move(message)});
}

void ParseState::RecordObject(const Frame& frame, int column) {
  if (frame.detached || frame.path.empty()) return;
  if (result_->sources.Find(frame.path, "").has_value()) return;  // keep the creation
  result_->sources.Record(frame.path, "", {file_, line_, column});
}

void ParseState::RecordField(const Frame& frame, std::string_view field, int column) {
  if (frame.detached || frame.path.empty()) return;
  result_->sources.Record(frame.path, field, {file_, line_, column});
}

void ParseState::Push(Frame frame) { stack_.push_back(std::move(frame)); }

void ParseState::Chain(Args& args) {
  if (args.empty()) return;
  std::span<const Token> rest = args.remaining();
  Execute(rest);
}

void ParseState::Line(const LexedLine& line) {
  if (stopped_) return;
  line_ = line.line;
  if (!line.error.empty()) {
    Error(line.error_column, line.error);
    return;
  }
  if (line.tokens.empty()) return;
  Execute(line.tokens);
}

void ParseState::Execute(std::span<const Token> tokens) {
  const Token& first = tokens[0];
  if (!first.quoted && first.text == "exit") {
    if (tokens.size() == 1) {
      if (stack_.size() > 1) stack_.pop_back();
      return;
    }
    if (tokens.size() == 2 && !tokens[1].quoted && tokens[1].text == "all") {
      stack_.resize(1);
      return;
    }
    Error(tokens[1].column, absl::StrCat("unexpected '", Shown(tokens[1].text), "' after 'exit'"));
    return;
  }
  if (!first.quoted && first.text == "echo") return;  // saved router configs print banners
  bool negated = !first.quoted && first.text == "no";
  size_t k = negated ? 1 : 0;
  if (k >= tokens.size()) {
    Error(first.column, "'no' needs a command");
    return;
  }
  const Token& keyword = tokens[k];
  if (!keyword.quoted) {
    for (size_t d = stack_.size(); d-- > 0;) {
      const CommandSpec* spec = FindCommand(stack_[d].ctx, keyword.text);
      if (spec == nullptr) continue;
      stack_.resize(d + 1);
      Frame frame = stack_.back();
      Args args(this, &frame, &keyword, tokens.subspan(k + 1));
      spec->handler(*this, frame, args, negated);
      return;
    }
  }
  Error(keyword.column, absl::StrCat("unknown command '", Shown(keyword.text), "'"));
}

// ---- Shared handlers -------------------------------------------------------------------------

Frame Child(const Frame& parent, Ctx ctx, std::string path) {
  Frame f = parent;
  f.ctx = ctx;
  if (!path.empty()) f.path = std::move(path);
  return f;
}

bool NoNegation(ParseState& st, Args& args, bool negated) {
  if (!negated) return false;
  st.Error(args.keyword().column, absl::StrCat("'no ", args.keyword().text, "' is not supported"));
  return true;
}

void HandleShutdown(ParseState& st, const Frame& frame, Args& args, bool negated) {
  AdminState* admin = nullptr;
  switch (frame.ctx) {
    case Ctx::kTunnelGroup:
      admin = &frame.group->admin;
      break;
    case Ctx::kService:
      admin = &frame.service->admin;
      break;
    case Ctx::kInterface:
      admin = &frame.interface->admin;
      break;
    case Ctx::kSap:
      admin = &frame.sap->admin;
      break;
    case Ctx::kIpTunnel:
      admin = &frame.ip_tunnel->admin;
      break;
    case Ctx::kIpsecTunnel:
      admin = &frame.ipsec_tunnel->admin;
      break;
    case Ctx::kIpsecGw:
      admin = &frame.ipsec_gw->admin;
      break;
    case Ctx::kCaProfile:
      admin = &frame.ca_profile->admin;
      break;
    default:
      st.Error(args.keyword().column, "'shutdown' is not available here");
      return;
  }
  if (!args.End()) return;
  args.RecordField("shutdown", args.keyword());
  *admin = negated ? AdminState::kUp : AdminState::kDown;
}

void HandleDescription(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::string* text = nullptr;
  switch (frame.ctx) {
    case Ctx::kTunnelGroup:
      text = &frame.group->description;
      break;
    case Ctx::kIkePolicy:
      text = &frame.ike_policy->description;
      break;
    case Ctx::kIpsecTransform:
      text = &frame.transform->description;
      break;
    case Ctx::kTunnelTemplate:
      text = &frame.tunnel_template->description;
      break;
    case Ctx::kService:
      text = &frame.service->description;
      break;
    case Ctx::kInterface:
      text = &frame.interface->description;
      break;
    case Ctx::kSap:
      text = &frame.sap->description;
      break;
    case Ctx::kIpTunnel:
      text = &frame.ip_tunnel->description;
      break;
    case Ctx::kIpsecTunnel:
      text = &frame.ipsec_tunnel->description;
      break;
    case Ctx::kIpsecGw:
      text = &frame.ipsec_gw->description;
      break;
    case Ctx::kCaProfile:
      text = &frame.ca_profile->description;
      break;
    case Ctx::kRadiusServer:
      text = &frame.radius_server->description;
      break;
    case Ctx::kRadiusServerPolicy:
      text = &frame.radius_server_policy->description;
      break;
    case Ctx::kRadiusAuthPolicy:
      text = &frame.radius_auth_policy->description;
      break;
    case Ctx::kRadiusAcctPolicy:
      text = &frame.radius_acct_policy->description;
      break;
    default:
      st.Error(args.keyword().column, "'description' is not available here");
      return;
  }
  if (negated) {
    if (args.End()) text->clear();
    return;
  }
  const Token* t = args.Word("description");
  if (t == nullptr || !args.End()) return;
  if (t->text.empty() || t->text.size() > kMaxDescriptionLength) {
    st.Error(t->column,
             absl::StrCat("description must be 1..", kMaxDescriptionLength, " characters long"));
    return;
  }
  *text = t->text;
}

void HandleDpd(ParseState& st, const Frame& frame, Args& args, bool negated) {
  std::optional<Dpd>* dpd = nullptr;
  switch (frame.ctx) {
    case Ctx::kIkePolicy:
      dpd = &frame.ike_policy->dpd;
      break;
    case Ctx::kIpsecTunnel:
      dpd = &frame.ipsec_tunnel->dpd;
      break;
    case Ctx::kIpsecGw:
      dpd = &frame.ipsec_gw->dpd;
      break;
    default:
      st.Error(args.keyword().column, "'dpd' is not available here");
      return;
  }
  if (negated) {
    if (args.End()) dpd->reset();
    return;
  }
  Dpd value;
  args.RecordField("dpd", args.keyword());
  while (!args.empty()) {
    if (args.TryKeyword("interval")) {
      auto v = args.Number("dpd interval", 10, 300);
      if (!v) return;
      value.interval_s = static_cast<uint32_t>(*v);
    } else if (args.TryKeyword("max-retries")) {
      auto v = args.Number("dpd max-retries", 1, 32);
      if (!v) return;
      value.max_retries = static_cast<uint32_t>(*v);
    } else if (args.TryKeyword("reply-only")) {
      value.reply_only = true;
    } else {
      args.End();
      return;
    }
  }
  *dpd = value;
}

}  // namespace internal

ParseResult ParseConfigText(std::string_view text, std::string_view file,
                            const ParseOptions& options) {
  ParseResult result;
  internal::ParseState state(file, options, &result);
  internal::LexerLimits limits;
  limits.max_line_length = options.max_line_length;
  internal::Lexer lexer(text, limits);
  internal::LexedLine line;
  while (!state.stopped() && lexer.Next(&line)) state.Line(line);
  return result;
}

absl::StatusOr<Config> ParseConfig(std::string_view text, std::string_view file) {
  ParseResult result = ParseConfigText(text, file);
  if (!result.ok()) {
    std::vector<std::string> lines;
    for (const Diagnostic& d : result.errors) lines.push_back(d.ToString());
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }
  return std::move(result.config);
}

}  // namespace tunnelisa::config
