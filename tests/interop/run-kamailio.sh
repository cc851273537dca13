#!/bin/sh
# Starts Kamailio for regent's interop tests, runs a command against it, and
# stops Kamailio by pid. Usage: run-kamailio.sh <command> [args...]
#
# Everything lives in a fresh temporary directory: the config (from
# kamailio.cfg.in next to this script), a test CA and server certificates made
# with the openssl CLI, and Kamailio's runtime dir. Ports are high ports on
# 127.0.0.1 chosen from this script's pid so parallel runs do not collide.
# The command sees REGENT_KAM_* variables with the ports, user and CA file.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kamailio=${KAMAILIO:-/usr/sbin/kamailio}
moddir=${KAMAILIO_MODDIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}

if [ ! -x "$kamailio" ] || [ ! -f "$moddir/websocket.so" ] || [ ! -f "$moddir/tls.so" ]; then
	echo "run-kamailio: kamailio with tls and websocket modules is not installed" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/regent-interop.XXXXXX)
kpid=""
cleanup() {
	if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null; then
		kill "$kpid" 2>/dev/null || true
		# bounded wait for the process group to go
		i=0
		while kill -0 "$kpid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$kpid" 2>/dev/null || true
	fi
	if [ -z "${REGENT_KEEP_TMP:-}" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM

# Six consecutive ports nobody uses now (bounded search from a pid-based start).
inuse=$(ss -Hlnut 2>/dev/null | awk '{print $5}' | sed 's/.*://' | sort -u)
base=$((20000 + ($$ % 2000) * 8))
tries=0
while :; do
	clash=0
	for p in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5)); do
		if printf '%s\n' "$inuse" | grep -qx "$p"; then
			clash=1
		fi
	done
	[ $clash = 0 ] && break
	tries=$((tries + 1))
	if [ $tries -ge 50 ]; then
		echo "run-kamailio: no free port range found" >&2
		exit 1
	fi
	base=$((base + 8))
	[ $base -gt 35990 ] && base=20000
done
udp=$base
tcp=$((base + 1))
tls=$((base + 2))
ws=$((base + 3))
wss=$((base + 4))
tlsbad=$((base + 5))

# --- certificates: a CA, a server cert for 127.0.0.1/localhost, and one for
# a different host name signed by the same CA.
o=openssl
(
	cd "$tmp"
	$o req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=regent interop test CA" >/dev/null 2>&1
	for n in good bad; do
		if [ $n = good ]; then
			cn=localhost
			san="subjectAltName=DNS:localhost,IP:127.0.0.1"
		else
			cn=wrong.example
			san="subjectAltName=DNS:wrong.example"
		fi
		$o req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj "/CN=$cn" \
			>/dev/null 2>&1
		printf '%s\n' "$san" >$n.ext
		$o x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile $n.ext -out $n.pem >/dev/null 2>&1
	done
)

cat >"$tmp/tls.cfg" <<TLSCFG
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $tmp/good.pem
private_key = $tmp/good.key

[server:127.0.0.1:$tlsbad]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $tmp/bad.pem
private_key = $tmp/bad.key
TLSCFG

sed -e "s|@UDP_PORT@|$udp|g" -e "s|@TCP_PORT@|$tcp|g" -e "s|@TLS_PORT@|$tls|g" \
	-e "s|@WS_PORT@|$ws|g" -e "s|@WSS_PORT@|$wss|g" -e "s|@TLS_BAD_PORT@|$tlsbad|g" \
	-e "s|@MODDIR@|$moddir|g" -e "s|@TLS_CFG@|$tmp/tls.cfg|g" \
	-e "s|@USER@|alice|g" -e "s|@PASSWORD@|interop-secret|g" \
	"$here/kamailio.cfg.in" >"$tmp/kamailio.cfg"

mkdir -p "$tmp/run"
"$kamailio" -c -f "$tmp/kamailio.cfg" >"$tmp/check.log" 2>&1 || {
	echo "run-kamailio: config check failed:" >&2
	cat "$tmp/check.log" >&2
	exit 1
}
"$kamailio" -DD -E -m 64 -M 8 -f "$tmp/kamailio.cfg" -Y "$tmp/run" -w "$tmp/run" \
	>"$tmp/kamailio.log" 2>&1 &
kpid=$!

# Ready when every port is bound (bounded: 10 s).
ready=0
i=0
while [ $i -lt 100 ]; do
	if ! kill -0 "$kpid" 2>/dev/null; then
		break
	fi
	n=$(ss -Hlnut 2>/dev/null | grep -c -E "127\.0\.0\.1:($udp|$tcp|$tls|$ws|$wss|$tlsbad)\b" || true)
	if [ "$n" -ge 6 ]; then
		ready=1
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
if [ $ready != 1 ]; then
	echo "run-kamailio: kamailio did not come up; log:" >&2
	cat "$tmp/kamailio.log" >&2
	exit 1
fi

export REGENT_KAM_UDP=$udp REGENT_KAM_TCP=$tcp REGENT_KAM_TLS=$tls REGENT_KAM_WS=$ws
export REGENT_KAM_WSS=$wss REGENT_KAM_TLS_BAD=$tlsbad REGENT_KAM_CA="$tmp/ca.pem"
export REGENT_KAM_USER=alice REGENT_KAM_PASSWORD=interop-secret REGENT_KAM_DIR="$tmp"

rc=0
"$@" || rc=$?
if [ $rc != 0 ] || [ -n "${REGENT_KAM_SHOW_LOG:-}" ]; then
	echo "--- kamailio log (tail) ---" >&2
	tail -n 40 "$tmp/kamailio.log" >&2
fi
exit $rc
