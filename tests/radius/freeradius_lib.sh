# tests/radius/freeradius_lib.sh: a private freeradius 3.2 for tests (sourced, not run).
# shellcheck shell=bash
#
# Used by tests/radius/run_freeradius_test.sh (freeradius on 127.0.0.1 beside radius_probe)
# and tests/interop/strongswan/run_case.sh (freeradius on the loopback of the namespace where
# `tunnelisa run` and its RADIUS socket live). The sourcing script provides `fail MESSAGE` and
# `skip_or_fail MESSAGE`; it stops what it started with freeradius_stop_all (in its cleanup).
#
# Every wait is bounded; only the PIDs started here are stopped.

FREERADIUS=${FREERADIUS:-/usr/sbin/freeradius}
FREERADIUS_DICTDIR=${FREERADIUS_DICTDIR:-/usr/share/freeradius}
FREERADIUS_PIDS=()
# FREERADIUS_EAP_TYPE (md5 | mschapv2; empty: no EAP): freeradius_write_config adds the eap
# module with those two methods only (no TLS, no PEAP), proposing this one first, and mschap
# for MSCHAPv2's check and its MPPE keys (the IKEv2 EAP cases of run_case.sh).
FREERADIUS_EAP_TYPE=${FREERADIUS_EAP_TYPE:-}
# The users file freeradius_write_config writes (the radius_freeradius_* cases check alice's
# reply items); a caller may set another before writing.
FREERADIUS_USERS='alice Cleartext-Password := "alice-password"
      Framed-IP-Address = 10.99.0.5,
      Framed-IP-Netmask = 255.255.255.255,
      Class = "cls-alice",
      Session-Timeout = 3600,
      Reply-Message = "welcome alice"'

# freeradius_require: skip (77, or fail with TUNNELISA_INTEROP_REQUIRED=1) without freeradius.
freeradius_require() {
  [ -x "$FREERADIUS" ] || skip_or_fail "freeradius not installed ($FREERADIUS; scripts/deps.sh)"
  [ -f "$FREERADIUS_DICTDIR/dictionary" ] ||
    skip_or_fail "freeradius dictionaries missing ($FREERADIUS_DICTDIR)"
}

# freeradius_write_config DIR AUTH_PORT SIGN_ANSWERS(yes|no) SECRET [CLIENT_NAME]: a complete,
# private freeradius configuration in DIR listening on 127.0.0.1 (auth AUTH_PORT, accounting
# AUTH_PORT + 1), one client 127.0.0.1 with SECRET and require_message_authenticator, the
# pap, files (FREERADIUS_USERS) and detail modules. SIGN_ANSWERS=yes adds
# Message-Authenticator to every Access-Accept and Access-Reject, as freeradius >= 3.2.5 does
# by default against BlastRADIUS (CVE-2024-3596); Debian 12's 3.2.1 sends it only with EAP,
# which is what SIGN_ANSWERS=no leaves (tunnelisa's client drops such answers).
freeradius_write_config() {
  local dir=$1 auth=$2 sign=$3 secret=$4 client=${5:-probe}
  local acct=$((auth + 1))
  mkdir -p "$dir/raddb" "$dir/log" "$dir/run"
  local post_auth=""
  if [ "$sign" = yes ]; then
    post_auth='
  post-auth {
    update reply {
      &Message-Authenticator := 0x00
    }
    Post-Auth-Type REJECT {
      update reply {
        &Message-Authenticator := 0x00
      }
    }
  }'
  fi
  local eap_modules="" eap_authorize="" eap_authenticate=""
  if [ -n "$FREERADIUS_EAP_TYPE" ]; then
    eap_modules="
  mschap {
    use_mppe = yes
    require_encryption = no
    require_strong = no
  }
  eap {
    default_eap_type = $FREERADIUS_EAP_TYPE
    timer_expire = 60
    ignore_unknown_eap_types = no
    max_sessions = 1024
    md5 {
    }
    mschapv2 {
    }
  }"
    eap_authorize="
    eap {
      ok = return
    }"
    eap_authenticate="
    eap
    Auth-Type MS-CHAP {
      mschap
    }"
  fi
  cat >"$dir/raddb/radiusd.conf" <<EOF
prefix = /usr
raddbdir = $dir/raddb
confdir = \${raddbdir}
logdir = $dir/log
run_dir = $dir/run
libdir = /usr/lib/freeradius
dictdir = $FREERADIUS_DICTDIR
pidfile = \${run_dir}/radiusd.pid
max_request_time = 5
cleanup_delay = 2
max_requests = 1024
hostname_lookups = no
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}
client $client {
  ipaddr = 127.0.0.1
  secret = "$secret"
  require_message_authenticator = yes
}
modules {
  pap {
  }
  files {
    filename = \${confdir}/users
  }
  detail {
    filename = \${logdir}/detail
    header = "%t"
    permissions = 0600
    locking = no
  }$eap_modules
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $auth
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = $acct
  }
  authorize {
    files$eap_authorize
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }$eap_authenticate
  }
  accounting {
    detail
  }$post_auth
}
EOF
  printf '%s\n' "$FREERADIUS_USERS" >"$dir/raddb/users"
}

# freeradius_start DIR [PREFIX...]: runs `PREFIX... freeradius -X` on DIR's configuration
# (PREFIX: e.g. `ip netns exec NS`, which execs freeradius, so $! is freeradius itself); its
# output goes to DIR/freeradius.log. Waits (at most 10 s) until it is ready; sets
# FREERADIUS_PID.
freeradius_start() {
  local dir=$1
  shift
  "$@" "$FREERADIUS" -X -d "$dir/raddb" >"$dir/freeradius.log" 2>&1 &
  FREERADIUS_PID=$!
  FREERADIUS_PIDS+=("$FREERADIUS_PID")
  local _
  for _ in $(seq 100); do
    grep -q "Ready to process requests" "$dir/freeradius.log" && return 0
    kill -0 "$FREERADIUS_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "Ready to process requests" "$dir/freeradius.log" ||
    fail "freeradius did not start: $(tail -n 5 "$dir/freeradius.log")"
}

# freeradius_stop_all: TERM (then, after 5 s, KILL) every freeradius started here.
freeradius_stop_all() {
  local pid
  for pid in "${FREERADIUS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  FREERADIUS_PIDS=()
}
