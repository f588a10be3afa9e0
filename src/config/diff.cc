// Change planning: the object-level difference and the guide's "Operational Conditions".
#include "tunnelisa/config/diff.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/object_path.h"
#include "config/walk.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {
namespace {

using internal::Quote;
using internal::TunnelAt;

template <typename K, typename V, typename PathFn, typename Fn>
void DiffMaps(const std::map<K, V>& a, const std::map<K, V>& b, std::vector<Change>& out,
              PathFn path, Fn modified) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) {
      out.push_back({ChangeKind::kRemoved, path(k)});
    } else if (!(it->second == v)) {
      modified(k, v, it->second);
    }
  }
  for (const auto& [k, v] : b) {
    if (!a.contains(k)) out.push_back({ChangeKind::kAdded, path(k)});
  }
}

bool Contains(const std::vector<IsaSlot>& v, const IsaSlot& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class Planner {
 public:
  Planner(const Config& running, const ValidationReport& running_report, const Config& candidate,
          const ValidationReport& candidate_report, const RuntimeView& runtime)
      : old_(running),
        new_(candidate),
        old_report_(running_report),
        new_report_(candidate_report),
        rt_(runtime) {}

  ChangePlan Run() {
    ListChanges();
    TunnelGroups();
    Policies();
    CaProfiles();
    PublicServices();
    SecurityPolicies();
    Tunnels();
    PublicAddresses();
    return std::move(plan_);
  }

 private:
  void Refuse(const std::string& object, const std::string& rule) {
    plan_.refusals.push_back(object + ": " + rule);
  }
  void Note(std::string note) { plan_.notes.push_back(std::move(note)); }

  // ---- the list of changed objects ----------------------------------------------------------

  void ListChanges() {
    auto& out = plan_.changes;
    auto simple = [&](auto path) {
      return [&out, path](const auto& k, const auto&, const auto&) {
        out.push_back({ChangeKind::kModified, path(k)});
      };
    };
    DiffMaps(old_.ca_profiles, new_.ca_profiles, out, internal::CaProfilePath,
             simple(internal::CaProfilePath));
    DiffMaps(old_.radius_servers, new_.radius_servers, out, internal::RadiusServerPath,
             simple(internal::RadiusServerPath));
    DiffMaps(old_.radius_server_policies, new_.radius_server_policies, out,
             internal::RadiusServerPolicyPath, simple(internal::RadiusServerPolicyPath));
    DiffMaps(old_.radius_authentication_policies, new_.radius_authentication_policies, out,
             internal::RadiusAuthPolicyPath, simple(internal::RadiusAuthPolicyPath));
    DiffMaps(old_.radius_accounting_policies, new_.radius_accounting_policies, out,
             internal::RadiusAcctPolicyPath, simple(internal::RadiusAcctPolicyPath));
    DiffMaps(old_.tunnel_groups, new_.tunnel_groups, out, internal::TunnelGroupPath,
             simple(internal::TunnelGroupPath));
    DiffMaps(old_.ike_policies, new_.ike_policies, out, internal::IkePolicyPath,
             simple(internal::IkePolicyPath));
    DiffMaps(old_.ipsec_transforms, new_.ipsec_transforms, out, internal::TransformPath,
             simple(internal::TransformPath));
    DiffMaps(old_.tunnel_templates, new_.tunnel_templates, out, internal::TunnelTemplatePath,
             simple(internal::TunnelTemplatePath));
    DiffMaps(old_.services, new_.services, out, internal::ServicePath,
             [&](uint32_t sid, const Service& a, const Service& b) { DiffService(sid, a, b); });
  }

  void DiffService(uint32_t sid, const Service& a, const Service& b) {
    auto& out = plan_.changes;
    if (a.type != b.type || a.customer != b.customer || a.name != b.name || a.admin != b.admin ||
        a.description != b.description) {
      out.push_back({ChangeKind::kModified, internal::ServicePath(sid)});
    }
    auto sp_path = [sid](uint32_t id) { return internal::SecurityPolicyPath(sid, id); };
    DiffMaps(a.security_policies, b.security_policies, out, sp_path,
             [&](uint32_t id, const SecurityPolicy&, const SecurityPolicy&) {
               out.push_back({ChangeKind::kModified, sp_path(id)});
             });
    auto if_path = [sid](const std::string& n) { return internal::InterfacePath(sid, n); };
    DiffMaps(a.interfaces, b.interfaces, out, if_path,
             [&](const std::string& n, const Interface& x, const Interface& y) {
               DiffInterface(sid, n, x, y);
             });
    std::set<StaticRoute> ra(a.static_routes.begin(), a.static_routes.end());
    std::set<StaticRoute> rb(b.static_routes.begin(), b.static_routes.end());
    for (const StaticRoute& r : ra) {
      if (!rb.contains(r)) out.push_back({ChangeKind::kRemoved, internal::StaticRoutePath(sid, r)});
    }
    for (const StaticRoute& r : rb) {
      if (!ra.contains(r)) out.push_back({ChangeKind::kAdded, internal::StaticRoutePath(sid, r)});
    }
  }

  void DiffInterface(uint32_t sid, const std::string& name, const Interface& a,
                     const Interface& b) {
    auto& out = plan_.changes;
    Interface a2 = a, b2 = b;
    a2.sap.reset();
    b2.sap.reset();
    if (!(a2 == b2)) out.push_back({ChangeKind::kModified, internal::InterfacePath(sid, name)});
    if (a.sap && (!b.sap || b.sap->id != a.sap->id)) {
      out.push_back({ChangeKind::kRemoved, internal::SapPath(sid, name, a.sap->id)});
    }
    if (b.sap && (!a.sap || b.sap->id != a.sap->id)) {
      out.push_back({ChangeKind::kAdded, internal::SapPath(sid, name, b.sap->id)});
    }
    if (!a.sap || !b.sap || a.sap->id != b.sap->id) return;
    std::string sap = internal::SapPath(sid, name, a.sap->id);
    Sap sa = *a.sap, sb = *b.sap;
    std::optional<IpTunnel> ta = sa.ip_tunnel, tb = sb.ip_tunnel;
    auto ipsa = sa.ipsec_tunnels, ipsb = sb.ipsec_tunnels;
    auto gwa = sa.ipsec_gws, gwb = sb.ipsec_gws;
    sa.ip_tunnel.reset();
    sb.ip_tunnel.reset();
    sa.ipsec_tunnels.clear();
    sb.ipsec_tunnels.clear();
    sa.ipsec_gws.clear();
    sb.ipsec_gws.clear();
    if (!(sa == sb)) out.push_back({ChangeKind::kModified, sap});
    if (ta && (!tb || tb->name != ta->name)) {
      out.push_back({ChangeKind::kRemoved, internal::IpTunnelPath(sap, ta->name)});
    }
    if (tb && (!ta || tb->name != ta->name)) {
      out.push_back({ChangeKind::kAdded, internal::IpTunnelPath(sap, tb->name)});
    }
    if (ta && tb && ta->name == tb->name && !(*ta == *tb)) {
      out.push_back({ChangeKind::kModified, internal::IpTunnelPath(sap, ta->name)});
    }
    auto tpath = [&sap](const std::string& n) { return internal::IpsecTunnelPath(sap, n); };
    DiffMaps(ipsa, ipsb, out, tpath, [&](const std::string& n, const auto&, const auto&) {
      out.push_back({ChangeKind::kModified, tpath(n)});
    });
    auto gpath = [&sap](const std::string& n) { return internal::IpsecGwPath(sap, n); };
    DiffMaps(gwa, gwb, out, gpath, [&](const std::string& n, const auto&, const auto&) {
      out.push_back({ChangeKind::kModified, gpath(n)});
    });
  }

  // ---- Operational Conditions ---------------------------------------------------------------

  bool GroupInUse(uint32_t group) const {
    for (const auto& [sid, s] : new_.services) {
      for (const auto& [n, i] : s.interfaces) {
        if (i.sap && i.sap->id.tunnel_group == group) return true;
      }
    }
    return false;
  }

  void TunnelGroups() {
    for (const auto& [id, a] : old_.tunnel_groups) {
      std::string path = internal::TunnelGroupPath(id);
      auto it = new_.tunnel_groups.find(id);
      if (it == new_.tunnel_groups.end()) {
        if (GroupInUse(id)) Refuse(path, "a tunnel group that is in use cannot be deleted");
        if (a.admin == AdminState::kUp) {
          Refuse(path,
                 "to remove a tunnel group instance, it must be in a shutdown state "
                 "(shut it down first)");
        }
        continue;
      }
      const TunnelGroup& b = it->second;
      bool shut = a.admin == AdminState::kDown || b.admin == AdminState::kDown;
      std::vector<IsaSlot> active = rt_.ActiveIsas(id);
      if (a.mode != b.mode) {
        if (!shut) {
          Refuse(path,
                 "a shutdown of the tunnel group is required to change the mode between "
                 "multi-active and single-active");
        }
        continue;
      }
      if (a.mode == TunnelGroupMode::kSingleActive) {
        bool backup_active =
            a.backup && Contains(active, *a.backup) && !(a.primary && *a.primary == *a.backup);
        if (a.primary != b.primary && !shut && !backup_active) {
          Refuse(path,
                 "in single-active mode, changes to the primary ISA are allowed only when the "
                 "tunnel group is in a shutdown state (or while the backup ISA is active)");
        }
        if (a.backup != b.backup) {
          for (const std::optional<IsaSlot>& s : {a.backup, b.backup}) {
            if (s && Contains(active, *s)) {
              Refuse(path, absl::StrCat("a change to the backup ISA is not allowed while ISA ",
                                        s->ToString(), " is active for this tunnel group"));
              break;
            }
          }
        }
      } else {
        if (a.active_mda_number != b.active_mda_number && !shut) {
          Refuse(path,
                 "a shutdown of the tunnel group is required to change the active-mda-number "
                 "in multi-active mode");
        }
        for (const IsaSlot& s : a.mdas) {
          if (!Contains(b.mdas, s) && Contains(active, s) && !shut) {
            Refuse(path, absl::StrCat("a shutdown of the tunnel group is required to "
                                      "de-configure an active MS-ISA (",
                                      s.ToString(), ") in multi-active mode"));
          }
        }
      }
    }
  }

  // Tunnels of the candidate that use ike-policy / transform `id`.
  std::vector<std::string> TunnelsUsing(bool ike, uint32_t id) const {
    std::vector<std::string> names;
    internal::ForEachIpsecTunnel(new_, [&](const TunnelAt<IpsecTunnel>& at) {
      const auto* dk = std::get_if<DynamicKeying>(&at.tunnel->keying);
      bool uses = false;
      if (dk != nullptr) {
        uses = ike ? dk->ike_policy == id
                   : std::find(dk->transforms.begin(), dk->transforms.end(), id) !=
                         dk->transforms.end();
      }
      if (const auto* mk = std::get_if<ManualKeying>(&at.tunnel->keying); mk && !ike) {
        for (const ManualSa& sa : mk->security_associations) uses |= sa.transform == id;
      }
      if (uses) names.push_back(Quote(at.tunnel->name));
    });
    return names;
  }

  void Policies() {
    for (const auto& [id, p] : old_.ike_policies) {
      auto it = new_.ike_policies.find(id);
      if (it == new_.ike_policies.end() || it->second == p) continue;
      auto users = TunnelsUsing(true, id);
      if (users.empty()) continue;
      Note(absl::StrCat("ike-policy ", id,
                        " changed: established tunnels are not affected until they are "
                        "renegotiated (clear the tunnel to force renegotiation): ",
                        absl::StrJoin(users, ", ")));
    }
    for (const auto& [id, t] : old_.ipsec_transforms) {
      auto it = new_.ipsec_transforms.find(id);
      if (it == new_.ipsec_transforms.end() || it->second == t) continue;
      auto users = TunnelsUsing(false, id);
      if (users.empty()) continue;
      Note(absl::StrCat("ipsec-transform ", id,
                        " changed: established tunnels are not affected until they are "
                        "renegotiated (clear the tunnel to force renegotiation): ",
                        absl::StrJoin(users, ", ")));
    }
  }

  // TrustAnchorUsers: the candidate's tunnels and ipsec-gws whose cert block names ca-profile
  // `name` as trust-anchor.
  std::vector<std::string> TrustAnchorUsers(const std::string& name) const {
    std::vector<std::string> users;
    auto uses = [&](const std::optional<CertAuth>& cert) {
      return cert && cert->trust_anchor == name;
    };
    internal::ForEachIpsecTunnel(new_, [&](const TunnelAt<IpsecTunnel>& at) {
      const auto* dk = std::get_if<DynamicKeying>(&at.tunnel->keying);
      if (dk != nullptr && uses(dk->cert))
        users.push_back("ipsec-tunnel " + Quote(at.tunnel->name));
    });
    for (const auto& [sid, s] : new_.services) {
      for (const auto& [ifname, i] : s.interfaces) {
        if (!i.sap) continue;
        for (const auto& [gname, g] : i.sap->ipsec_gws) {
          if (uses(g.cert)) users.push_back("ipsec-gw " + Quote(gname));
        }
      }
    }
    return users;
  }

  // CaProfiles: a ca-profile's files and state are consulted at each authentication, so a
  // change applies at once, unlike an ike-policy change (a cert block change, like a
  // pre-shared-key change, is a change of its tunnel and needs no note). Removing or shutting
  // a profile still in use is the validator's error (a trust-anchor must name an enabled
  // ca-profile).
  void CaProfiles() {
    for (const auto& [name, p] : old_.ca_profiles) {
      auto it = new_.ca_profiles.find(name);
      if (it == new_.ca_profiles.end() || it->second == p) continue;
      auto users = TrustAnchorUsers(name);
      if (users.empty()) continue;
      Note(absl::StrCat("ca-profile ", Quote(name),
                        " changed: applies at once to the authentication of the tunnels that "
                        "use it as trust-anchor: ",
                        absl::StrJoin(users, ", ")));
    }
  }

  void PublicServices() {
    for (const auto& [sid, s] : old_.services) {
      if (new_.services.contains(sid)) continue;
      std::vector<std::string> users;
      const uint32_t id = sid;
      const std::string& name = s.name;
      auto uses = [&](const std::optional<ServiceRef>& ref) {
        if (!ref) return false;
        return ref->name.empty() ? ref->id == id : ref->name == name;
      };
      internal::ForEachIpTunnel(new_, [&](const TunnelAt<IpTunnel>& at) {
        if (uses(at.tunnel->delivery_service))
          users.push_back("ip-tunnel " + Quote(at.tunnel->name));
      });
      internal::ForEachIpsecTunnel(new_, [&](const TunnelAt<IpsecTunnel>& at) {
        if (uses(at.tunnel->delivery_service)) {
          users.push_back("ipsec-tunnel " + Quote(at.tunnel->name));
        }
      });
      if (!users.empty()) {
        Refuse(internal::ServicePath(sid),
               absl::StrCat("the public service cannot be deleted while tunnels are configured "
                            "to use it (",
                            absl::StrJoin(users, ", "), ")"));
      }
    }
  }

  void SecurityPolicies() {
    internal::ForEachIpsecTunnel(old_, [&](const TunnelAt<IpsecTunnel>& at) {
      const IpsecTunnel& t = *at.tunnel;
      if (!t.security_policy) return;
      if (!rt_.IpsecTunnelStatus({at.service->id, t.name}).up()) return;
      uint32_t sid = at.service->id;
      auto old_policy = at.service->security_policies.find(*t.security_policy);
      if (old_policy == at.service->security_policies.end()) return;
      const IpsecTunnel* next = FindIpsec(sid, t.name);
      if (next != nullptr && next->admin == AdminState::kDown) return;  // shut down first
      const SecurityPolicy& before = old_policy->second;
      auto svc = new_.services.find(sid);
      const SecurityPolicy* after = nullptr;
      if (svc != new_.services.end()) {
        auto p = svc->second.security_policies.find(*t.security_policy);
        if (p != svc->second.security_policies.end()) after = &p->second;
      }
      if (after == nullptr || !(*after == before)) {
        Refuse(internal::SecurityPolicyPath(sid, *t.security_policy),
               absl::StrCat("a change to the security policy is not allowed while a tunnel is "
                            "active and using the policy (ipsec-tunnel ",
                            Quote(t.name), ")"));
      }
    });
  }

  // FindIpsec: a tunnel of the candidate (indexed on first use).
  const IpsecTunnel* FindIpsec(uint32_t sid, const std::string& name) {
    if (!indexed_) {
      internal::ForEachIpsecTunnel(new_, [&](const TunnelAt<IpsecTunnel>& at) {
        candidate_tunnels_[TunnelKey{at.service->id, at.tunnel->name}] = at.tunnel;
      });
      indexed_ = true;
    }
    auto it = candidate_tunnels_.find(TunnelKey{sid, name});
    return it == candidate_tunnels_.end() ? nullptr : it->second;
  }

  // ManualTransformsDiffer: a security-association present in both (same entry and
  // direction) names another transform, or one is added or removed.
  static bool ManualTransformsDiffer(const ManualKeying& a, const ManualKeying& b) {
    auto assignments = [](const ManualKeying& k) {
      std::map<std::pair<uint32_t, SaDirection>, uint32_t> m;
      for (const ManualSa& sa : k.security_associations) m[{sa.entry, sa.direction}] = sa.transform;
      return m;
    };
    return assignments(a) != assignments(b);
  }

  void Tunnels() {
    internal::ForEachIpsecTunnel(old_, [&](const TunnelAt<IpsecTunnel>& at) {
      const IpsecTunnel& a = *at.tunnel;
      const IpsecTunnel* b = FindIpsec(at.service->id, a.name);
      if (b == nullptr) return;
      std::string path = internal::IpsecTunnelPath(
          internal::SapPath(at.service->id, at.interface->name, at.sap->id), a.name);
      bool oper_up = rt_.IpsecTunnelStatus({at.service->id, a.name}).up();
      bool stays_up = b->admin == AdminState::kUp;
      if (oper_up && stays_up) {
        if (a.local_gateway_address != b->local_gateway_address || a.peer != b->peer ||
            a.delivery_service != b->delivery_service) {
          Refuse(path,
                 "the tunnel local-gateway-address, peer address, or delivery router "
                 "parameters cannot be changed while the tunnel is operationally up");
        }
        if (a.security_policy != b->security_policy) {
          Refuse(path,
                 "a tunnel security policy cannot be changed while the tunnel is "
                 "operationally up");
        }
      }
      const auto* da = std::get_if<DynamicKeying>(&a.keying);
      const auto* db = std::get_if<DynamicKeying>(&b->keying);
      bool shut = a.admin == AdminState::kDown || b->admin == AdminState::kDown;
      if (da && db && !shut &&
          (da->ike_policy != db->ike_policy || da->transforms != db->transforms)) {
        Refuse(path,
               "an IPSec transform policy or ike-policy assignment to a tunnel requires the "
               "tunnel to be shutdown");
      }
      // The same rule for manual keying: each security-association's transform.
      const auto* ma = std::get_if<ManualKeying>(&a.keying);
      const auto* mb = std::get_if<ManualKeying>(&b->keying);
      if (ma && mb && !shut && ManualTransformsDiffer(*ma, *mb)) {
        Refuse(path,
               "an IPSec transform policy or ike-policy assignment to a tunnel requires the "
               "tunnel to be shutdown");
      }
    });
  }

  // The public interface address may change at any time; tunnels that no longer fit the
  // subnet go operationally down until their configuration is corrected.
  void PublicAddresses() {
    std::set<std::string> was;
    for (const Finding& f : old_report_.oper_down) was.insert(f.object + "\n" + f.message);
    for (const Finding& f : new_report_.oper_down) {
      if (!was.contains(f.object + "\n" + f.message) &&
          (f.field == "source" || f.field == "local-gateway-address" ||
           f.field == "gateway-address")) {
        Note(absl::StrCat(f.object,
                          ": will be operationally down until its configuration is "
                          "corrected: ",
                          f.message));
      }
    }
  }

  const Config& old_;
  const Config& new_;
  const ValidationReport& old_report_;
  const ValidationReport& new_report_;
  const RuntimeView& rt_;
  ChangePlan plan_;
  std::map<TunnelKey, const IpsecTunnel*> candidate_tunnels_;
  bool indexed_ = false;
};

}  // namespace

ChangePlan PlanChange(const Config& running, const Config& candidate, const RuntimeView& runtime) {
  return PlanChange(running, Validate(running), candidate, Validate(candidate), runtime);
}

ChangePlan PlanChange(const Config& running, const ValidationReport& running_report,
                      const Config& candidate, const ValidationReport& candidate_report,
                      const RuntimeView& runtime) {
  return Planner(running, running_report, candidate, candidate_report, runtime).Run();
}

absl::StatusOr<ChangePlan> RunningConfig::Apply(Config candidate, const RuntimeView& runtime) {
  ValidationReport report = Validate(candidate);
  if (!report.ok()) {
    std::vector<std::string> lines;
    for (const Finding& f : report.errors) lines.push_back(f.object + ": " + f.message);
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }
  ChangePlan plan = PlanChange(config_, report_, candidate, report, runtime);
  if (!plan.allowed()) {
    return absl::FailedPreconditionError(absl::StrJoin(plan.refusals, "\n"));
  }
  config_ = std::move(candidate);
  report_ = std::move(report);
  return plan;
}

}  // namespace tunnelisa::config
