# shellcheck shell=bash
# tests/radius/freeradius_eap.sh: sourced by the EAP tests (tests/interop/strongswan/run_case.sh
# eap-* cases). A private freeradius 3.2 configuration for IKEv2 EAP relayed by tunnelisa: the
# eap module with md5 and mschapv2 only (no TLS, no PEAP), mschap for MSCHAPv2's check and its
# MPPE keys, the users file, a client 127.0.0.1 that must sign with Message-Authenticator, and
# answers signed too (Reject included), as freeradius >= 3.2.5 does against BlastRADIUS. Needs
# no root itself; the caller picks the namespace.
#
#   fr_write_eap_conf DIR PORT SECRET EAP_TYPE   EAP_TYPE (md5 | mschapv2): the method the
#                                                server proposes first
#   fr_start_eap DIR [PREFIX...]                 runs PREFIX freeradius -X; waits (at most
#                                                10 s) until it is ready; its PID in FR_PID
# Users: alice / alice-password, bob / bob-password.
FREERADIUS=${FREERADIUS:-/usr/sbin/freeradius}
FREERADIUS_DICTDIR=${FREERADIUS_DICTDIR:-/usr/share/freeradius}

fr_write_eap_conf() {
  local dir=$1 port=$2 secret=$3 type=$4
  mkdir -p "$dir/raddb" "$dir/log" "$dir/run"
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
client tunnelisa {
  ipaddr = 127.0.0.1
  secret = "$secret"
  require_message_authenticator = yes
}
modules {
  files {
    filename = \${confdir}/users
  }
  mschap {
    use_mppe = yes
    require_encryption = no
    require_strong = no
  }
  eap {
    default_eap_type = $type
    timer_expire = 60
    ignore_unknown_eap_types = no
    max_sessions = 1024
    md5 {
    }
    mschapv2 {
    }
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $port
  }
  authorize {
    files
    eap {
      ok = return
    }
  }
  authenticate {
    eap
    Auth-Type MS-CHAP {
      mschap
    }
  }
  post-auth {
    update reply {
      &Message-Authenticator := 0x00
    }
    Post-Auth-Type REJECT {
      update reply {
        &Message-Authenticator := 0x00
      }
    }
  }
}
EOF
  cat >"$dir/raddb/users" <<'EOF'
alice Cleartext-Password := "alice-password"
bob Cleartext-Password := "bob-password"
EOF
}

FR_PID=""
fr_start_eap() {
  local dir=$1 i=0
  shift
  "$@" "$FREERADIUS" -X -d "$dir/raddb" >"$dir/freeradius.log" 2>&1 &
  FR_PID=$!
  while [ $i -lt 100 ] && ! grep -q "Ready to process requests" "$dir/freeradius.log"; do
    kill -0 "$FR_PID" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  grep -q "Ready to process requests" "$dir/freeradius.log"
}
