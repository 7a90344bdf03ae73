#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The admin API against the real server, real namespaces, ip and curl:
# every status code, the API and `ip netns` seeing each other's work, a
# process keeping a deleted namespace alive, invalid names that create
# nothing, basic auth (wrong password, no header, unknown user, a plain
# user on an admin route), bcrypt-only hashes and the decoy cost
# (cases/16), SIGHUP reloads, TLS and client certificates with a CA made
# here, plain-HTTP admin refused off loopback, and 50 concurrent creates
# and deletes with scrapes running, ending with exactly the expected set.
# 503 (the kernel refusing a namespace) cannot be provoked here without
# touching the host's limits: test_netns_admin_root provokes it in a user
# namespace of its own, and test_netns_admin pins the errno mapping.
. "$(dirname "$0")/lib.sh"
require_root
require_tool curl
require_tool openssl
require_tool python3

T=${NSE_TEST_PREFIX}adm-

# bcrypt hashes made here (Python 3.11's crypt is libxcrypt's crypt)
bcrypt()
{
	python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << int(sys.argv[2]))))' "$1" "$2"
}
H_ADMIN=$(bcrypt admin-pw 10)
H_VIEWER=$(bcrypt viewer-pw 10)
# the $2y$ spelling, as htpasswd -B writes it
H_VIEWER_Y="\$2y\$${H_VIEWER#\$2b\$}"

write_web()
{
	cat >"$work_dir/web.yml" <<-EOF
	basic_auth_users:
	  admin: '$H_ADMIN'
	  viewer: '$H_VIEWER_Y'
	http_server_config:
	  headers:
	    X-Content-Type-Options: nosniff
	EOF
}
write_admin()
{
	printf "admin_users:\n  admin: '%s'\n%s" "$H_ADMIN" "${1:-}" >"$work_dir/admin.yml"
}
write_web
write_admin

AUTH=(-u admin:admin-pw)
api_status()
{
	curl -s -o "$work_dir/body.json" -w '%{http_code}' "$@"
}
body_is_json_error()
{
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(d, dict) and isinstance(d.get("error"), str) else 1)' "$work_dir/body.json"
}
# give each exporter run its own log, so the log checks below see only it
logs=0
log_rotate()
{
	logs=$((logs + 1))
	mv "$work_dir/exporter.log" "$work_dir/exporter.$logs.log" 2>/dev/null
}
in_ip_list()
{
	ip netns list | awk '{ print $1 }' | grep -qx -- "$1"
}

start_exporter --web.config.file="$work_dir/web.yml" \
	--admin.config.file="$work_dir/admin.yml" || exit 1
check_cmd "start-up warns about nothing in a clean web config" \
	test "$(grep -c 'has no effect here' "$work_dir/exporter.log")" = 0

# --- authentication -------------------------------------------------------
check_eq "no credentials: 401" 401 "$(api_status "$URL/api/v1/netns")"
check_cmd "401 carries WWW-Authenticate: Basic" grep -qi '^www-authenticate: basic' \
	<(curl -s -D - -o /dev/null "$URL/api/v1/netns")
check_cmd "401 body is a JSON error" body_is_json_error
check_eq "wrong password: 401" 401 "$(api_status -u admin:nope "$URL/api/v1/netns")"
check_eq "unknown user: 401" 401 "$(api_status -u nobody:admin-pw "$URL/api/v1/netns")"
check_eq "metrics need credentials too" 401 "$(api_status "$URL/metrics")"
check_eq "plain user (\$2y\$ hash) scrapes" 200 "$(api_status -u viewer:viewer-pw "$URL/metrics")"
check_eq "plain user on an admin route: 403" 403 "$(api_status -u viewer:viewer-pw "$URL/api/v1/netns")"
check_cmd "403 body is a JSON error" body_is_json_error
check_cmd "configured header on every answer" grep -qi '^x-content-type-options: nosniff' \
	<(curl -s -D - -o /dev/null "$URL/api/v1/netns")

# --- create, list, exec, delete ------------------------------------------
blue=${T}blue
ns_track "$blue"
check_eq "create: 201" 201 "$(api_status "${AUTH[@]}" -X POST "$URL/api/v1/netns/$blue")"
check_cmd "ip netns list sees it" in_ip_list "$blue"
check_cmd "ip netns exec works in it" ip netns exec "$blue" true
check_eq "201 body names the inode" "$(ns_inode "$blue")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inode"])' "$work_dir/body.json")"
check_eq "loopback left down, as ip netns add leaves it" 0 \
	"$(ip -n "$blue" -o link show lo up | wc -l)"
check_eq "create again: 409" 409 "$(api_status "${AUTH[@]}" -X POST "$URL/api/v1/netns/$blue")"
check_cmd "409 body is a JSON error" body_is_json_error
check_eq "list: 200" 200 "$(api_status "${AUTH[@]}" "$URL/api/v1/netns")"
check_eq "list gives the inode" "$(ns_inode "$blue")" \
	"$(python3 -c 'import json,sys
print([e["inode"] for e in json.load(open(sys.argv[1])) if e["name"] == sys.argv[2]][0])' "$work_dir/body.json" "$blue")"
scrape "$work_dir/after-create.prom" "${AUTH[@]}"
check_cmd "next scrape shows it" grep -q "netns=\"$blue\"" "$work_dir/after-create.prom"
check_eq "delete: 204" 204 "$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/$blue")"
check_cmd "ip netns list no longer has it" wait_netns_gone "$blue"
scrape "$work_dir/after-delete.prom" "${AUTH[@]}"
check_eq "next scrape does not" 0 "$(count_lines "$work_dir/after-delete.prom" "netns=\"$blue\"")"
check_eq "delete again: 404" 404 "$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/$blue")"
check_cmd "404 body is a JSON error" body_is_json_error

# ip netns add, then delete through the API
ipadd=$(ns_add adm-ipadd) || exit 1
check_eq "delete what ip netns add made: 204" 204 \
	"$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/$ipadd")"
check_cmd "gone for ip netns too" wait_netns_gone "$ipadd"

# names other tools allow: shown exactly, deleted percent-encoded
odd="${T}odd name"
ip netns add "$odd" && ns_track "$odd"
api_status "${AUTH[@]}" "$URL/api/v1/netns" >/dev/null
check_cmd "list shows a name with a space exactly" python3 -c 'import json,sys
sys.exit(0 if sys.argv[2] in [e["name"] for e in json.load(open(sys.argv[1]))] else 1)' "$work_dir/body.json" "$odd"
check_eq "delete it percent-encoded: 204" 204 \
	"$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/${T}odd%20name")"
check_cmd "it is gone" wait_netns_gone "$odd"

# a stale entry (a plain file) is removed as ip netns delete removes it
touch "/run/netns/${T}stale"
ns_track "${T}stale"
check_eq "delete a stale entry: 204" 204 \
	"$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/${T}stale")"
check_cmd "the stale file is gone" test ! -e "/run/netns/${T}stale"

# a process inside keeps a deleted namespace alive; the name goes
held=${T}held
ns_track "$held"
api_status "${AUTH[@]}" -X POST "$URL/api/v1/netns/$held" >/dev/null
held_inode=$(ns_inode "$held")
ip netns exec "$held" sleep 300 &
sleeper=$!
started_pids+=("$sleeper")
wait_until pid_in_netns "$sleeper" "$held_inode"
check_eq "delete with a process inside: 204" 204 \
	"$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/$held")"
check_eq "the process still has the namespace" "$held_inode" "$(stat -L -c %i /proc/$sleeper/ns/net)"
scrape "$work_dir/held.prom" "${AUTH[@]}"
check_eq "next scrape no longer lists the name" 0 "$(count_lines "$work_dir/held.prom" "netns=\"$held\"")"

# attach names the netns of a process
check_eq "attach: 201" 201 "$(api_status "${AUTH[@]}" -X POST -d "{\"pid\": $sleeper}" \
	"$URL/api/v1/netns/${T}att")"
ns_track "${T}att"
check_eq "attached name is that process's netns" "$held_inode" "$(ns_inode "${T}att")"
check_cmd "attach is a bind mount, not a symlink" test ! -L "/run/netns/${T}att"
check_eq "delete attached: 204" 204 "$(api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/${T}att")"
kill "$sleeper" 2>/dev/null
gone=$(sh -c 'echo $$')
check_eq "attach to no such process: 404" 404 "$(api_status "${AUTH[@]}" -X POST \
	-d "{\"pid\": $gone}" "$URL/api/v1/netns/${T}nopid")"
check_cmd "and nothing was left" test ! -e "/run/netns/${T}nopid"
check_eq "malformed body: 400" 400 "$(api_status "${AUTH[@]}" -X POST -d '{"pid": "x"}' \
	"$URL/api/v1/netns/${T}badbody")"
check_cmd "and nothing was left" test ! -e "/run/netns/${T}badbody"

# --- invalid names create nothing anywhere ------------------------------
snapshot()
{
	# other suites' test namespaces may come and go meanwhile: keep ours
	{
		ls -a /run/netns /run
		awk '{ print $5 }' /proc/self/mountinfo
	} 2>/dev/null | grep -v -e '/nsetest-' -e '^nsetest-' | sort
	ls -a /run/netns 2>/dev/null | grep -F -- "$T" | sort
	awk '{ print $5 }' /proc/self/mountinfo | grep -F -- "$T" | sort
}
snapshot >"$work_dir/before.txt"
long=${T}$(printf 'x%.0s' $(seq 1 60))
for raw in .. %2e%2e %2E%2e a/b a%2fb "${T}a%00b" "${T}a%0Ab" "$long" "" "${T}x%zz"; do
	check_eq "invalid name [$raw]: 400" 400 \
		"$(api_status "${AUTH[@]}" -X POST --path-as-is "$URL/api/v1/netns/$raw")"
	check_cmd "invalid name [$raw]: JSON error" body_is_json_error
done
snapshot >"$work_dir/after.txt"
check_cmd "invalid names changed nothing on disk or in mounts" \
	cmp -s "$work_dir/before.txt" "$work_dir/after.txt"

# --- methods --------------------------------------------------------------
check_eq "PUT on a name: 405" 405 "$(api_status "${AUTH[@]}" -X PUT "$URL/api/v1/netns/${T}x")"
check_cmd "405 names POST and DELETE" grep -qi '^allow: POST, DELETE' \
	<(curl -s -D - -o /dev/null "${AUTH[@]}" -X PUT "$URL/api/v1/netns/${T}x")
check_eq "POST on the list: 405" 405 "$(api_status "${AUTH[@]}" -X POST "$URL/api/v1/netns")"
check_cmd "405 body is a JSON error" body_is_json_error

# --- audit log and counter ------------------------------------------------
check_cmd "audit line for the create" grep -q \
	"msg=\"admin request\".*user=admin operation=create netns=$blue status=201" "$work_dir/exporter.log"
check_cmd "audit line has the remote address and duration" grep -qE \
	'msg="admin request" remote=127\.0\.0\.1:[0-9]+ .*duration_seconds=' "$work_dir/exporter.log"
check_eq "no password in the log" 0 "$(grep -c -e admin-pw -e viewer-pw -e "${H_ADMIN:10}" "$work_dir/exporter.log")"
scrape "$work_dir/counter.prom" "${AUTH[@]}"
check_eq "counter: creates answered 201" 2 "$(sample_value "$work_dir/counter.prom" \
	'namespace_exporter_admin_requests_total{operation="create",code="201"}')"
check_cmd "counter page is valid" promtool_check "$work_dir/counter.prom"

# --- SIGHUP ---------------------------------------------------------------
write_admin "  viewer: '$H_VIEWER'
"
kill -HUP "$EXPORTER_PID"
for i in $(seq 1 50); do
	grep -q 'msg="reloaded the web and admin config"' "$work_dir/exporter.log" && break
	sleep 0.05
done
check_eq "after SIGHUP the new admin is in" 200 "$(api_status -u viewer:viewer-pw "$URL/api/v1/netns")"
printf 'admin_users:\n  viewer: s3cret\n' >"$work_dir/admin.yml"
kill -HUP "$EXPORTER_PID"
for i in $(seq 1 50); do
	grep -q 'cannot reload' "$work_dir/exporter.log" && break
	sleep 0.05
done
check_cmd "a bad file is refused with a log line" grep -q 'cannot reload.*user \\"viewer\\" is not a bcrypt hash' \
	"$work_dir/exporter.log"
check_eq "and the old one stays in force" 200 "$(api_status -u viewer:viewer-pw "$URL/api/v1/netns")"
check_cmd "the exporter is still running" kill -0 "$EXPORTER_PID"
write_admin

# --- cases/16: timing, cache, bcrypt only -------------------------------
median()
{
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# known and unknown users take turns, so that whatever else loads the
# machine meanwhile weighs on both groups alike
for i in $(seq 1 9); do
	curl -s -o /dev/null -w '%{time_total}\n' -u "admin:wrong$i" "$URL/metrics" \
		>>"$work_dir/known.all"
	curl -s -o /dev/null -w '%{time_total}\n' -u "nosuch$i:wrong$i" "$URL/metrics" \
		>>"$work_dir/unknown.all"
done
median <"$work_dir/known.all" >"$work_dir/known.t"
median <"$work_dir/unknown.all" >"$work_dir/unknown.t"
check_cmd "unknown user costs at least half a known user's wrong password ($(cat "$work_dir/unknown.t") s vs $(cat "$work_dir/known.t") s)" \
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.5 * float(sys.argv[2]) else 1)' \
	"$(cat "$work_dir/unknown.t")" "$(cat "$work_dir/known.t")"
stop_exporter

printf "basic_auth_users:\n  admin: 'abhWCwoTZY2c6'\n" >"$work_dir/web-des.yml"
printf "basic_auth_users:\n  admin: 's3cret'\n" >"$work_dir/web-plain.yml"
for f in web-des web-plain; do
	timeout 10 "$EXPORTER" --web.listen-address=127.0.0.1:0 \
		--web.config.file="$work_dir/$f.yml" >"$work_dir/$f.log" 2>&1
	rc=$?
	check_cmd "$f: refuses to start" test "$rc" != 0 -a "$rc" != 124
	check_cmd "$f: names the user and says not bcrypt" \
		grep -q 'user \\"admin\\" is not a bcrypt hash' "$work_dir/$f.log"
done

# --- plain HTTP admin off loopback ---------------------------------------
timeout 10 "$EXPORTER" --web.listen-address=0.0.0.0:0 \
	--admin.config.file="$work_dir/admin.yml" >"$work_dir/insecure.log" 2>&1
rc=$?
check_cmd "admin over plain HTTP on 0.0.0.0 is refused at start-up" test "$rc" != 0 -a "$rc" != 124
check_cmd "the refusal says how to fix it" grep -q 'admin.allow-insecure' "$work_dir/insecure.log"
# with --admin.allow-insecure it serves; inside a test netns, so that the
# wildcard address is that namespace's alone
wild=$(ns_add adm-wild) || exit 1
ip -n "$wild" link set lo up
ip netns exec "$wild" "$EXPORTER" --web.listen-address=0.0.0.0:0 \
	--web.config.file="$work_dir/web.yml" --admin.config.file="$work_dir/admin.yml" \
	--admin.allow-insecure >"$work_dir/wild.log" 2>&1 &
started_pids+=("$!")
for i in $(seq 1 100); do
	wport=$(sed -n 's/.*msg=listening .*address=0\.0\.0\.0:\([0-9]*\).*/\1/p' "$work_dir/wild.log" | tail -n 1)
	[ -n "$wport" ] && break
	sleep 0.05
done
check_eq "--admin.allow-insecure serves the admin API" 200 \
	"$(ip netns exec "$wild" curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "http://127.0.0.1:$wport/api/v1/netns")"

# --- TLS with a CA made here --------------------------------------------
tls=$work_dir/tls
mkdir -p "$tls"
(
	cd "$tls" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj /CN=nsetest-adm-ca
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout server.key -out server.csr -subj /CN=127.0.0.1
	printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out server.pem -days 2 -extfile server.ext
	# the same name with a new key and serial, as a renewal brings
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout renewed.key -out renewed.csr -subj /CN=127.0.0.1
	openssl x509 -req -in renewed.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out renewed.pem -days 2 -extfile server.ext
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout client.key -out client.csr -subj /CN=nsetest-adm-client
	printf 'subjectAltName=DNS:scraper.nsetest\n' >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out client.pem -days 2 -extfile client.ext
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout rogue.key -out rogue.pem -days 2 -subj /CN=rogue \
		-addext subjectAltName=DNS:scraper.nsetest
) >"$work_dir/openssl.log" 2>&1
check_cmd "test CA and certificates made" test -s "$tls/server.pem" -a -s "$tls/client.pem"
cat >"$work_dir/web-tls.yml" <<EOF
tls_server_config:
  cert_file: tls/server.pem
  key_file: tls/server.key
basic_auth_users:
  admin: '$H_ADMIN'
EOF
log_rotate
start_exporter --web.config.file="$work_dir/web-tls.yml" \
	--admin.config.file="$work_dir/admin.yml" || exit 1
TLS_URL=https://127.0.0.1:$PORT
check_eq "HTTPS admin list with the test CA" 200 \
	"$(api_status --cacert "$tls/ca.pem" "${AUTH[@]}" "$TLS_URL/api/v1/netns")"
check_eq "HTTPS create" 201 \
	"$(api_status --cacert "$tls/ca.pem" "${AUTH[@]}" -X POST "$TLS_URL/api/v1/netns/${T}tls")"
ns_track "${T}tls"
check_eq "HTTPS delete" 204 \
	"$(api_status --cacert "$tls/ca.pem" "${AUTH[@]}" -X DELETE "$TLS_URL/api/v1/netns/${T}tls")"
check_eq "an untrusted server certificate stops curl (60)" 60 \
	"$(curl -s -o /dev/null "${AUTH[@]}" "$TLS_URL/api/v1/netns"; echo $?)"
check_cmd "plain HTTP to the TLS port gets no HTTP answer" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/-/healthy")" != 200

# Renewals. The files are followed as the exporter-toolkit follows them: a
# renewed pair is served from the next handshake on, no signal needed. A
# half-renewed pair (certificate and key do not match) is refused, on a
# handshake and on SIGHUP, and changes nothing. SIGHUP serves a pair from
# new paths named in the web config.
file_serial()
{
	openssl x509 -noout -serial -in "$1"
}
served_serial()
{
	openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$tls/ca.pem" \
		</dev/null 2>/dev/null | openssl x509 -noout -serial
}
serves()
{
	[ "$(served_serial)" = "$(file_serial "$1")" ]
}
log_has()
{
	grep -q "$1" "$work_dir/exporter.log"
}
check_cmd "the certificate of the file is served" serves "$tls/server.pem"
cp "$tls/server.pem" "$tls/first.pem"
cp "$tls/server.key" "$tls/first.key"
cp "$tls/renewed.pem" "$tls/server.pem"
cp "$tls/renewed.key" "$tls/server.key"
check_cmd "a renewed pair is served without a signal" \
	wait_until serves "$tls/renewed.pem"
check_cmd "the renewal is logged" \
	log_has 'msg="serving the changed TLS certificate and key"'
check_eq "HTTPS works with the renewed certificate" 200 \
	"$(api_status --cacert "$tls/ca.pem" "${AUTH[@]}" "$TLS_URL/api/v1/netns")"
# handshakes are what look at the files
handshake_logged()
{
	served_serial >/dev/null
	log_has "$1"
}
cp "$tls/first.pem" "$tls/server.pem"
check_cmd "a half-renewed pair is refused on a handshake" \
	wait_until handshake_logged 'cannot serve the changed TLS certificate and key'
kill -HUP "$EXPORTER_PID"
wait_until log_has 'cannot reload'
check_cmd "and on SIGHUP, saying why" \
	grep -q 'cannot reload.*certificate and key cannot be used' "$work_dir/exporter.log"
check_cmd "the renewed certificate stays" serves "$tls/renewed.pem"
cp "$tls/first.key" "$tls/server.key"
check_cmd "the whole first pair is served again" wait_until serves "$tls/first.pem"
sed -e 's|tls/server.pem|tls/renewed.pem|' -e 's|tls/server.key|tls/renewed.key|' \
	"$work_dir/web-tls.yml" >"$work_dir/web-tls.new"
mv "$work_dir/web-tls.new" "$work_dir/web-tls.yml"
kill -HUP "$EXPORTER_PID"
wait_until log_has 'msg="serving the new TLS certificate and key"'
check_cmd "after SIGHUP the pair at the new paths is served" serves "$tls/renewed.pem"
check_eq "no restart-needed warning for any of it" 0 \
	"$(grep -c 'take effect at the next start' "$work_dir/exporter.log")"
stop_exporter

cat >"$work_dir/web-mtls.yml" <<EOF
tls_server_config:
  cert_file: tls/server.pem
  key_file: tls/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: tls/ca.pem
  client_allowed_sans: [scraper.nsetest]
EOF
log_rotate
start_exporter --web.config.file="$work_dir/web-mtls.yml" || exit 1
check_eq "client certificate from the CA: 200" 200 "$(api_status --cacert "$tls/ca.pem" \
	--cert "$tls/client.pem" --key "$tls/client.key" "https://127.0.0.1:$PORT/metrics")"
check_cmd "no client certificate: no answer" test "$(api_status --cacert "$tls/ca.pem" \
	"https://127.0.0.1:$PORT/metrics")" != 200
check_cmd "self-signed client certificate: no answer" test "$(api_status --cacert "$tls/ca.pem" \
	--cert "$tls/rogue.pem" --key "$tls/rogue.key" "https://127.0.0.1:$PORT/metrics")" != 200
check_cmd "CA-signed certificate without an allowed SAN: no answer" test "$(api_status --cacert "$tls/ca.pem" \
	--cert "$tls/server.pem" --key "$tls/server.key" "https://127.0.0.1:$PORT/metrics")" != 200
check_cmd "refusals are logged" grep -q 'msg="client certificate refused"' "$work_dir/exporter.log"
stop_exporter

# --- 50 concurrent creates and deletes, scrapes running -----------------
log_rotate
start_exporter --web.config.file="$work_dir/web.yml" \
	--admin.config.file="$work_dir/admin.yml" || exit 1
selfbinds()
{
	awk '$5 == "/run/netns"' /proc/self/mountinfo | wc -l
}
binds_before=$(selfbinds)
for i in $(seq 26 50); do
	ns_track "${T}c$i"
	api_status "${AUTH[@]}" -X POST "$URL/api/v1/netns/${T}c$i" >/dev/null
done
for i in $(seq 1 25); do ns_track "${T}c$i"; done
scrapers=()
for j in 1 2 3 4; do
	for i in 1 2; do
		curl -s -o /dev/null -w '%{http_code}\n' "${AUTH[@]}" "$URL/metrics"
	done >"$work_dir/scrapes.$j" &
	scrapers+=("$!")
done
{
	for i in $(seq 1 25); do echo "POST ${T}c$i"; done
	for i in $(seq 26 50); do echo "DELETE ${T}c$i"; done
} | xargs -P 50 -n 2 sh -c 'curl -s -o /dev/null -w "%{http_code}\n" -u admin:admin-pw -X "$1" "$0/api/v1/netns/$2"' "$URL" \
	| sort | uniq -c | awk '{ print $2 "x" $1 }' | sort | tr '\n' ' ' >"$work_dir/codes.txt"
wait "${scrapers[@]}"
check_eq "50 concurrent: 25 created, 25 deleted" "201x25 204x25 " "$(cat "$work_dir/codes.txt")"
check_eq "scrapes meanwhile all 200" "200x8" "$(cat "$work_dir"/scrapes.* | sort | uniq -c | awk '{ print $2 "x" $1 }')"
check_eq "exactly the expected set in /run/netns" "$(seq 1 25 | sed "s/^/${T}c/" | sort | tr '\n' ' ')" \
	"$(ls /run/netns | grep "^${T}c" | sort | tr '\n' ' ')"
check_eq "one nsfs mount per name" 25 "$(awk -v p="/run/netns/${T}c" 'index($5, p) == 1' /proc/self/mountinfo | wc -l)"
check_eq "no extra self-bind of /run/netns" "$binds_before" "$(selfbinds)"
scrape "$work_dir/final.prom" "${AUTH[@]}"
check_cmd "page after the storm is valid" promtool_check "$work_dir/final.prom"
for i in $(seq 1 25); do
	api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/${T}c$i" >/dev/null
done
check_eq "cleaned up through the API" 0 "$(ls /run/netns | grep -c "^${T}c")"

# Creates and deletes of one name racing each other: each answer is one of
# the four that mean something, never a 500 from a delete pulling the file
# from under a create, and the name ends as a namespace or as nothing.
same=${T}same
ns_track "$same"
for round in $(seq 1 10); do
	for i in 1 2 3 4; do echo "POST $same"; echo "DELETE $same"; done |
		xargs -P 8 -n 2 sh -c 'curl -s -o /dev/null -w "%{http_code}\n" -u admin:admin-pw -X "$1" "$0/api/v1/netns/$2"' "$URL"
	if [ -e "/run/netns/$same" ] &&
		[ "$(stat -f -c %T "/run/netns/$same")" != nsfs ]; then
		echo "round $round left a file that is no namespace"
	fi
done >"$work_dir/same.txt"
check_eq "one name, 80 racing requests: only 201, 204, 404, 409" "" \
	"$(grep -v -x -e 201 -e 204 -e 404 -e 409 "$work_dir/same.txt")"
api_status "${AUTH[@]}" -X DELETE "$URL/api/v1/netns/$same" >/dev/null
check_eq "in the host's mount namespace: no warning about mounts" 0 \
	"$(grep -c 'stay invisible' "$work_dir/exporter.log")"
stop_exporter

# Started in a private mount namespace of the test's own, the exporter
# warns that what the API creates would not be seen on the host.
timeout 10 unshare --mount --propagation private "$EXPORTER" \
	--web.listen-address=127.0.0.1:0 --admin.config.file="$work_dir/admin.yml" \
	>"$work_dir/private.log" 2>&1 &
private_pid=$!
started_pids+=("$private_pid")
private_warned()
{
	grep -q 'level=warn msg="the exporter has a mount namespace of its own and the netns directory is not on a shared mount' \
		"$work_dir/private.log"
}
check_cmd "in a private mount namespace: the admin API warns" wait_until private_warned
kill "$private_pid" 2>/dev/null
wait "$private_pid" 2>/dev/null

finish
