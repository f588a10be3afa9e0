// The `config isa` tree: tunnel-group and its settings.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "config/object_path.h"
#include "config/parse_state.h"

namespace tunnelisa::config::internal {
namespace {

int NextColumn(const Args& args) {
  return args.empty() ? args.keyword().column : args.peek().column;
}

void HandleTunnelGroup(ParseState& st, const Frame& frame, Args& args, bool negated) {
  int col = NextColumn(args);
  auto id = args.Number("tunnel-group id", 1, kMaxTunnelGroupId);
  auto& groups = st.config().tunnel_groups;
  if (negated) {
    if (id && args.End()) groups.erase(static_cast<uint32_t>(*id));
    return;
  }
  Frame child = Child(frame, Ctx::kTunnelGroup, "");
  auto enter_detached = [&] {
    child.detached = true;
    child.group = st.Detached<TunnelGroup>();
    st.Push(child);
  };
  if (!id) return enter_detached();
  uint32_t gid = static_cast<uint32_t>(*id);
  auto it = groups.find(gid);
  bool create = args.TryKeyword("create");
  bool multi = args.TryKeyword("multi-active");
  TunnelGroupMode mode = multi ? TunnelGroupMode::kMultiActive : TunnelGroupMode::kSingleActive;
  if (it == groups.end()) {
    if (!create) {
      st.Error(args.keyword().column,
               absl::StrCat("missing 'create': tunnel-group ", gid, " does not exist"));
      return enter_detached();
    }
    TunnelGroup g;
    g.id = gid;
    g.mode = mode;
    it = groups.emplace(gid, std::move(g)).first;
  } else if (create && it->second.mode != mode) {
    st.Error(col, absl::StrCat("tunnel-group ", gid, " exists as ",
                               it->second.mode == TunnelGroupMode::kMultiActive ? "multi-active"
                                                                                : "single-active",
                               "; its mode can't be changed by 'create'"));
    return enter_detached();
  }
  child.group = &it->second;
  child.path = TunnelGroupPath(gid);
  st.Push(child);
  st.RecordObject(child, col);
  st.Chain(args);
}

bool RequireMode(ParseState& st, const Frame& frame, Args& args, TunnelGroupMode mode) {
  if (frame.group->mode == mode) return true;
  if (mode == TunnelGroupMode::kSingleActive) {
    st.Error(args.keyword().column,
             absl::StrCat("'", args.keyword().text,
                          "' is for single-active tunnel groups; a multi-active group lists "
                          "its ISAs with 'mda'"));
  } else {
    st.Error(args.keyword().column,
             absl::StrCat("'", args.keyword().text,
                          "' is for multi-active tunnel groups (tunnel-group ID create "
                          "multi-active)"));
  }
  return false;
}

void HandlePrimary(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (!RequireMode(st, frame, args, TunnelGroupMode::kSingleActive)) return;
  if (negated) {
    if (args.End()) frame.group->primary.reset();
    return;
  }
  auto slot = args.Slot("primary");
  if (slot && args.End()) frame.group->primary = slot;
}

void HandleBackup(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (!RequireMode(st, frame, args, TunnelGroupMode::kSingleActive)) return;
  if (negated) {
    if (args.End()) frame.group->backup.reset();
    return;
  }
  auto slot = args.Slot("backup");
  if (slot && args.End()) frame.group->backup = slot;
}

void HandleMda(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (!RequireMode(st, frame, args, TunnelGroupMode::kMultiActive)) return;
  auto slot = args.Slot("mda");
  if (!slot || !args.End()) return;
  auto& mdas = frame.group->mdas;
  auto it = std::lower_bound(mdas.begin(), mdas.end(), *slot);
  if (negated) {
    if (it != mdas.end() && *it == *slot) mdas.erase(it);
    return;
  }
  if (it == mdas.end() || *it != *slot) mdas.insert(it, *slot);
}

void HandleActiveMdaNumber(ParseState& st, const Frame& frame, Args& args, bool negated) {
  if (!RequireMode(st, frame, args, TunnelGroupMode::kMultiActive)) return;
  if (negated) {
    if (args.End()) frame.group->active_mda_number = 1;
    return;
  }
  auto n = args.Number("active-mda-number", 1, kMaxTunnelGroupId);
  if (n && args.End()) frame.group->active_mda_number = static_cast<uint32_t>(*n);
}

void HandleResponderOnly(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (!args.End()) return;
  args.RecordField("ipsec-responder-only", args.keyword());
  frame.group->ipsec_responder_only = !negated;
}

void HandleGroupReassembly(ParseState&, const Frame& frame, Args& args, bool negated) {
  if (negated) {
    if (args.End()) frame.group->reassembly_wait_ms.reset();
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
  frame.group->reassembly_wait_ms = wait;
}

constexpr CommandSpec kIsaCommands[] = {
    {"tunnel-group", HandleTunnelGroup},
};
constexpr CommandSpec kTunnelGroupCommands[] = {
    {"primary", HandlePrimary},
    {"backup", HandleBackup},
    {"mda", HandleMda},
    {"active-mda-number", HandleActiveMdaNumber},
    {"ipsec-responder-only", HandleResponderOnly},
    {"reassembly", HandleGroupReassembly},
    {"shutdown", HandleShutdown},
    {"description", HandleDescription},
};

}  // namespace

std::span<const CommandSpec> IsaCommands(Ctx ctx) {
  switch (ctx) {
    case Ctx::kIsa:
      return kIsaCommands;
    case Ctx::kTunnelGroup:
      return kTunnelGroupCommands;
    default:
      return {};
  }
}

}  // namespace tunnelisa::config::internal
