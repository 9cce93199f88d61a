/*
 * conf_props.c -- the property table of liblakestream-rdkafka: every property
 * librdkafka 2.0.2 knows (src/rdkafka_conf.c, in its order, with its scope
 * and importance bits, types, ranges, defaults and descriptions, verbatim:
 * they are the ABI that rd_kafka_conf_get/dump/properties_show expose), then
 * the shim's own lakestream.* properties.  Each row also says whether the
 * shim honours the property and what it does with it, or why it has no
 * effect over an object store; docs/kafka-shim-properties.md is this table.
 * conf.c parses and validates against it.
 */
#include <string.h>

#include "lakestream_limits.h"
#include "shim_int.h"

#define GL    SHIM_PS_GLOBAL
#define PR    SHIM_PS_PRODUCER
#define CO    SHIM_PS_CONSUMER
#define TO    SHIM_PS_TOPIC
#define DEPR  SHIM_PS_DEPRECATED
#define HIDE  SHIM_PS_HIDDEN
#define HIGH  SHIM_PS_HIGH
#define MED   SHIM_PS_MED
#define EXPER SHIM_PS_EXPERIMENTAL
#define SENS  SHIM_PS_SENSITIVE
#define LS    SHIM_PS_LAKESTREAM
#define PT(t) SHIM_PT_##t
#define HONOURED .honoured = 1
#define IGNORED  .honoured = 0

/* Why most properties have no effect: one reason per kind. */
#define N_CB      "stored (rd_kafka_conf_get, dump, dup) but never called: "
#define N_NET     "no brokers or sockets: the store is reached through the core's backend " \
                  "(posix or S3)"
#define N_META    "no cluster metadata: a topic is a table of the store, opened on first use"
#define N_SEC     "no TLS or SASL in the shim: S3 is reached over the core's HTTPS client " \
                  "with lakestream.s3.* credentials (docs/s3.md)"
#define N_LOG     "no librdkafka logging: the shim logs a few lines (log_cb, log queue) and " \
                  "has no debug contexts"
#define N_GRP     "no group coordinator: a member's partition is its rank (lakestream.rank " \
                  "/ RANK)"
#define N_FETCH   "no broker fetches: the core's consumer reads and prefetches whole steps"
#define N_BATCH   "no produce requests: samples go into the store's commits (linger.ms, DAC)"
#define N_RETRY   "no produce requests to retry: the core retries store calls and never " \
                  "commits a sample twice"
#define N_LEGACY  "no longer used by librdkafka either"

/* String-to-int maps (librdkafka's s2i[]), with librdkafka's values. */
static const shim_s2i s2i_features[] = {
    {0x1, "gzip"}, {0x2, "snappy"}, {0x4, "ssl"}, {0x8, "sasl"}, {0x10, "regex"},
    {0x20, "lz4"}, {0x40, "sasl_gssapi"}, {0x80, "sasl_plain"}, {0x100, "sasl_scram"},
    {0x200, "plugins"}, {0x400, "zstd"}, {0x800, "sasl_oauthbearer"}, {0x1000, "http"},
    {0x2000, "oidc"}, {0, NULL}};
static const shim_s2i s2i_debug[] = {
    {0x1, "generic"}, {0x2, "broker"}, {0x4, "topic"}, {0x8, "metadata"},
    {0x10, "feature"}, {0x20, "queue"}, {0x40, "msg"}, {0x80, "protocol"},
    {0x100, "cgrp"}, {0x200, "security"}, {0x400, "fetch"}, {0x800, "interceptor"},
    {0x1000, "plugin"}, {0x2000, "consumer"}, {0x4000, "admin"}, {0x8000, "eos"},
    {0x10000, "mock"}, {0x20000, "assignor"}, {0x40000, "conf"}, {0xfffff, "all"},
    {0, NULL}};
static const shim_s2i s2i_family[] = {{0, "any"}, {2, "v4"}, {10, "v6"}, {0, NULL}};
static const shim_s2i s2i_protocol[] = {
    {0, "plaintext"}, {1, "ssl"}, {2, "sasl_plaintext"}, {3, "sasl_ssl"}, {0, NULL}};
static const shim_s2i s2i_endpoint_id[] = {{0, "none"}, {1, "https"}, {0, NULL}};
static const shim_s2i s2i_oauthbearer_method[] = {{0, "default"}, {1, "oidc"}, {0, NULL}};
static const shim_s2i s2i_offset_method[] = {
    {0, "none"}, {1, "file"}, {2, "broker"}, {0, NULL}};
static const shim_s2i s2i_offset_method_topic[] = {{1, "file"}, {2, "broker"}, {0, NULL}};
static const shim_s2i s2i_isolation[] = {
    {0, "read_uncommitted"}, {1, "read_committed"}, {0, NULL}};
static const shim_s2i s2i_codec[] = {
    {0, "none"}, {1, "gzip"}, {2, "snappy"}, {3, "lz4"}, {4, "zstd"}, {0, NULL}};
static const shim_s2i s2i_codec_topic[] = {
    {0, "none"}, {1, "gzip"}, {2, "snappy"}, {3, "lz4"}, {4, "zstd"}, {5, "inherit"},
    {0, NULL}};
static const shim_s2i s2i_acks[] = {{-1, "all"}, {0, NULL}};
static const shim_s2i s2i_queuing[] = {{0, "fifo"}, {1, "lifo"}, {0, NULL}};
static const shim_s2i s2i_offset_reset[] = {
    {-2, "smallest"}, {-2, "earliest"}, {-2, "beginning"}, {-1, "largest"},
    {-1, "latest"}, {-1, "end"}, {-1001, "error"}, {0, NULL}};

/* librdkafka's validators of string properties: 0 rejects. */

/* rd_kafka_get_legacy_ApiVersions(): 0.6.x and 0.7.x are refused. */
static int valid_broker_version(const char *v)
{
    return strncmp(v, "0.7.", 4) != 0 && strncmp(v, "0.6.", 4) != 0;
}

/* One item, without delimiters (sasl.mechanisms). */
static int valid_single(const char *v)
{
    return !strchr(v, ',') && !strchr(v, ' ');
}

static int valid_partitioner(const char *v)
{
    static const char *const ok[] = {"random", "consistent", "consistent_random",
                                     "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(v, ok[i]))
            return 1;
    return 0;
}

/* The shim's own: a producer id the core accepts. */
static int valid_ls_name(const char *v)
{
    return ls_name_is_valid(v);
}

const shim_prop shim_props[] = {
    {"builtin.features", GL, PT(S2F), .vmin = 0, .vmax = 0x7fffffff, .vdef = 65535,
     .s2i = s2i_features,
     IGNORED, .note = "informational: lists every feature librdkafka 2.0.2 documents, "
      "so a feature check passes; the properties behind them are accepted as this table "
      "says",
     .desc = "Indicates the builtin features for this build of librdkafka. An application "
      "can either query this value or attempt to set it with its list of required features "
      "to check for library support."},
    {"client.id", GL, PT(STR), .sdef = "rdkafka",
     HONOURED, .note = "handle name (rd_kafka_name) and the default producer id "
      "`<client.id>.r<rank>`",
     .desc = "Client identifier."},
    {"client.software.name", GL | HIDE, PT(STR), .sdef = "librdkafka",
     IGNORED, .note = "reported to brokers by librdkafka; there are none",
     .desc = "Client software name as reported to broker version >= v2.4.0. Broker-side "
      "character restrictions apply, as of broker version v2.4.0 the allowed characters "
      "are `a-zA-Z0-9.-`. The local client will replace any other character with `-` and "
      "strip leading and trailing non-alphanumeric characters before tranmission to the "
      "broker. This property should only be set by high-level language librdkafka client "
      "bindings."},
    {"client.software.version", GL | HIDE, PT(STR),
     IGNORED, .note = "reported to brokers by librdkafka; there are none",
     .desc = "Client software version as reported to broker version >= v2.4.0. "
      "Broker-side character restrictions apply, as of broker version v2.4.0 the allowed "
      "characters are `a-zA-Z0-9.-`. The local client will replace any other character "
      "with `-` and strip leading and trailing non-alphanumeric characters before "
      "tranmission to the broker. This property should only be set by high-level language "
      "librdkafka client bindings.If changing this property it is highly recommended to "
      "append the librdkafka version."},
    {"metadata.broker.list", GL | HIGH, PT(STR),
     HONOURED, .note = "the store URI: `file:///path`, a plain path, "
      "`s3://bucket[/prefix]` or `mem://`; a broker list (`host:port`, comma-separated) is "
      "CONF_INVALID; rd_kafka_new fails without it",
     .desc = "Initial list of brokers as a CSV list of broker host or host:port. The "
      "application may also use `rd_kafka_brokers_add()` to add brokers during runtime."},
    {"bootstrap.servers", GL | HIGH, PT(ALIAS), .sdef = "metadata.broker.list",
     .desc = "See metadata.broker.list"},
    {"message.max.bytes", GL | MED, PT(INT), .vmin = 1000, .vmax = 1000000000, .vdef = 1000000,
     IGNORED, .note = N_NET,
     .desc = "Maximum Kafka protocol request message size. Due to differing framing "
      "overhead between protocol versions the producer is unable to reliably enforce a "
      "strict max message limit at produce time and may exceed the maximum size by one "
      "message in protocol ProduceRequests, the broker will enforce the the topic's "
      "`max.message.bytes` limit (see Apache Kafka documentation)."},
    {"message.copy.max.bytes", GL, PT(INT), .vmin = 0, .vmax = 1000000000, .vdef = 65535,
     IGNORED, .note = N_NET,
     .desc = "Maximum size for message to be copied to buffer. Messages larger than this "
      "will be passed by reference (zero-copy) at the expense of larger iovecs."},
    {"receive.message.max.bytes", GL | MED, PT(INT), .vmin = 1000, .vmax = 2147483647,
     .vdef = 100000000,
     IGNORED, .note = N_NET,
     .desc = "Maximum Kafka protocol response message size. This serves as a safety "
      "precaution to avoid memory exhaustion in case of protocol hickups. This value must "
      "be at least `fetch.max.bytes`  + 512 to allow for protocol overhead; the value is "
      "adjusted automatically unless the configuration property is explicitly set."},
    {"max.in.flight.requests.per.connection", GL, PT(INT), .vmin = 1, .vmax = 1000000,
     .vdef = 1000000,
     IGNORED, .note = N_NET,
     .desc = "Maximum number of in-flight requests per broker connection. This is a "
      "generic property applied to all broker communication, however it is primarily "
      "relevant to produce requests. In particular, note that other mechanisms limit the "
      "number of outstanding consumer fetch request per broker to one."},
    {"max.in.flight", GL, PT(ALIAS), .sdef = "max.in.flight.requests.per.connection"},
    {"metadata.request.timeout.ms", GL | DEPR | HIDE, PT(INT), .vmin = 10, .vmax = 900000,
     .vdef = 10,
     IGNORED, .note = N_META,
     .desc = "Not used."},
    {"topic.metadata.refresh.interval.ms", GL, PT(INT), .vmin = -1, .vmax = 3600000,
     .vdef = 300000,
     IGNORED, .note = N_META,
     .desc = "Period of time in milliseconds at which topic and broker metadata is "
      "refreshed in order to proactively discover any new brokers, topics, partitions or "
      "partition leader changes. Use -1 to disable the intervalled refresh (not "
      "recommended). If there are no locally referenced topics (no topic objects created, "
      "no messages produced, no subscription or no assignment) then only the broker list "
      "will be refreshed every interval but no more often than every 10s."},
    {"metadata.max.age.ms", GL, PT(INT), .vmin = 1, .vmax = 86400000, .vdef = 900000,
     IGNORED, .note = N_META,
     .desc = "Metadata cache max age. Defaults to topic.metadata.refresh.interval.ms * 3"},
    {"topic.metadata.refresh.fast.interval.ms", GL, PT(INT), .vmin = 1, .vmax = 60000,
     .vdef = 250,
     IGNORED, .note = N_META,
     .desc = "When a topic loses its leader a new metadata request will be enqueued with "
      "this initial interval, exponentially increasing until the topic metadata has been "
      "refreshed. This is used to recover quickly from transitioning leader brokers."},
    {"topic.metadata.refresh.fast.cnt", GL | DEPR, PT(INT), .vmin = 0, .vmax = 1000, .vdef = 10,
     IGNORED, .note = N_META,
     .desc = "No longer used."},
    {"topic.metadata.refresh.sparse", GL, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_META,
     .desc = "Sparse metadata requests (consumes less network bandwidth)"},
    {"topic.metadata.propagation.max.ms", GL, PT(INT), .vmin = 0, .vmax = 3600000,
     .vdef = 30000,
     IGNORED, .note = N_META,
     .desc = "Apache Kafka topic creation is asynchronous and it takes some time for a "
      "new topic to propagate throughout the cluster to all brokers. If a client requests "
      "topic metadata after manual topic creation but before the topic has been fully "
      "propagated to the broker the client is requesting metadata from, the topic will "
      "seem to be non-existent and the client will mark the topic as such, failing queued "
      "produced messages with `ERR__UNKNOWN_TOPIC`. This setting delays marking a topic as "
      "non-existent until the configured propagation max time has passed. The maximum "
      "propagation time is calculated from the time the topic is first referenced in the "
      "client, e.g., on produce()."},
    {"topic.blacklist", GL, PT(PATLIST),
     IGNORED, .note = N_META,
     .desc = "Topic blacklist, a comma-separated list of regular expressions for matching "
      "topic names that should be ignored in broker metadata information as if the topics "
      "did not exist."},
    {"debug", GL | MED, PT(S2F), .vmin = 0, .vmax = 0, .vdef = 0, .s2i = s2i_debug,
     IGNORED, .note = N_LOG,
     .desc = "A comma-separated list of debug contexts to enable. Detailed Producer "
      "debugging: broker,topic,msg. Consumer: consumer,cgrp,topic,fetch"},
    {"socket.timeout.ms", GL, PT(INT), .vmin = 10, .vmax = 300000, .vdef = 60000,
     HONOURED, .note = "the default timeout of admin operations (AdminOptions without a "
      "request timeout)",
     .desc = "Default timeout for network requests. Producer: ProduceRequests will use "
      "the lesser value of `socket.timeout.ms` and remaining `message.timeout.ms` for the "
      "first message in the batch. Consumer: FetchRequests will use `fetch.wait.max.ms` + "
      "`socket.timeout.ms`. Admin: Admin requests will use `socket.timeout.ms` or "
      "explicitly set `rd_kafka_AdminOptions_set_operation_timeout()` value."},
    {"socket.blocking.max.ms", GL | DEPR, PT(INT), .vmin = 1, .vmax = 60000, .vdef = 1000,
     IGNORED, .note = N_NET,
     .desc = "No longer used."},
    {"socket.send.buffer.bytes", GL, PT(INT), .vmin = 0, .vmax = 100000000, .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Broker socket send buffer size. System default is used if 0."},
    {"socket.receive.buffer.bytes", GL, PT(INT), .vmin = 0, .vmax = 100000000, .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Broker socket receive buffer size. System default is used if 0."},
    {"socket.keepalive.enable", GL, PT(BOOL), .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Enable TCP keep-alives (SO_KEEPALIVE) on broker sockets"},
    {"socket.nagle.disable", GL, PT(BOOL), .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Disable the Nagle algorithm (TCP_NODELAY) on broker sockets."},
    {"socket.max.fails", GL, PT(INT), .vmin = 0, .vmax = 1000000, .vdef = 1,
     IGNORED, .note = N_NET,
     .desc = "Disconnect from broker when this number of send failures (e.g., timed out "
      "requests) is reached. Disable with 0. WARNING: It is highly recommended to leave "
      "this setting at its default value of 1 to avoid the client and broker to become "
      "desynchronized in case of request timeouts. NOTE: The connection is automatically "
      "re-established."},
    {"broker.address.ttl", GL, PT(INT), .vmin = 0, .vmax = 86400000, .vdef = 1000,
     IGNORED, .note = N_NET,
     .desc = "How long to cache the broker address resolving results (milliseconds)."},
    {"broker.address.family", GL, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 0, .s2i = s2i_family,
     IGNORED, .note = N_NET,
     .desc = "Allowed broker IP address families: any, v4, v6"},
    {"socket.connection.setup.timeout.ms", GL | MED, PT(INT), .vmin = 1000, .vmax = 2147483647,
     .vdef = 30000,
     IGNORED, .note = N_NET,
     .desc = "Maximum time allowed for broker connection setup (TCP connection setup as "
      "well SSL and SASL handshake). If the connection to the broker is not fully "
      "functional after this the connection will be closed and retried."},
    {"connections.max.idle.ms", GL | MED, PT(INT), .vmin = 0, .vmax = 2147483647, .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Close broker connections after the specified time of inactivity. Disable "
      "with 0. If this property is left at its default value some heuristics are performed "
      "to determine a suitable default value, this is currently limited to identifying "
      "brokers on Azure (see librdkafka issue #3109 for more info)."},
    {"enable.sparse.connections", GL | MED | HIDE, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_NET,
     .desc = "When enabled the client will only connect to brokers it needs to "
      "communicate with. When disabled the client will maintain connections to all brokers "
      "in the cluster."},
    {"reconnect.backoff.jitter.ms", GL | DEPR, PT(INT), .vmin = 0, .vmax = 3600000, .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "No longer used. See `reconnect.backoff.ms` and `reconnect.backoff.max.ms`."},
    {"reconnect.backoff.ms", GL | MED, PT(INT), .vmin = 0, .vmax = 3600000, .vdef = 100,
     IGNORED, .note = N_NET,
     .desc = "The initial time to wait before reconnecting to a broker after the "
      "connection has been closed. The time is increased exponentially until "
      "`reconnect.backoff.max.ms` is reached. -25% to +50% jitter is applied to each "
      "reconnect backoff. A value of 0 disables the backoff and reconnects immediately."},
    {"reconnect.backoff.max.ms", GL | MED, PT(INT), .vmin = 0, .vmax = 3600000, .vdef = 10000,
     IGNORED, .note = N_NET,
     .desc = "The maximum time to wait before reconnecting to a broker after the "
      "connection has been closed."},
    {"statistics.interval.ms", GL | HIGH, PT(INT), .vmin = 0, .vmax = 86400000, .vdef = 0,
     HONOURED, .note = "stats_cb (or RD_KAFKA_EVENT_STATS) JSON every interval, from "
      "the poll calls; 0: none",
     .desc = "librdkafka statistics emit interval. The application also needs to register "
      "a stats callback using `rd_kafka_conf_set_stats_cb()`. The granularity is 1000ms. A "
      "value of 0 disables statistics."},
    {"enabled_events", GL, PT(INT), .vmin = 0, .vmax = 2147483647, .vdef = 0,
     HONOURED, .note = "rd_kafka_conf_set_events: the events served on the main queue "
      "instead of by callbacks",
     .desc = "See `rd_kafka_conf_set_events()`"},
    {"error_cb", GL, PT(PTR),
     HONOURED, .note = "called once for a fatal error (fencing), from the poll calls",
     .desc = "Error callback (set with rd_kafka_conf_set_error_cb())"},
    {"throttle_cb", GL, PT(PTR),
     IGNORED, .note = N_CB "no broker throttles",
     .desc = "Throttle callback (set with rd_kafka_conf_set_throttle_cb())"},
    {"stats_cb", GL, PT(PTR),
     HONOURED, .note = "the statistics JSON (docs/kafka-shim.md, Errors)",
     .desc = "Statistics callback (set with rd_kafka_conf_set_stats_cb())"},
    {"log_cb", GL, PT(PTR),
     HONOURED, .note = "the shim's log lines (unset: dropped; the library never prints)",
     .desc = "Log callback (set with rd_kafka_conf_set_log_cb())"},
    {"log_level", GL, PT(INT), .vmin = 0, .vmax = 7, .vdef = 6,
     HONOURED, .note = "the shim's log lines above this syslog level are dropped "
      "(rd_kafka_set_log_level changes it)",
     .desc = "Logging level (syslog(3) levels)"},
    {"log.queue", GL, PT(BOOL), .vdef = 0,
     IGNORED, .note = "log lines go to the queue set by rd_kafka_set_log_queue whether "
      "or not this is set",
     .desc = "Disable spontaneous log_cb from internal librdkafka threads, instead "
      "enqueue log messages on queue set with `rd_kafka_set_log_queue()` and serve log "
      "callbacks or events through the standard poll APIs. **NOTE**: Log messages will "
      "linger in a temporary queue until the log queue has been set."},
    {"log.thread.name", GL, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_LOG,
     .desc = "Print internal thread name in log messages (useful for debugging librdkafka "
      "internals)"},
    {"enable.random.seed", GL, PT(BOOL), .vdef = 1,
     IGNORED, .note = "the shim seeds its own random partitioners per thread",
     .desc = "If enabled librdkafka will initialize the PRNG with "
      "srand(current_time.milliseconds) on the first invocation of rd_kafka_new() "
      "(required only if rand_r() is not available on your platform). If disabled the "
      "application must call srand() prior to calling rd_kafka_new()."},
    {"log.connection.close", GL, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_NET,
     .desc = "Log broker disconnects. It might be useful to turn this off when "
      "interacting with 0.9 brokers with an aggressive `connections.max.idle.ms` value."},
    {"background_event_cb", GL, PT(PTR),
     HONOURED, .note = "events of the background queue, on the shim's background thread",
     .desc = "Background queue event callback (set with "
      "rd_kafka_conf_set_background_event_cb())"},
    {"socket_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_NET,
     .desc = "Socket creation callback to provide race-free CLOEXEC"},
    {"connect_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_NET,
     .desc = "Socket connect callback"},
    {"closesocket_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_NET,
     .desc = "Socket close callback"},
    {"open_cb", GL, PT(PTR),
     IGNORED, .note = N_CB "the core opens its own files",
     .desc = "File open callback to provide race-free CLOEXEC"},
    {"resolve_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_NET,
     .desc = "Address resolution callback (set with rd_kafka_conf_set_resolve_cb())."},
    {"opaque", GL, PT(PTR),
     HONOURED, .note = "rd_kafka_opaque() and the opaque of every callback",
     .desc = "Application opaque (set with rd_kafka_conf_set_opaque())"},
    {"default_topic_conf", GL, PT(PTR),
     HONOURED, .note = "its auto.offset.reset applies to every partition of a consumer",
     .desc = "Default topic configuration for automatically subscribed topics"},
    {"internal.termination.signal", GL, PT(INT), .vmin = 0, .vmax = 128, .vdef = 0,
     IGNORED, .note = "no internal threads blocked in system calls to interrupt",
     .desc = "Signal that librdkafka will use to quickly terminate on rd_kafka_destroy(). "
      "If this signal is not set then there will be a delay before "
      "rd_kafka_wait_destroyed() returns true as internal threads are timing out their "
      "system calls. If this signal is set however the delay will be minimal. The "
      "application should mask this signal as an internal signal handler is installed."},
    {"api.version.request", GL | HIGH, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_NET,
     .desc = "Request broker's supported API versions to adjust functionality to "
      "available protocol features. If set to false, or the ApiVersionRequest fails, the "
      "fallback version `broker.version.fallback` will be used. **NOTE**: Depends on "
      "broker version >=0.10.0. If the request is not supported by (an older) broker the "
      "`broker.version.fallback` fallback is used."},
    {"api.version.request.timeout.ms", GL, PT(INT), .vmin = 1, .vmax = 300000, .vdef = 10000,
     IGNORED, .note = N_NET,
     .desc = "Timeout for broker API version requests."},
    {"api.version.fallback.ms", GL | MED, PT(INT), .vmin = 0, .vmax = 604800000, .vdef = 0,
     IGNORED, .note = N_NET,
     .desc = "Dictates how long the `broker.version.fallback` fallback is used in the "
      "case the ApiVersionRequest fails. **NOTE**: The ApiVersionRequest is only issued "
      "when a new connection to the broker is made (such as after an upgrade)."},
    {"broker.version.fallback", GL | MED, PT(STR), .sdef = "0.10.0",
     .validate = valid_broker_version,
     IGNORED, .note = N_NET,
     .desc = "Older broker versions (before 0.10.0) provide no way for a client to query "
      "for supported protocol features (ApiVersionRequest, see `api.version.request`) "
      "making it impossible for the client to know what features it may use. As a "
      "workaround a user may set this property to the expected broker version and the "
      "client will automatically adjust its feature set accordingly if the "
      "ApiVersionRequest fails (or is disabled). The fallback broker version will be used "
      "for `api.version.fallback.ms`. Valid values are: 0.9.0, 0.8.2, 0.8.1, 0.8.0. Any "
      "other value >= 0.10, such as 0.10.2.1, enables ApiVersionRequests."},
    {"allow.auto.create.topics", GL, PT(BOOL), .vdef = 0,
     IGNORED, .note = "a producer always creates a missing table; a consumer waits for "
      "it",
     .desc = "Allow automatic topic creation on the broker when subscribing to or "
      "assigning non-existent topics. The broker must also be configured with "
      "`auto.create.topics.enable=true` for this configuration to take effect. Note: the "
      "default value (true) for the producer is different from the default value (false) "
      "for the consumer. Further, the consumer default value is different from the Java "
      "consumer (true), and this property is not supported by the Java producer. Requires "
      "broker version >= 0.11.0.0, for older broker versions only the broker configuration "
      "applies."},
    {"security.protocol", GL | HIGH, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 0,
     .s2i = s2i_protocol,
     IGNORED, .note = N_SEC,
     .desc = "Protocol used to communicate with brokers."},
    {"ssl.cipher.suites", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "A cipher suite is a named combination of authentication, encryption, MAC "
      "and key exchange algorithm used to negotiate the security settings for a network "
      "connection using TLS or SSL network protocol. See manual page for `ciphers(1)` and "
      "`SSL_CTX_set_cipher_list(3)."},
    {"ssl.curves.list", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "The supported-curves extension in the TLS ClientHello message specifies the "
      "curves (standard/named, or 'explicit' GF(2^k) or GF(p)) the client is willing to "
      "have the server use. See manual page for `SSL_CTX_set1_curves_list(3)`. OpenSSL >= "
      "1.0.2 required."},
    {"ssl.sigalgs.list", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "The client uses the TLS ClientHello signature_algorithms extension to "
      "indicate to the server which signature/hash algorithm pairs may be used in digital "
      "signatures. See manual page for `SSL_CTX_set1_sigalgs_list(3)`. OpenSSL >= 1.0.2 "
      "required."},
    {"ssl.key.location", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to client's private key (PEM) used for authentication."},
    {"ssl.key.password", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Private key passphrase (for use with `ssl.key.location` and "
      "`set_ssl_cert()`)"},
    {"ssl.key.pem", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Client's private key string (PEM format) used for authentication."},
    {"ssl_key", GL | SENS, PT(INTERNAL),
     IGNORED, .note = N_SEC,
     .desc = "Client's private key as set by rd_kafka_conf_set_ssl_cert()"},
    {"ssl.certificate.location", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to client's public key (PEM) used for authentication."},
    {"ssl.certificate.pem", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Client's public key string (PEM format) used for authentication."},
    {"ssl_certificate", GL, PT(INTERNAL),
     IGNORED, .note = N_SEC,
     .desc = "Client's public key as set by rd_kafka_conf_set_ssl_cert()"},
    {"ssl.ca.location", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "File or directory path to CA certificate(s) for verifying the broker's key. "
      "Defaults: On Windows the system's CA certificates are automatically looked up in "
      "the Windows Root certificate store. On Mac OSX this configuration defaults to "
      "`probe`. It is recommended to install openssl using Homebrew, to provide CA "
      "certificates. On Linux install the distribution's ca-certificates package. If "
      "OpenSSL is statically linked or `ssl.ca.location` is set to `probe` a list of "
      "standard paths will be probed and the first one found will be used as the default "
      "CA certificate location path. If OpenSSL is dynamically linked the OpenSSL "
      "library's default path will be used (see `OPENSSLDIR` in `openssl version -a`)."},
    {"ssl.ca.pem", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "CA certificate string (PEM format) for verifying the broker's key."},
    {"ssl_ca", GL, PT(INTERNAL),
     IGNORED, .note = N_SEC,
     .desc = "CA certificate as set by rd_kafka_conf_set_ssl_cert()"},
    {"ssl.ca.certificate.stores", GL, PT(STR), .sdef = "Root",
     IGNORED, .note = N_SEC,
     .desc = "Comma-separated list of Windows Certificate stores to load CA certificates "
      "from. Certificates will be loaded in the same order as stores are specified. If no "
      "certificates can be loaded from any of the specified stores an error is logged and "
      "the OpenSSL library's default CA location is used instead. Store names are "
      "typically one or more of: MY, Root, Trust, CA."},
    {"ssl.crl.location", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to CRL for verifying broker's certificate validity."},
    {"ssl.keystore.location", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to client's keystore (PKCS#12) used for authentication."},
    {"ssl.keystore.password", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Client's keystore (PKCS#12) password."},
    {"ssl.providers", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Comma-separated list of OpenSSL 3.0.x implementation providers. E.g., "
      "\"default,legacy\"."},
    {"ssl.engine.location", GL | DEPR, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to OpenSSL engine library. OpenSSL >= 1.1.x required. DEPRECATED: "
      "OpenSSL engine support is deprecated and should be replaced by OpenSSL 3 providers."},
    {"ssl.engine.id", GL, PT(STR), .sdef = "dynamic",
     IGNORED, .note = N_SEC,
     .desc = "OpenSSL engine id is the name used for loading engine."},
    {"ssl_engine_callback_data", GL, PT(PTR),
     IGNORED, .note = N_CB N_SEC,
     .desc = "OpenSSL engine callback data (set with "
      "rd_kafka_conf_set_engine_callback_data())."},
    {"enable.ssl.certificate.verification", GL, PT(BOOL), .vdef = 1,
     IGNORED, .note = N_SEC,
     .desc = "Enable OpenSSL's builtin broker (server) certificate verification. This "
      "verification can be extended by the application by implementing a "
      "certificate_verify_cb."},
    {"ssl.endpoint.identification.algorithm", GL, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 1,
     .s2i = s2i_endpoint_id,
     IGNORED, .note = N_SEC,
     .desc = "Endpoint identification algorithm to validate broker hostname using broker "
      "certificate. https - Server (broker) hostname verification as specified in RFC2818. "
      "none - No endpoint verification. OpenSSL >= 1.0.2 required."},
    {"ssl.certificate.verify_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_SEC,
     .desc = "Callback to verify the broker certificate chain."},
    {"ssl.truststore.location", GL, PT(INVALID),
     IGNORED, .note = "rejected (CONF_INVALID) with librdkafka's explanation, as "
      "librdkafka does",
     .desc = "Java TrustStores are not supported, use `ssl.ca.location` and a certificate "
      "file instead. See "
      "https://github.com/edenhill/librdkafka/wiki/Using-SSL-with-librdkafka for more "
      "information."},
    {"sasl.jaas.config", GL, PT(INVALID),
     IGNORED, .note = "rejected (CONF_INVALID) with librdkafka's explanation, as "
      "librdkafka does",
     .desc = "Java JAAS configuration is not supported, see "
      "https://github.com/edenhill/librdkafka/wiki/Using-SASL-with-librdkafka for more "
      "information."},
    {"sasl.mechanisms", GL | HIGH, PT(STR), .sdef = "GSSAPI", .validate = valid_single,
     IGNORED, .note = N_SEC,
     .desc = "SASL mechanism to use for authentication. Supported: GSSAPI, PLAIN, "
      "SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER. **NOTE**: Despite the name only one "
      "mechanism must be configured."},
    {"sasl.mechanism", GL | HIGH, PT(ALIAS), .sdef = "sasl.mechanisms"},
    {"sasl.kerberos.service.name", GL, PT(STR), .sdef = "kafka",
     IGNORED, .note = N_SEC,
     .desc = "Kerberos principal name that Kafka runs as, not including /hostname@REALM"},
    {"sasl.kerberos.principal", GL, PT(STR), .sdef = "kafkaclient",
     IGNORED, .note = N_SEC,
     .desc = "This client's Kerberos principal name. (Not supported on Windows, will use "
      "the logon user's principal)."},
    {"sasl.kerberos.kinit.cmd", GL, PT(STR),
     .sdef = "kinit -R -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal} || kinit -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal}",
     IGNORED, .note = N_SEC,
     .desc = "Shell command to refresh or acquire the client's Kerberos ticket. This "
      "command is executed on client creation and every "
      "sasl.kerberos.min.time.before.relogin (0=disable). %{config.prop.name} is replaced "
      "by corresponding config object value."},
    {"sasl.kerberos.keytab", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Path to Kerberos keytab file. This configuration property is only used as a "
      "variable in `sasl.kerberos.kinit.cmd` as ` ... -t \"%{sasl.kerberos.keytab}\"`."},
    {"sasl.kerberos.min.time.before.relogin", GL, PT(INT), .vmin = 0, .vmax = 86400000,
     .vdef = 60000,
     IGNORED, .note = N_SEC,
     .desc = "Minimum time in milliseconds between key refresh attempts. Disable "
      "automatic key refresh by setting this property to 0."},
    {"sasl.username", GL | HIGH | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "SASL username for use with the PLAIN and SASL-SCRAM-.. mechanisms"},
    {"sasl.password", GL | HIGH | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "SASL password for use with the PLAIN and SASL-SCRAM-.. mechanism"},
    {"sasl.oauthbearer.config", GL | SENS, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "SASL/OAUTHBEARER configuration. The format is implementation-dependent and "
      "must be parsed accordingly. The default unsecured token implementation (see "
      "https://tools.ietf.org/html/rfc7515#appendix-A.5) recognizes space-separated "
      "name=value pairs with valid names including principalClaimName, principal, "
      "scopeClaimName, scope, and lifeSeconds. The default value for principalClaimName is "
      "\"sub\", the default value for scopeClaimName is \"scope\", and the default value "
      "for lifeSeconds is 3600. The scope value is CSV format with the default value being "
      "no/empty scope. For example: `principalClaimName=azp principal=admin "
      "scopeClaimName=roles scope=role1,role2 lifeSeconds=600`. In addition, SASL "
      "extensions can be communicated to the broker via `extension_NAME=value`. For "
      "example: `principal=admin extension_traceId=123`"},
    {"enable.sasl.oauthbearer.unsecure.jwt", GL, PT(BOOL), .vdef = 0,
     IGNORED, .note = N_SEC,
     .desc = "Enable the builtin unsecure JWT OAUTHBEARER token handler if no "
      "oauthbearer_refresh_cb has been set. This builtin handler should only be used for "
      "development or testing, and not in production."},
    {"oauthbearer_token_refresh_cb", GL, PT(PTR),
     IGNORED, .note = N_CB N_SEC,
     .desc = "SASL/OAUTHBEARER token refresh callback (set with "
      "rd_kafka_conf_set_oauthbearer_token_refresh_cb(), triggered by rd_kafka_poll(), "
      "et.al. This callback will be triggered when it is time to refresh the client's "
      "OAUTHBEARER token. Also see `rd_kafka_conf_enable_sasl_queue()`."},
    {"enable_sasl_queue", GL | HIDE, PT(BOOL), .vdef = 0,
     IGNORED, .note = N_SEC,
     .desc = "Enable the SASL callback queue (set with rd_kafka_conf_enable_sasl_queue())."},
    {"sasl.oauthbearer.method", GL, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 0,
     .s2i = s2i_oauthbearer_method,
     IGNORED, .note = N_SEC,
     .desc = "Set to \"default\" or \"oidc\" to control which login method to be used. If "
      "set to \"oidc\", the following properties must also be be specified: "
      "`sasl.oauthbearer.client.id`, `sasl.oauthbearer.client.secret`, and "
      "`sasl.oauthbearer.token.endpoint.url`."},
    {"sasl.oauthbearer.client.id", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Public identifier for the application. Must be unique across all clients "
      "that the authorization server handles. Only used when `sasl.oauthbearer.method` is "
      "set to \"oidc\"."},
    {"sasl.oauthbearer.client.secret", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Client secret only known to the application and the authorization server. "
      "This should be a sufficiently random string that is not guessable. Only used when "
      "`sasl.oauthbearer.method` is set to \"oidc\"."},
    {"sasl.oauthbearer.scope", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Client use this to specify the scope of the access request to the broker. "
      "Only used when `sasl.oauthbearer.method` is set to \"oidc\"."},
    {"sasl.oauthbearer.extensions", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "Allow additional information to be provided to the broker. Comma-separated "
      "list of key=value pairs. E.g., "
      "\"supportFeatureX=true,organizationId=sales-emea\".Only used when "
      "`sasl.oauthbearer.method` is set to \"oidc\"."},
    {"sasl.oauthbearer.token.endpoint.url", GL, PT(STR),
     IGNORED, .note = N_SEC,
     .desc = "OAuth/OIDC issuer token endpoint HTTP(S) URI used to retrieve token. Only "
      "used when `sasl.oauthbearer.method` is set to \"oidc\"."},
    {"plugin.library.paths", GL, PT(STR),
     IGNORED, .note = "no plugins are loaded",
     .desc = "List of plugin libraries to load (; separated). The library search path is "
      "platform dependent (see dlopen(3) for Unix and LoadLibrary() for Windows). If no "
      "filename extension is specified the platform-specific extension (such as .dll or "
      ".so) will be appended automatically."},
    {"interceptors", GL, PT(INTERNAL),
     IGNORED, .note = "on_conf_set, on_conf_dup and on_conf_destroy are called as "
      "librdkafka calls them; on_new and the handle interceptors are stored, not called",
     .desc = "Interceptors added through rd_kafka_conf_interceptor_add_..() and any "
      "configuration handled by interceptors."},
    {"test.mock.num.brokers", GL | HIDE, PT(INT), .vmin = 0, .vmax = 10000, .vdef = 0,
     IGNORED, .note = "no mock cluster: bootstrap.servers is still the store (use "
      "mem:// in tests)",
     .desc = "Number of mock brokers to create. This will automatically overwrite "
      "`bootstrap.servers` with the mock broker list."},
    {"test.mock.broker.rtt", GL | HIDE, PT(INT), .vmin = 0, .vmax = 3600000, .vdef = 0,
     IGNORED, .note = "no mock cluster",
     .desc = "Simulated mock broker latency in milliseconds."},
    {"ut_handle_ProduceResponse", GL | HIDE, PT(PTR),
     IGNORED, .note = "librdkafka unit-test hook",
     .desc = "ProduceResponse handler: rd_kafka_resp_err_t (*cb) (rd_kafka_t *rk, int32_t "
      "brokerid, uint64_t msgid, rd_kafka_resp_err_t err)"},
    {"group.id", GL | HIGH | CO, PT(STR),
     HONOURED, .note = "names the group's table checkpoints; needed by "
      "rd_kafka_subscribe and commits",
     .desc = "Client group id string. All clients sharing the same group.id belong to the "
      "same group."},
    {"group.instance.id", GL | MED | CO, PT(STR),
     HONOURED, .note = "carried in rd_kafka_consumer_group_metadata(); no static "
      "membership (no coordinator)",
     .desc = "Enable static group membership. Static group members are able to leave and "
      "rejoin a group within the configured `session.timeout.ms` without prompting a group "
      "rebalance. This should be used in combination with a larger `session.timeout.ms` to "
      "avoid group rebalances caused by transient unavailability (e.g. process restarts). "
      "Requires broker version >= 2.3.0."},
    {"partition.assignment.strategy", GL | MED | CO, PT(STR), .sdef = "range,roundrobin",
     IGNORED, .note = N_GRP,
     .desc = "The name of one or more partition assignment strategies. The elected group "
      "leader will use a strategy supported by all members of the group to assign "
      "partitions to group members. If there is more than one eligible strategy, "
      "preference is determined by the order of this list (strategies earlier in the list "
      "have higher priority). Cooperative and non-cooperative (eager) strategies must not "
      "be mixed. Available strategies: range, roundrobin, cooperative-sticky."},
    {"session.timeout.ms", GL | HIGH | CO, PT(INT), .vmin = 1, .vmax = 3600000, .vdef = 45000,
     IGNORED, .note = N_GRP,
     .desc = "Client group session and failure detection timeout. The consumer sends "
      "periodic heartbeats (heartbeat.interval.ms) to indicate its liveness to the broker. "
      "If no hearts are received by the broker for a group member within the session "
      "timeout, the broker will remove the consumer from the group and trigger a "
      "rebalance. The allowed range is configured with the **broker** configuration "
      "properties `group.min.session.timeout.ms` and `group.max.session.timeout.ms`. Also "
      "see `max.poll.interval.ms`."},
    {"heartbeat.interval.ms", GL | CO, PT(INT), .vmin = 1, .vmax = 3600000, .vdef = 3000,
     IGNORED, .note = N_GRP,
     .desc = "Group session keepalive heartbeat interval."},
    {"group.protocol.type", GL | CO, PT(KSTR), .sdef = "consumer",
     IGNORED, .note = N_GRP,
     .desc = "Group protocol type. NOTE: Currently, the only supported group protocol "
      "type is `consumer`."},
    {"coordinator.query.interval.ms", GL | CO, PT(INT), .vmin = 1, .vmax = 3600000,
     .vdef = 600000,
     IGNORED, .note = N_GRP,
     .desc = "How often to query for the current client group coordinator. If the "
      "currently assigned coordinator is down the configured query interval will be "
      "divided by ten to more quickly recover in case of coordinator reassignment."},
    {"max.poll.interval.ms", GL | CO | HIGH, PT(INT), .vmin = 1, .vmax = 86400000,
     .vdef = 300000,
     IGNORED, .note = N_GRP "; a slow member holds no one up",
     .desc = "Maximum allowed time between calls to consume messages (e.g., "
      "rd_kafka_consumer_poll()) for high-level consumers. If this interval is exceeded "
      "the consumer is considered failed and the group will rebalance in order to reassign "
      "the partitions to another consumer group member. Warning: Offset commits may be not "
      "possible at this point. Note: It is recommended to set "
      "`enable.auto.offset.store=false` for long-time processing applications and then "
      "explicitly store offsets (using offsets_store()) *after* message processing, to "
      "make sure offsets are not auto-committed prior to processing has finished. The "
      "interval is checked two times per second. See KIP-62 for more information."},
    {"enable.auto.commit", GL | CO | HIGH, PT(BOOL), .vdef = 1,
     HONOURED, .note = "commit the stored offsets every auto.commit.interval.ms and at "
      "revoke",
     .desc = "Automatically and periodically commit offsets in the background. Note: "
      "setting this to false does not prevent the consumer from fetching previously "
      "committed start offsets. To circumvent this behaviour set specific start offsets "
      "per partition in the call to assign()."},
    {"auto.commit.interval.ms", GL | CO | MED, PT(INT), .vmin = 0, .vmax = 86400000,
     .vdef = 5000,
     HONOURED, .note = "period of the automatic commits; 0: none (revoke still commits)",
     .desc = "The frequency in milliseconds that the consumer offsets are committed "
      "(written) to offset storage. (0 = disable). This setting is used by the high-level "
      "consumer."},
    {"enable.auto.offset.store", GL | CO | HIGH, PT(BOOL), .vdef = 1,
     HONOURED, .note = "store the offset after each message returned",
     .desc = "Automatically store offset of last message provided to application. The "
      "offset store is an in-memory store of the next offset to (auto-)commit for each "
      "partition."},
    {"queued.min.messages", GL | CO | MED, PT(INT), .vmin = 1, .vmax = 10000000, .vdef = 100000,
     IGNORED, .note = N_FETCH,
     .desc = "Minimum number of messages per topic+partition librdkafka tries to maintain "
      "in the local consumer queue."},
    {"queued.max.messages.kbytes", GL | CO | MED, PT(INT), .vmin = 1, .vmax = 2097151,
     .vdef = 65536,
     IGNORED, .note = N_FETCH,
     .desc = "Maximum number of kilobytes of queued pre-fetched messages in the local "
      "consumer queue. If using the high-level consumer this setting applies to the single "
      "consumer queue, regardless of the number of partitions. When using the legacy "
      "simple consumer or when separate partition queues are used this setting applies per "
      "partition. This value may be overshot by fetch.message.max.bytes. This property has "
      "higher priority than queued.min.messages."},
    {"fetch.wait.max.ms", GL | CO, PT(INT), .vmin = 0, .vmax = 300000, .vdef = 500,
     IGNORED, .note = N_FETCH,
     .desc = "Maximum time the broker may wait to fill the Fetch response with "
      "fetch.min.bytes of messages."},
    {"fetch.message.max.bytes", GL | CO | MED, PT(INT), .vmin = 1, .vmax = 1000000000,
     .vdef = 1048576,
     IGNORED, .note = N_FETCH,
     .desc = "Initial maximum number of bytes per topic+partition to request when "
      "fetching messages from the broker. If the client encounters a message larger than "
      "this value it will gradually try to increase it until the entire message can be "
      "fetched."},
    {"max.partition.fetch.bytes", GL | CO | MED, PT(ALIAS), .sdef = "fetch.message.max.bytes"},
    {"fetch.max.bytes", GL | CO | MED, PT(INT), .vmin = 0, .vmax = 2147483135, .vdef = 52428800,
     IGNORED, .note = N_FETCH,
     .desc = "Maximum amount of data the broker shall return for a Fetch request. "
      "Messages are fetched in batches by the consumer and if the first message batch in "
      "the first non-empty partition of the Fetch request is larger than this value, then "
      "the message batch will still be returned to ensure the consumer can make progress. "
      "The maximum message batch size accepted by the broker is defined via "
      "`message.max.bytes` (broker config) or `max.message.bytes` (broker topic config). "
      "`fetch.max.bytes` is automatically adjusted upwards to be at least "
      "`message.max.bytes` (consumer config)."},
    {"fetch.min.bytes", GL | CO, PT(INT), .vmin = 1, .vmax = 100000000, .vdef = 1,
     IGNORED, .note = N_FETCH,
     .desc = "Minimum number of bytes the broker responds with. If fetch.wait.max.ms "
      "expires the accumulated data will be sent to the client regardless of this setting."},
    {"fetch.error.backoff.ms", GL | CO | MED, PT(INT), .vmin = 0, .vmax = 300000, .vdef = 500,
     IGNORED, .note = N_FETCH,
     .desc = "How long to postpone the next fetch request for a topic+partition in case "
      "of a fetch error."},
    {"offset.store.method", GL | CO | DEPR, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 2,
     .s2i = s2i_offset_method,
     IGNORED, .note = "offsets are always committed to the store (table checkpoints)",
     .desc = "Offset commit store method: 'file' - DEPRECATED: local file store "
      "(offset.store.path, et.al), 'broker' - broker commit store (requires Apache Kafka "
      "0.8.2 or later on the broker)."},
    {"isolation.level", GL | CO | HIGH, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 1,
     .s2i = s2i_isolation,
     IGNORED, .note = "only committed steps are ever visible (always read_committed)",
     .desc = "Controls how to read messages written transactionally: `read_committed` - "
      "only return transactional messages which have been committed. `read_uncommitted` - "
      "return all messages, even transactional messages which have been aborted."},
    {"consume_cb", GL | CO, PT(PTR),
     IGNORED, .note = N_CB "rd_kafka_consumer_poll returns messages",
     .desc = "Message consume callback (set with rd_kafka_conf_set_consume_cb())"},
    {"rebalance_cb", GL | CO, PT(PTR),
     HONOURED, .note = "called at subscribe (assign) and unsubscribe/close (revoke)",
     .desc = "Called after consumer group has been rebalanced (set with "
      "rd_kafka_conf_set_rebalance_cb())"},
    {"offset_commit_cb", GL | CO, PT(PTR),
     HONOURED, .note = "the result of every commit, from the poll calls",
     .desc = "Offset commit result propagation callback. (set with "
      "rd_kafka_conf_set_offset_commit_cb())"},
    {"enable.partition.eof", GL | CO, PT(BOOL), .vdef = 0,
     HONOURED, .note = "_PARTITION_EOF once per arrival at the visible end of a "
      "partition",
     .desc = "Emit RD_KAFKA_RESP_ERR__PARTITION_EOF event whenever the consumer reaches "
      "the end of a partition."},
    {"check.crcs", GL | CO | MED, PT(BOOL), .vdef = 0,
     IGNORED, .note = "the core verifies every chunk's checksum whatever this says",
     .desc = "Verify CRC32 of consumed messages, ensuring no on-the-wire or on-disk "
      "corruption to the messages occurred. This check comes at slightly increased CPU "
      "usage."},
    {"client.rack", GL, PT(KSTR), .sdef = "",
     IGNORED, .note = N_NET,
     .desc = "A rack identifier for this client. This can be any string value which "
      "indicates where this client is physically located. It corresponds with the broker "
      "config `broker.rack`."},
    {"transactional.id", GL | PR | HIGH, PT(STR),
     HONOURED, .note = "producer id (fencing across restarts); makes the producer "
      "transactional",
     .desc = "Enables the transactional producer. The transactional.id is used to "
      "identify the same transactional producer instance across process restarts. It "
      "allows the producer to guarantee that transactions corresponding to earlier "
      "instances of the same producer have been finalized prior to starting any new "
      "transactions, and that any zombie instances are fenced off. If no transactional.id "
      "is provided, then the producer is limited to idempotent delivery (if "
      "enable.idempotence is set). Requires broker version >= 0.11.0."},
    {"transaction.timeout.ms", GL | PR | MED, PT(INT), .vmin = 1000, .vmax = 2147483647,
     .vdef = 60000,
     IGNORED, .note = "no transaction coordinator: a transaction lasts until commit or "
      "abort",
     .desc = "The maximum amount of time in milliseconds that the transaction coordinator "
      "will wait for a transaction status update from the producer before proactively "
      "aborting the ongoing transaction. If this value is larger than the "
      "`transaction.max.timeout.ms` setting in the broker, the init_transactions() call "
      "will fail with ERR_INVALID_TRANSACTION_TIMEOUT. The transaction timeout "
      "automatically adjusts `message.timeout.ms` and `socket.timeout.ms`, unless "
      "explicitly configured in which case they must not exceed the transaction timeout "
      "(`socket.timeout.ms` must be at least 100ms lower than `transaction.timeout.ms`). "
      "This is also the default timeout value if no timeout (-1) is supplied to the "
      "transactional API methods."},
    {"enable.idempotence", GL | PR | HIGH, PT(BOOL), .vdef = 0,
     HONOURED, .note = "accepted; the shim is always idempotent (false does not turn "
      "that off)",
     .desc = "When set to `true`, the producer will ensure that messages are successfully "
      "produced exactly once and in the original produce order. The following "
      "configuration properties are adjusted automatically (if not modified by the user) "
      "when idempotence is enabled: `max.in.flight.requests.per.connection=5` (must be "
      "less than or equal to 5), `retries=INT32_MAX` (must be greater than 0), `acks=all`, "
      "`queuing.strategy=fifo`. Producer instantation will fail if user-supplied "
      "configuration is incompatible."},
    {"enable.gapless.guarantee", GL | PR | EXPER, PT(BOOL), .vdef = 0,
     IGNORED, .note = "a failed commit fails all its messages: there are never gaps",
     .desc = "When set to `true`, any error that could result in a gap in the produced "
      "message series when a batch of messages fails, will raise a fatal error "
      "(ERR__GAPLESS_GUARANTEE) and stop the producer. Messages failing due to "
      "`message.timeout.ms` are not covered by this guarantee. Requires "
      "`enable.idempotence=true`."},
    {"queue.buffering.max.messages", GL | PR | HIGH, PT(INT), .vmin = 0, .vmax = 2147483647,
     .vdef = 100000,
     HONOURED, .note = "messages produced and not yet reported; one more is _QUEUE_FULL "
      "(0 is a limit of 0 in the shim, not librdkafka's \"no limit\")",
     .desc = "Maximum number of messages allowed on the producer queue. This queue is "
      "shared by all topics and partitions. A value of 0 disables this limit."},
    {"queue.buffering.max.kbytes", GL | PR | HIGH, PT(INT), .vmin = 1, .vmax = 2147483647,
     .vdef = 1048576,
     HONOURED, .note = "the same limit in KiB of values",
     .desc = "Maximum total message size sum allowed on the producer queue. This queue is "
      "shared by all topics and partitions. This property has higher priority than "
      "queue.buffering.max.messages."},
    {"queue.buffering.max.ms", GL | PR | HIGH, PT(DBL), .dmin = 0, .dmax = 900000, .ddef = 5,
     HONOURED, .note = "set: the group-commit interval (core policy fixed, "
      "producer.commit.interval.ms; whole milliseconds); unset: the core's DAC policy (the "
      "default of 5 is reported, not applied)",
     .desc = "Delay in milliseconds to wait for messages in the producer queue to "
      "accumulate before constructing message batches (MessageSets) to transmit to "
      "brokers. A higher value allows larger and more effective (less overhead, improved "
      "compression) batches of messages to accumulate at the expense of increased message "
      "delivery latency."},
    {"linger.ms", GL | PR | HIGH, PT(ALIAS), .sdef = "queue.buffering.max.ms"},
    {"message.send.max.retries", GL | PR | HIGH, PT(INT), .vmin = 0, .vmax = 2147483647,
     .vdef = 2147483647,
     IGNORED, .note = N_RETRY,
     .desc = "How many times to retry sending a failing Message. **Note:** retrying may "
      "cause reordering unless `enable.idempotence` is set to true."},
    {"retries", GL | PR, PT(ALIAS), .sdef = "message.send.max.retries"},
    {"retry.backoff.ms", GL | PR | MED, PT(INT), .vmin = 1, .vmax = 300000, .vdef = 100,
     IGNORED, .note = N_RETRY,
     .desc = "The backoff time in milliseconds before retrying a protocol request."},
    {"queue.buffering.backpressure.threshold", GL | PR, PT(INT), .vmin = 1, .vmax = 1000000,
     .vdef = 1,
     IGNORED, .note = N_BATCH,
     .desc = "The threshold of outstanding not yet transmitted broker requests needed to "
      "backpressure the producer's message accumulator. If the number of not yet "
      "transmitted requests equals or exceeds this number, produce request creation that "
      "would have otherwise been triggered (for example, in accordance with linger.ms) "
      "will be delayed. A lower number yields larger and more effective batches. A higher "
      "value can improve latency when using compression on slow machines."},
    {"compression.codec", GL | PR | MED, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 0,
     .s2i = s2i_codec,
     HONOURED, .note = "`zstd`: tables this handle creates use zstd; the other codecs "
      "mean none",
     .desc = "compression codec to use for compressing message sets. This is the default "
      "value for all topics, may be overridden by the topic configuration property "
      "`compression.codec`. "},
    {"compression.type", GL | PR | MED, PT(ALIAS), .sdef = "compression.codec"},
    {"batch.num.messages", GL | PR | MED, PT(INT), .vmin = 1, .vmax = 1000000, .vdef = 10000,
     IGNORED, .note = N_BATCH,
     .desc = "Maximum number of messages batched in one MessageSet. The total MessageSet "
      "size is also limited by batch.size and message.max.bytes."},
    {"batch.size", GL | PR | MED, PT(INT), .vmin = 1, .vmax = 2147483647, .vdef = 1000000,
     IGNORED, .note = N_BATCH,
     .desc = "Maximum size (in bytes) of all messages batched in one MessageSet, "
      "including protocol framing overhead. This limit is applied after the first message "
      "has been added to the batch, regardless of the first message's size, this is to "
      "ensure that messages that exceed batch.size are produced. The total MessageSet size "
      "is also limited by batch.num.messages and message.max.bytes."},
    {"delivery.report.only.error", GL | PR, PT(BOOL), .vdef = 0,
     IGNORED, .note = "every message gets its report",
     .desc = "Only provide delivery reports for failed messages."},
    {"dr_cb", GL | PR, PT(PTR),
     IGNORED, .note = N_CB "reports go to dr_msg_cb (set rd_kafka_conf_set_dr_msg_cb)",
     .desc = "Delivery report callback (set with rd_kafka_conf_set_dr_cb())"},
    {"dr_msg_cb", GL | PR, PT(PTR),
     HONOURED, .note = "delivery reports, from the poll calls, once the commit holding "
      "the message is in the log",
     .desc = "Delivery report callback (set with rd_kafka_conf_set_dr_msg_cb())"},
    {"sticky.partitioning.linger.ms", GL | PR, PT(INT), .vmin = 0, .vmax = 900000, .vdef = 10,
     IGNORED, .note = "the partition is the rank, not chosen by a partitioner",
     .desc = "Delay in milliseconds to wait to assign new sticky partitions for each "
      "topic. By default, set to double the time of linger.ms. To disable sticky behavior, "
      "set to 0. This behavior affects messages with the key NULL in all cases, and "
      "messages with key lengths of zero when the consistent_random partitioner is in use. "
      "These messages would otherwise be assigned randomly. A higher value allows for more "
      "effective batching of these messages."},
    {"request.required.acks", TO | PR | HIGH, PT(INT), .vmin = -1, .vmax = 1000, .vdef = -1,
     .s2i = s2i_acks,
     IGNORED, .note = "a report means the commit is in the log (like acks=all)",
     .desc = "This field indicates the number of acknowledgements the leader broker must "
      "receive from ISR brokers before responding to the request: *0*=Broker does not send "
      "any response/ack to client, *-1* or *all*=Broker will block until message is "
      "committed by all in sync replicas (ISRs). If there are less than "
      "`min.insync.replicas` (broker configuration) in the ISR set the produce request "
      "will fail."},
    {"acks", TO | PR | HIGH, PT(ALIAS), .sdef = "request.required.acks"},
    {"request.timeout.ms", TO | PR | MED, PT(INT), .vmin = 1, .vmax = 900000, .vdef = 30000,
     IGNORED, .note = N_NET,
     .desc = "The ack timeout of the producer request in milliseconds. This value is only "
      "enforced by the broker and relies on `request.required.acks` being != 0."},
    {"message.timeout.ms", TO | PR | HIGH, PT(INT), .vmin = 0, .vmax = 2147483647,
     .vdef = 300000,
     IGNORED, .note = "messages do not time out: a report comes when the commit "
      "holding them is in the log or fails",
     .desc = "Local message timeout. This value is only enforced locally and limits the "
      "time a produced message waits for successful delivery. A time of 0 is infinite. "
      "This is the maximum time librdkafka may use to deliver a message (including "
      "retries). Delivery error occurs when either the retry count or the message timeout "
      "are exceeded. The message timeout is automatically adjusted to "
      "`transaction.timeout.ms` if `transactional.id` is configured."},
    {"delivery.timeout.ms", TO | PR | HIGH, PT(ALIAS), .sdef = "message.timeout.ms"},
    {"queuing.strategy", TO | PR | DEPR | EXPER, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 0,
     .s2i = s2i_queuing,
     IGNORED, .note = "messages are committed in produce order",
     .desc = "Producer queuing strategy. FIFO preserves produce ordering, while LIFO "
      "prioritizes new messages."},
    {"produce.offset.report", TO | PR | DEPR, PT(BOOL), .vdef = 0,
     IGNORED, .note = N_LEGACY,
     .desc = "No longer used."},
    {"partitioner", TO | PR | HIGH, PT(STR), .sdef = "consistent_random",
     .validate = valid_partitioner,
     IGNORED, .note = "the partition is the rank, set by the sample's place in the "
      "global order",
     .desc = "Partitioner: `random` - random distribution, `consistent` - CRC32 hash of "
      "key (Empty and NULL keys are mapped to single partition), `consistent_random` - "
      "CRC32 hash of key (Empty and NULL keys are randomly partitioned), `murmur2` - Java "
      "Producer compatible Murmur2 hash of key (NULL keys are mapped to single partition), "
      "`murmur2_random` - Java Producer compatible Murmur2 hash of key (NULL keys are "
      "randomly partitioned. This is functionally equivalent to the default partitioner in "
      "the Java Producer.), `fnv1a` - FNV-1a hash of key (NULL keys are mapped to single "
      "partition), `fnv1a_random` - FNV-1a hash of key (NULL keys are randomly "
      "partitioned)."},
    {"partitioner_cb", TO | PR, PT(PTR),
     IGNORED, .note = N_CB "the partition is the rank",
     .desc = "Custom partitioner callback (set with "
      "rd_kafka_topic_conf_set_partitioner_cb())"},
    {"msg_order_cmp", TO | PR | DEPR | EXPER, PT(PTR),
     IGNORED, .note = N_CB "messages are committed in produce order",
     .desc = "Message queue ordering comparator (set with "
      "rd_kafka_topic_conf_set_msg_order_cmp()). Also see `queuing.strategy`."},
    {"opaque", TO, PT(PTR),
     HONOURED, .note = "rd_kafka_topic_opaque()",
     .desc = "Application opaque (set with rd_kafka_topic_conf_set_opaque())"},
    {"compression.codec", TO | PR | HIGH, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 5,
     .s2i = s2i_codec_topic,
     IGNORED, .note = "the handle's (global) compression.codec decides a new table's "
      "codec",
     .desc = "Compression codec to use for compressing message sets. inherit = inherit "
      "global compression.codec configuration."},
    {"compression.type", TO | PR | HIGH, PT(ALIAS), .sdef = "compression.codec"},
    {"compression.level", TO | PR | MED, PT(INT), .vmin = -1, .vmax = 12, .vdef = -1,
     IGNORED, .note = "zstd tables use the core's level",
     .desc = "Compression level parameter for algorithm selected by configuration "
      "property `compression.codec`. Higher values will result in better compression at "
      "the cost of more CPU usage. Usable range is algorithm-dependent: [0-9] for gzip; "
      "[0-12] for lz4; only 0 for snappy; -1 = codec-dependent default compression level."},
    {"auto.commit.enable", TO | CO | DEPR, PT(BOOL), .vdef = 1,
     IGNORED, .note = "legacy simple consumer only: the global enable.auto.commit "
      "applies",
     .desc = "[**LEGACY PROPERTY:** This property is used by the simple legacy consumer "
      "only. When using the high-level KafkaConsumer, the global `enable.auto.commit` "
      "property must be used instead]. If true, periodically commit offset of the last "
      "message handed to the application. This committed offset will be used when the "
      "process restarts to pick up where it left off. If false, the application will have "
      "to call `rd_kafka_offset_store()` to store an offset (optional). Offsets will be "
      "written to broker or local file according to offset.store.method."},
    {"enable.auto.commit", TO | CO, PT(ALIAS), .sdef = "auto.commit.enable"},
    {"auto.commit.interval.ms", TO | CO | HIGH, PT(INT), .vmin = 10, .vmax = 86400000,
     .vdef = 60000,
     IGNORED, .note = "legacy simple consumer only: the global auto.commit.interval.ms "
      "applies",
     .desc = "[**LEGACY PROPERTY:** This setting is used by the simple legacy consumer "
      "only. When using the high-level KafkaConsumer, the global `auto.commit.interval.ms` "
      "property must be used instead]. The frequency in milliseconds that the consumer "
      "offsets are committed (written) to offset storage."},
    {"auto.offset.reset", TO | CO | HIGH, PT(S2I), .vmin = 0, .vmax = 0, .vdef = -1,
     .s2i = s2i_offset_reset,
     HONOURED, .note = "where a partition without a committed offset starts (from the "
      "default topic conf)",
     .desc = "Action to take when there is no initial offset in offset store or the "
      "desired offset is out of range: 'smallest','earliest' - automatically reset the "
      "offset to the smallest offset, 'largest','latest' - automatically reset the offset "
      "to the largest offset, 'error' - trigger an error (ERR__AUTO_OFFSET_RESET) which is "
      "retrieved by consuming messages and checking 'message->err'."},
    {"offset.store.path", TO | CO | DEPR, PT(STR), .sdef = ".",
     IGNORED, .note = "offsets are always committed to the store (table checkpoints)",
     .desc = "Path to local file for storing offsets. If the path is a directory a "
      "filename will be automatically generated in that directory based on the topic and "
      "partition. File-based offset storage will be removed in a future version."},
    {"offset.store.sync.interval.ms", TO | CO | DEPR, PT(INT), .vmin = -1, .vmax = 86400000,
     .vdef = -1,
     IGNORED, .note = "offsets are always committed to the store (table checkpoints)",
     .desc = "fsync() interval for the offset file, in milliseconds. Use -1 to disable "
      "syncing, and 0 for immediate sync after each write. File-based offset storage will "
      "be removed in a future version."},
    {"offset.store.method", TO | CO | DEPR, PT(S2I), .vmin = 0, .vmax = 0, .vdef = 2,
     .s2i = s2i_offset_method_topic,
     IGNORED, .note = "offsets are always committed to the store (table checkpoints)",
     .desc = "Offset commit store method: 'file' - DEPRECATED: local file store "
      "(offset.store.path, et.al), 'broker' - broker commit store (requires \"group.id\" "
      "to be configured and Apache Kafka 0.8.2 or later on the broker.)."},
    {"consume.callback.max.messages", TO | CO, PT(INT), .vmin = 0, .vmax = 1000000, .vdef = 0,
     IGNORED, .note = "legacy consume callbacks are not served by the shim",
     .desc = "Maximum number of messages to dispatch in one "
      "`rd_kafka_consume_callback*()` call (0 = unlimited)"},

    /* The shim's own properties (lakestream.<core property> is passed to the
     * core: conf.c); no librdkafka name starts with "lakestream.". */
    {"lakestream.global.batch.size", GL | LS, PT(INT), .vmin = 1,
     .vmax = (int)LS_GLOBAL_BATCH_MAX, .sdef = "1",
     HONOURED, .note = "B, the global batch of the tables this handle creates",
     .desc = "Global batch (samples per step) of tables created on first use."},
    {"lakestream.rank", GL | LS, PT(INT), .vmin = 0, .vmax = (int)LS_WORLD_SIZE_MAX - 1,
     HONOURED, .note = "the handle's rank: a consumer's partition, a producer's default id",
     .desc = "Data-parallel rank of this client (unset: RANK from the environment, else 0)."},
    {"lakestream.world.size", GL | LS, PT(INT), .vmin = 1, .vmax = (int)LS_WORLD_SIZE_MAX,
     HONOURED, .note = "W, the number of partitions (ranks) of every topic",
     .desc = "Data-parallel world size (unset: WORLD_SIZE from the environment, else 1)."},
    {"lakestream.producer.id", GL | LS, PT(STR), .validate = valid_ls_name,
     HONOURED, .note = "explicit producer id (fencing); wins over transactional.id",
     .desc = "Producer id, 1..128 of [A-Za-z0-9._-] (unset: transactional.id, else "
      "<client.id>.r<rank>)."},
    {NULL, 0, PT(INVALID), .desc = NULL}};
