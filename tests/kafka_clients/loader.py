"""loader.py -- a data loader written only against confluent_kafka, as a
team migrating from Kafka has it; run unchanged on Lakestream through
`lakestream kafka-run` (tests/test_kafka_clients.sh) and, where the same
steps make sense, on librdkafka's mock cluster.

    python3 loader.py BOOTSTRAP produce TOPIC N           # values m000000..
    python3 loader.py BOOTSTRAP consume TOPIC GROUP K OUT # K messages, commit, close
    python3 loader.py BOOTSTRAP drain TOPIC GROUP OUT     # the rest until 3 s idle
    python3 loader.py BOOTSTRAP admin TOPIC PARTITIONS
    python3 loader.py BOOTSTRAP eos IN OUT GROUP LOG [KILL_AFTER]

Each prints what it did as one line of JSON; failures exit non-zero with
the reason on stderr.
"""
import json
import os
import signal
import sys

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic


def fail(msg):
    sys.stderr.write("loader.py: %s\n" % msg)
    sys.exit(1)


def produce(bootstrap, topic, n):
    reports = []

    def dr(err, msg):
        reports.append((err, msg.partition(), msg.offset(), msg.value()))

    p = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                     "enable.idempotence": False})
    for i in range(n):
        while True:
            try:
                p.produce(topic, value=b"m%06d" % i, on_delivery=dr)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(30)
    if left:
        fail("%d messages not delivered" % left)
    errs = [r for r in reports if r[0] is not None]
    if len(reports) != n or errs:
        fail("delivery reports: %d of %d, errors %s" % (len(reports), n, errs[:3]))
    print(json.dumps({"delivered": len(reports),
                      "partitions": sorted({r[1] for r in reports}),
                      "offsets_distinct": len({(r[1], r[2]) for r in reports}),
                      "offset_min": min(r[2] for r in reports)}))


def consumer(bootstrap, group, extra=None):
    conf = {"bootstrap.servers": bootstrap, "group.id": group,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    conf.update(extra or {})
    return ck.Consumer(conf)


def consume(bootstrap, topic, group, k, out):
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    got = []
    idle = 0
    while len(got) < k and idle < 30:
        # poll() for the first half, consume(num_messages) for the rest
        if len(got) < k // 2:
            ms = [c.poll(1.0)]
        else:
            ms = c.consume(num_messages=min(7, k - len(got)), timeout=1.0)
        ms = [m for m in ms if m is not None]
        idle = 0 if ms else idle + 1
        for m in ms:
            if m.error():
                if m.error().code() != ck.KafkaError._PARTITION_EOF:
                    fail("consume: %s" % m.error())
                continue
            got.append(m)
    if len(got) < k:
        fail("consumed %d of %d" % (len(got), k))
    res = c.commit(asynchronous=False)
    if not res or any(tp.error for tp in res):
        fail("commit: %s" % res)
    c.close()
    with open(out, "w") as f:
        for m in got:
            f.write(m.value().decode() + "\n")
    print(json.dumps({"consumed": len(got), "committed": [(tp.partition, tp.offset) for tp in res]}))


def drain(bootstrap, topic, group, out):
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    got = []
    idle = 0.0
    # Done after 3 s without a message; before the first one, allow 20 s
    # (a broker's group join takes seconds, the mock cluster's too).
    while idle < (3.0 if got else 20.0):
        m = c.poll(0.5)
        if m is None:
            idle += 0.5
            continue
        if m.error():
            if m.error().code() != ck.KafkaError._PARTITION_EOF:
                fail("drain: %s" % m.error())
            continue
        idle = 0.0
        got.append(m.value().decode())
    c.close()
    with open(out, "w") as f:
        for v in got:
            f.write(v + "\n")
    print(json.dumps({"drained": len(got)}))


def admin(bootstrap, topic, partitions):
    a = AdminClient({"bootstrap.servers": bootstrap})
    fs = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    for t, f in fs.items():
        f.result(timeout=10)  # raises on failure
    again = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    try:
        again[topic].result(timeout=10)
        fail("creating %s twice succeeded" % topic)
    except ck.KafkaException as e:
        code = e.args[0].code()
        if code != ck.KafkaError.TOPIC_ALREADY_EXISTS:
            fail("second create: %s" % e)
    md = a.list_topics(timeout=10)
    if topic not in md.topics:
        fail("list_topics lacks %s: %s" % (topic, list(md.topics)))
    print(json.dumps({"created": topic, "topics": sorted(md.topics),
                      "partitions": len(md.topics[topic].partitions)}))


def eos(bootstrap, tin, tout, group, log, kill_after):
    """Consume-transform-produce in transactions: each input m is produced
    to tout as m.upper(), its offset sent with the transaction.  With
    KILL_AFTER, SIGKILL self after that many transactions, between the
    produce and the commit of the next one."""
    c = consumer(bootstrap, group, {"isolation.level": "read_committed"})
    p = ck.Producer({"bootstrap.servers": bootstrap,
                     "transactional.id": "loader-eos-" + group})
    p.init_transactions(10)
    c.subscribe([tin])
    txns = 0
    idle = 0
    done = 0
    while idle < 6:
        ms = [m for m in c.consume(num_messages=10, timeout=0.5) if m is not None]
        ms = [m for m in ms if not m.error()]
        if not ms:
            idle += 1
            continue
        idle = 0
        p.begin_transaction()
        for m in ms:
            p.produce(tout, value=m.value().upper())
        if kill_after and txns == kill_after:
            p.flush(0)
            os.kill(os.getpid(), signal.SIGKILL)
        p.send_offsets_to_transaction(c.position(c.assignment()),
                                      c.consumer_group_metadata(), 10)
        p.commit_transaction(10)
        txns += 1
        done += len(ms)
        with open(log, "a") as f:
            f.write("%d\n" % len(ms))
    c.close()
    print(json.dumps({"transactions": txns, "inputs": done}))


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    bootstrap, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == "produce":
        produce(bootstrap, args[0], int(args[1]))
    elif cmd == "consume":
        consume(bootstrap, args[0], args[1], int(args[2]), args[3])
    elif cmd == "drain":
        drain(bootstrap, args[0], args[1], args[2])
    elif cmd == "admin":
        admin(bootstrap, args[0], int(args[1]))
    elif cmd == "eos":
        eos(bootstrap, args[0], args[1], args[2], args[3], int(args[4]) if len(args) > 4 else 0)
    else:
        fail("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
