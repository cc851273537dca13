# shellcheck shell=sh
# netns.sh — a real NAT between three network namespaces, for regent's NAT
# tests (issue 13). Sourced by the tests/nat/test-nat-* scripts (POSIX sh).
#
#   client ns                router ns                       server ns
#   10.77.1.2/24 ---veth--- 10.77.1.1 | 10.77.2.1 ---veth--- 10.77.2.2/24
#   default via 10.77.1.1    ip_forward=1, nftables:         (no route to
#                            masquerade client -> server,     10.77.1.0/24:
#                            server -> client only if         the public side
#                            ct state established/related     cannot see it)
#
# Every name carries the prefix rgnat and this shell's pid, so parallel runs do
# not collide; nat_setup installs a trap that deletes everything on exit, also
# on failure or on a signal, and first removes what a killed earlier run left
# behind (namespaces and veths whose pid no longer runs).
#
# Knobs (environment, read by nat_setup):
#   NAT_UDP_TIMEOUT  conntrack UDP timeout in the router, seconds (default 10);
#                    used for nf_conntrack_udp_timeout and _udp_timeout_stream
#   NAT_TCP_TIMEOUT  nf_conntrack_tcp_timeout_established (default 30)
#   NAT_PORTS        public port range of the masquerade (default 40000-44999):
#                    not port-preserving, as most home and carrier NATs are not,
#                    so a Contact's port never equals the mapped port by luck
#
# Functions (after nat_setup): nat_c/nat_r/nat_s CMD... run CMD in a namespace;
# nat_blackhole / nat_restore; nat_flush (conntrack -F); nat_rebind (new port
# range + flush: every flow gets a new public port); nat_client_readdress IP;
# nat_conntrack (list the router's table); nat_sleep S (interruptible);
# nat_cleanup (also called by the trap).

NAT_PREFIX=rgnat
# where this library and its companions live (a test sets it before sourcing
# when it is not itself in tests/nat)
NAT_DIR=${NAT_DIR:-$(cd "$(dirname "$0")" && pwd)}
NAT_CLIENT_IP=10.77.1.2
NAT_ROUTER_IN_IP=10.77.1.1
NAT_ROUTER_OUT_IP=10.77.2.1
NAT_SERVER_IP=10.77.2.2

nat_log() {
	printf '%s nat: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

nat_die() {
	nat_log "ERROR: $*"
	exit 99
}

nat_c() { ip netns exec "$NAT_NS_C" "$@"; }
nat_r() { ip netns exec "$NAT_NS_R" "$@"; }
nat_s() { ip netns exec "$NAT_NS_S" "$@"; }

# Namespaces and veths of earlier runs whose shell is gone (killed before its
# trap ran). Only names with our prefix; a live pid's objects are left alone.
nat_cleanup_stale() {
	for _ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NAT_PREFIX-" || true); do
		_pid=$(printf '%s\n' "$_ns" | sed -n "s/^$NAT_PREFIX-\([0-9]*\)-.*/\1/p")
		if [ -n "$_pid" ] && [ "$_pid" != "$$" ] && ! kill -0 "$_pid" 2>/dev/null; then
			nat_log "removing leftover namespace $_ns"
			ip netns pids "$_ns" 2>/dev/null | while read -r _p; do kill -9 "$_p" 2>/dev/null || true; done
			ip netns del "$_ns" 2>/dev/null || true
		fi
	done
	# temporary directories of the tests (/tmp/rgnat-PID-*)
	for _d in /tmp/$NAT_PREFIX-[0-9]*-*; do
		[ -d "$_d" ] || continue
		_pid=$(printf '%s\n' "$_d" | sed -n "s|^/tmp/$NAT_PREFIX-\([0-9]*\)-.*|\1|p")
		if [ -n "$_pid" ] && [ "$_pid" != "$$" ] && ! kill -0 "$_pid" 2>/dev/null; then
			rm -rf "$_d"
		fi
	done
	# veths live in the namespaces and go with them; one left in the root
	# namespace (a run killed between `ip link add` and `set netns`) does not.
	for _l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^rn[0-9]" || true); do
		_pid=$(printf '%s\n' "$_l" | sed -n 's/^rn\([0-9]*\)[a-z].*/\1/p')
		if [ -n "$_pid" ] && [ "$_pid" != "$$" ] && ! kill -0 "$_pid" 2>/dev/null; then
			nat_log "removing leftover link $_l"
			ip link del "$_l" 2>/dev/null || true
		fi
	done
}

# Kills every process still inside our namespaces (bounded), then deletes them.
nat_cleanup() {
	[ -n "${NAT_SLEEP_PID:-}" ] && kill "$NAT_SLEEP_PID" 2>/dev/null
	for _ns in "$NAT_NS_C" "$NAT_NS_R" "$NAT_NS_S"; do
		[ -n "$_ns" ] || continue
		ip netns pids "$_ns" 2>/dev/null | while read -r _p; do kill "$_p" 2>/dev/null || true; done
	done
	_i=0
	while [ $_i -lt 30 ]; do
		_left=""
		for _ns in "$NAT_NS_C" "$NAT_NS_R" "$NAT_NS_S"; do
			[ -n "$_ns" ] && _left="$_left$(ip netns pids "$_ns" 2>/dev/null)"
		done
		[ -z "$_left" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _ns in "$NAT_NS_C" "$NAT_NS_R" "$NAT_NS_S"; do
		[ -n "$_ns" ] || continue
		ip netns pids "$_ns" 2>/dev/null | while read -r _p; do kill -9 "$_p" 2>/dev/null || true; done
		ip netns del "$_ns" 2>/dev/null || true
	done
	ip link del "$NAT_VETH_C" 2>/dev/null || true
	ip link del "$NAT_VETH_S" 2>/dev/null || true
}

# The router's ruleset. The forward chain jumps to `blackhole` first, which
# nat_blackhole fills with a drop and nat_restore empties.
nat_ruleset() {
	cat <<EOF
table inet $NAT_PREFIX {
	chain blackhole {
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		jump blackhole
		ct state established,related accept
		iifname "$NAT_VETH_RC" oifname "$NAT_VETH_RS" accept
		# a NAT firewall: nothing new from the public side reaches the client
		iifname "$NAT_VETH_RS" counter drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$NAT_VETH_RS" meta l4proto { tcp, udp } masquerade to :$1
		oifname "$NAT_VETH_RS" masquerade
	}
}
EOF
}

nat_setup() {
	[ "$(id -u)" = 0 ] || nat_die "needs root (network namespaces)"
	for t in ip nft conntrack; do
		command -v $t >/dev/null 2>&1 || nat_die "$t not installed (scripts/install-deps)"
	done
	NAT_UDP_TIMEOUT=${NAT_UDP_TIMEOUT:-10}
	NAT_TCP_TIMEOUT=${NAT_TCP_TIMEOUT:-30}
	NAT_PORTS=${NAT_PORTS:-40000-44999}
	_id=$$
	NAT_NS_C=$NAT_PREFIX-$_id-client
	NAT_NS_R=$NAT_PREFIX-$_id-router
	NAT_NS_S=$NAT_PREFIX-$_id-server
	# interface names: at most 15 characters (IFNAMSIZ); pid <= 7 digits
	NAT_VETH_C=rn${_id}c
	NAT_VETH_RC=rn${_id}rc
	NAT_VETH_S=rn${_id}s
	NAT_VETH_RS=rn${_id}rs
	trap 'rc=$?; trap - EXIT; nat_on_exit; nat_cleanup; exit $rc' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	nat_cleanup_stale

	ip netns add "$NAT_NS_C" || nat_die "ip netns add"
	ip netns add "$NAT_NS_R" || nat_die "ip netns add"
	ip netns add "$NAT_NS_S" || nat_die "ip netns add"
	ip link add "$NAT_VETH_C" type veth peer name "$NAT_VETH_RC" || nat_die "veth"
	ip link set "$NAT_VETH_C" netns "$NAT_NS_C"
	ip link set "$NAT_VETH_RC" netns "$NAT_NS_R"
	ip link add "$NAT_VETH_S" type veth peer name "$NAT_VETH_RS" || nat_die "veth"
	ip link set "$NAT_VETH_S" netns "$NAT_NS_S"
	ip link set "$NAT_VETH_RS" netns "$NAT_NS_R"
	for _ns in "$NAT_NS_C" "$NAT_NS_R" "$NAT_NS_S"; do
		ip -n "$_ns" link set lo up
	done
	ip -n "$NAT_NS_C" addr add $NAT_CLIENT_IP/24 dev "$NAT_VETH_C"
	ip -n "$NAT_NS_C" link set "$NAT_VETH_C" up
	ip -n "$NAT_NS_C" route add default via $NAT_ROUTER_IN_IP
	ip -n "$NAT_NS_R" addr add $NAT_ROUTER_IN_IP/24 dev "$NAT_VETH_RC"
	ip -n "$NAT_NS_R" addr add $NAT_ROUTER_OUT_IP/24 dev "$NAT_VETH_RS"
	ip -n "$NAT_NS_R" link set "$NAT_VETH_RC" up
	ip -n "$NAT_NS_R" link set "$NAT_VETH_RS" up
	ip -n "$NAT_NS_S" addr add $NAT_SERVER_IP/24 dev "$NAT_VETH_S"
	ip -n "$NAT_NS_S" link set "$NAT_VETH_S" up

	nat_r sysctl -qw net.ipv4.ip_forward=1 || nat_die "ip_forward"
	nat_ruleset "$NAT_PORTS" | nat_r nft -f - || nat_die "nftables ruleset"
	# conntrack exists in the router's namespace once the nat table is loaded;
	# its sysctls are per namespace (they do not touch the host's).
	nat_r sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$NAT_UDP_TIMEOUT" &&
		nat_r sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream="$NAT_UDP_TIMEOUT" &&
		nat_r sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established="$NAT_TCP_TIMEOUT" ||
		nat_die "conntrack sysctls"
	nat_log "NAT up: client $NAT_CLIENT_IP -> router $NAT_ROUTER_OUT_IP (ports $NAT_PORTS)" \
		"-> server $NAT_SERVER_IP; UDP timeout ${NAT_UDP_TIMEOUT}s, TCP ${NAT_TCP_TIMEOUT}s"
}

# Sleeps without blocking the traps: a signal during a plain `sleep` would
# only be handled when the sleep ends.
nat_sleep() {
	sleep "$1" &
	NAT_SLEEP_PID=$!
	wait "$NAT_SLEEP_PID"
	NAT_SLEEP_PID=""
}

# Hook for the test: stop its own processes before the namespaces go.
nat_on_exit() { :; }

# Black-hole: every forwarded packet dropped, both ways (a silently dead path:
# no ICMP, no RST). Conntrack entries stay and time out on their own.
nat_blackhole() {
	nat_r nft add rule inet $NAT_PREFIX blackhole drop || nat_die "blackhole"
	nat_log "path black-holed"
}

nat_restore() {
	nat_r nft flush chain inet $NAT_PREFIX blackhole || nat_die "restore"
	nat_log "path restored"
}

# Forget every mapping: the next packet of a flow gets a new conntrack entry
# (with a port-preserving range it may get the same public port again).
nat_flush() {
	nat_r conntrack -F >/dev/null 2>&1 || true
}

# NAT rebinding: move the masquerade to another port range and flush, so every
# flow is given a new public port (the "NAT rebooted" case).
nat_rebind() {
	case $NAT_PORTS in
	40000-44999) NAT_PORTS=45000-49999 ;;
	*) NAT_PORTS=40000-44999 ;;
	esac
	nat_r nft flush chain inet $NAT_PREFIX postrouting &&
		nat_r nft add rule inet $NAT_PREFIX postrouting oifname "$NAT_VETH_RS" \
			meta l4proto '{ tcp, udp }' masquerade to ":$NAT_PORTS" &&
		nat_r nft add rule inet $NAT_PREFIX postrouting oifname "$NAT_VETH_RS" masquerade ||
		nat_die "rebind"
	nat_flush
	nat_log "NAT rebound: public ports now $NAT_PORTS, conntrack flushed"
}

# The client moves to another address in its subnet (a DHCP change, a new
# Wi-Fi): the old address is removed, sockets bound to it break.
nat_client_readdress() {
	_new=$1
	# make-before-break: the new address is added first; without
	# promote_secondaries the kernel would delete it together with the old
	# primary address of the same subnet (and the default route with them)
	nat_c sysctl -qw "net.ipv4.conf.$NAT_VETH_C.promote_secondaries=1" || nat_die "promote_secondaries"
	nat_c ip addr add "$_new/24" dev "$NAT_VETH_C" || nat_die "readdress add"
	nat_c ip addr del "$NAT_CLIENT_IP/24" dev "$NAT_VETH_C" || nat_die "readdress del"
	nat_c ip route replace default via $NAT_ROUTER_IN_IP src "$_new" || nat_die "readdress route"
	nat_log "client address $NAT_CLIENT_IP -> $_new"
	NAT_CLIENT_IP=$_new
}

nat_conntrack() {
	nat_r conntrack -L 2>/dev/null
}
