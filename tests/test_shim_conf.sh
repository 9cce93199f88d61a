#!/bin/sh
# test_shim_conf.sh RDKAFKA_PROBE SHIM_PROBE -- the shim's configuration and
# partitioners against librdkafka 2.0.2's own (issue 16): test_shim_conf_probe.c
# built with -lrdkafka and with liblakestream-rdkafka, outputs diffed:
#   show  rd_kafka_conf_properties_show, up to librdkafka's legend line (the
#         shim appends its lakestream.* section after it);
#   dump  the dumps of a fresh conf and topic conf (every default);
#   get   rd_kafka_conf_get / _topic_conf_get of every property on a fresh
#         object: result, sizes (also into a 4-byte buffer), value;
#   set   every property (and a few unknown names) set to each of the probe
#         values below: result, errstr, whether a default topic conf was
#         created, and what reads back;
#   ic    the calls of on_conf_set/_dup/_destroy interceptors;
#   part  the deterministic partitioners on fixed keys and counts.
# The deliberate differences are removed from both outputs first, each with
# its reason (DELIBERATE below); anything else that differs fails the test.
set -eu
rk=$1
shim=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_shim_conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# Names: every property librdkafka documents (its properties_show), the
# hidden ones it knows (not shown; some are dumped), and names it does not know.
"$rk" show > "$tmp/show.rk"
awk '/^## Global/ {s = "G"} /^## Topic/ {s = "T"}
     /^[A-Za-z_.]+ +\| / && $1 != "Property" {print s, $1}' "$tmp/show.rk" > "$tmp/names"
n=$(wc -l < "$tmp/names")
[ "$n" -eq 170 ] || { echo "expected 170 documented properties, librdkafka shows $n"; exit 1; }
cat >> "$tmp/names" <<'EOF'
G client.software.name
G client.software.version
G metadata.request.timeout.ms
G enable.sparse.connections
G ssl.truststore.location
G sasl.jaas.config
G enable_sasl_queue
G test.mock.num.brokers
G test.mock.broker.rtt
G ut_handle_ProduceResponse
G no.such.property
G topic.acks
G topic.auto.offset.reset
T topic.acks
T no.such.property
EOF
# Topic properties also through the global conf (librdkafka falls through to
# the default topic conf).
awk '$1 == "T" {print "G", $2}' "$tmp/names" | sort -u > "$tmp/names.t2g"
cat "$tmp/names.t2g" >> "$tmp/names"

# Probe values: librdkafka's spellings of booleans, numbers in bases, ranges
# and overflow, enum and flag spellings with case and spaces, validators'
# inputs, patterns, and broker lists.
cat > "$tmp/values" <<'EOF'

true
True
TRUE
t
F
1
0
yes
off
-1
10
0x10
010
 42
42abc
99999999999
2147483648
1.5
1e3
nan
abc
ALL
all
broker, topic
broker ,topic
-all
+generic,-generic
,
earliest
EARLIEST
 latest
latest 
v4
none
inherit
zstd
murmur2
PLAIN
a b
0.7.1
2.8.0
^foo$,bar
a(
x,,y
http
gzip,oidc
  
read_committed
fifo
a,b
host:9092
file:///tmp/x
mem://
EOF
awk 'NR == FNR {v[++nv] = $0; next}
     {for (i = 1; i <= nv; i++) print $1 " " $2 "=" v[i]}' "$tmp/values" "$tmp/names" \
    > "$tmp/cases"

run() {   # run PROBE OUT: every mode, one file
    {
        "$1" show | sed '/^### C\/P legend/q'
        "$1" dump
        "$1" get < "$tmp/names"
        "$1" set < "$tmp/cases"
        "$1" ic
        "$1" part
    } > "$2"
}
run "$rk" "$tmp/out.rk"
run "$shim" "$tmp/out.shim"

# DELIBERATE differences, removed from both outputs:
deliberate() {
    sed -E \
        `# builtin.features: Debian builds librdkafka without libcurl, so it lacks` \
        `# http and oidc; the shim accepts every documented property and lists` \
        `# every documented feature (checked on its own below).` \
        -e '/^(get|set) G builtin\.features[ =]/d' \
        -e '/^dump G builtin\.features=/d' \
        `# sasl.oauthbearer.* (OIDC) are unsupported in that build (libcurl), and` \
        `# ssl.ca.certificate.stores on any non-Windows build; the shim accepts them.` \
        -e '/^set G sasl\.oauthbearer\.(method|client\.id|client\.secret|scope|extensions|token\.endpoint\.url)=/d' \
        -e '/^set G ssl\.ca\.certificate\.stores=/d' \
        `# log_cb, socket_cb, open_cb: librdkafka defaults them to its printer and` \
        `# CLOEXEC helpers; the shim never prints and opens no sockets (unset).` \
        -e '/^(get|set) G (log_cb|socket_cb|open_cb)[ =]/d' \
        -e '/^dump G (log_cb|socket_cb|open_cb)=/d' \
        `# bootstrap.servers is a store URI: a broker list (a ':' or ',') is` \
        `# CONF_INVALID in the shim.` \
        -e '/^set G (metadata\.broker\.list|bootstrap\.servers)=[^ ]*[:,]/d' \
        -e '/^set G (metadata\.broker\.list|bootstrap\.servers)=broker ,topic/d' \
        `# plugin.library.paths: librdkafka dlopen()s the value; the shim loads no` \
        `# plugins.` \
        -e '/^set G plugin\.library\.paths=./d' \
        `# ut_handle_ProduceResponse, a hidden unit-test hook: librdkafka keeps a` \
        `# pointer to the caller's string; the shim keeps nothing.` \
        -e '/^set G ut_handle_ProduceResponse=./d' \
        "$1"
}
feat_rk=$(sed -n 's/^dump G builtin\.features=//p' "$tmp/out.rk")
feat_shim=$(sed -n 's/^dump G builtin\.features=//p' "$tmp/out.shim")
[ "$feat_shim" = "$feat_rk,http,oidc" ] ||
    { echo "builtin.features: shim \"$feat_shim\", librdkafka \"$feat_rk\" (+http,oidc)"; exit 1; }
deliberate "$tmp/out.rk" > "$tmp/cmp.rk"
deliberate "$tmp/out.shim" > "$tmp/cmp.shim"
if ! diff -u "$tmp/cmp.rk" "$tmp/cmp.shim" > "$tmp/diff"; then
    echo "test_shim_conf: the shim differs from librdkafka ($(grep -c '^[-+][^-+]' "$tmp/diff") lines):"
    head -n 80 "$tmp/diff"
    exit 1
fi
echo "test_shim_conf: $(wc -l < "$tmp/cmp.rk") lines identical ($(wc -l < "$tmp/cases") set cases," \
     "$(grep -c '^part ' "$tmp/cmp.rk") partitioner results)"
