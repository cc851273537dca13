# shellcheck shell=sh
# kamailio.sh — starts Kamailio (kamailio-nat.cfg.in) in the server namespace
# of netns.sh and stops it by pid. Sourced after netns.sh and nat_setup.
#
#   nat_kamailio_start [-A DEFINE]...   sets NAT_KAM_PID, NAT_KAM_LOG
#   nat_kamailio_stop
#
# Ports are fixed (the namespace is ours alone): SIP UDP+TCP on
# NAT_SIP_PORT (15060), WebSocket on NAT_WS_PORT (15080), and with
# NAT_KAM_TLS=1 set before the start, TLS on NAT_TLS_PORT (15061) with a
# self-signed certificate for NAT_SERVER_IP made here with openssl, whose
# path is then NAT_KAM_CA (for regent's --tls-ca). WITH_OUTBOUND is defined
# when outbound.so is installed.

NAT_SIP_PORT=15060
# a second UDP listener, with -A WITH_SECOND_PORT (case 5: two flows)
NAT_SIP_PORT2=15070
NAT_TLS_PORT=15061
NAT_WS_PORT=15080
NAT_KAM_PID=""

nat_kamailio_start() {
	_kamailio=${KAMAILIO:-/usr/sbin/kamailio}
	_moddir=${KAMAILIO_MODDIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
	[ -x "$_kamailio" ] || nat_die "kamailio not installed"
	for _m in stun registrar usrloc tm websocket; do
		[ -f "$_moddir/$_m.so" ] || nat_die "kamailio module $_m.so not installed"
	done
	NAT_KAM_DIR=$(mktemp -d /tmp/$NAT_PREFIX-$$-kam.XXXXXX)
	NAT_KAM_LOG=$NAT_KAM_DIR/kamailio.log
	_defs=""
	if [ -f "$_moddir/outbound.so" ]; then
		_defs="-A WITH_OUTBOUND"
		NAT_KAM_OUTBOUND=1
	else
		nat_log "outbound.so missing (kamailio-outbound-modules): registrar without RFC 5626"
		NAT_KAM_OUTBOUND=0
	fi
	if [ "${NAT_KAM_TLS:-0}" = 1 ]; then
		nat_kamailio_cert
		_defs="$_defs -A WITH_TLS"
	fi
	sed -e "s|@SERVER_IP@|$NAT_SERVER_IP|g" -e "s|@SIP_PORT@|$NAT_SIP_PORT|g" -e "s|@SIP_PORT2@|$NAT_SIP_PORT2|g" \
		-e "s|@WS_PORT@|$NAT_WS_PORT|g" -e "s|@MODDIR@|$_moddir|g" \
		-e "s|@TLS_PORT@|$NAT_TLS_PORT|g" -e "s|@TLS_CFG@|$NAT_KAM_DIR/tls.cfg|g" \
		"$NAT_DIR/kamailio-nat.cfg.in" >"$NAT_KAM_DIR/kamailio.cfg"
	mkdir -p "$NAT_KAM_DIR/run"
	# shellcheck disable=SC2086 # $defs and "$@" are word lists of -A NAME
	nat_s "$_kamailio" -c $_defs "$@" -f "$NAT_KAM_DIR/kamailio.cfg" \
		>"$NAT_KAM_DIR/check.log" 2>&1 || {
		cat "$NAT_KAM_DIR/check.log" >&2
		nat_die "kamailio config check failed"
	}
	# ip netns exec execs kamailio: $! is kamailio's own pid (not through
	# the nat_s function, which would put a subshell in between)
	# shellcheck disable=SC2086
	ip netns exec "$NAT_NS_S" "$_kamailio" -DD -E -m 64 -M 8 $_defs "$@" -f "$NAT_KAM_DIR/kamailio.cfg" \
		-Y "$NAT_KAM_DIR/run" -w "$NAT_KAM_DIR/run" >"$NAT_KAM_LOG" 2>&1 &
	NAT_KAM_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		kill -0 "$NAT_KAM_PID" 2>/dev/null || break
		_n=$(nat_s ss -Hlnu 2>/dev/null | grep -c "$NAT_SERVER_IP:$NAT_SIP_PORT\b" || true)
		_m=$(nat_s ss -Hlnt 2>/dev/null | grep -c "$NAT_SERVER_IP:$NAT_WS_PORT\b" || true)
		if [ "${NAT_KAM_TLS:-0}" = 1 ]; then
			_t=$(nat_s ss -Hlnt 2>/dev/null | grep -c "$NAT_SERVER_IP:$NAT_TLS_PORT\b" || true)
			[ "$_t" -ge 1 ] || _m=0
		fi
		if [ "$_n" -ge 1 ] && [ "$_m" -ge 1 ]; then
			nat_log "kamailio up (pid $NAT_KAM_PID) on $NAT_SERVER_IP:$NAT_SIP_PORT udp/tcp," \
				"ws $NAT_WS_PORT, tls ${NAT_KAM_TLS:-0}, outbound=$NAT_KAM_OUTBOUND"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$NAT_KAM_LOG" >&2
	nat_die "kamailio did not come up"
}

# A self-signed certificate for the server's address (its own trust anchor:
# regent --tls-ca $NAT_KAM_CA verifies it, host name check included) and
# Kamailio's tls.cfg, in NAT_KAM_DIR. P-256: made in milliseconds.
nat_kamailio_cert() {
	command -v openssl >/dev/null 2>&1 || nat_die "openssl not installed"
	[ -f "$_moddir/tls.so" ] || nat_die "kamailio module tls.so not installed"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$NAT_KAM_DIR/server.key" -out "$NAT_KAM_DIR/server.pem" -days 2 \
		-subj "/CN=$NAT_SERVER_IP" -addext "subjectAltName=IP:$NAT_SERVER_IP" \
		-addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1 ||
		nat_die "openssl: test certificate"
	NAT_KAM_CA=$NAT_KAM_DIR/server.pem
	cat >"$NAT_KAM_DIR/tls.cfg" <<EOF
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $NAT_KAM_DIR/server.pem
private_key = $NAT_KAM_DIR/server.key
EOF
}

nat_kamailio_stop() {
	if [ -n "$NAT_KAM_PID" ]; then
		kill "$NAT_KAM_PID" 2>/dev/null || true
		_i=0
		while kill -0 "$NAT_KAM_PID" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$NAT_KAM_PID" 2>/dev/null || true
		NAT_KAM_PID=""
	fi
	if [ -z "${REGENT_KEEP_TMP:-}" ] && [ -n "${NAT_KAM_DIR:-}" ]; then
		rm -rf "$NAT_KAM_DIR"
	fi
}
