// The system librdkafka (Debian's librdkafka-dev), found through pkg-config as rdkafka, with its mock
// cluster (rdkafka_mock.h), for SluiceKafka.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// RD_KAFKA_PARTITION_UA is a cast, which Swift cannot import as a constant.
static inline int32_t crdkafka_unassigned_partition(void) { return RD_KAFKA_PARTITION_UA; }

// rd_kafka_producev is variadic, which Swift cannot call: one message for a topic handle, with an
// optional key (NULL), copied by librdkafka, whose delivery report carries `opaque`.
static inline rd_kafka_resp_err_t crdkafka_produce(
    rd_kafka_t *producer, rd_kafka_topic_t *topic, const void *key, size_t key_length, const void *payload,
    size_t length, void *opaque) {
    return rd_kafka_producev(
        producer, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_length),
        RD_KAFKA_V_VALUE((void *)payload, length), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

// The same, to one partition chosen by the caller (tests and benchmarks that lay data out by partition).
static inline rd_kafka_resp_err_t crdkafka_produce_to(
    rd_kafka_t *producer, rd_kafka_topic_t *topic, int32_t partition, const void *payload, size_t length,
    void *opaque) {
    return rd_kafka_producev(
        producer, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)payload, length), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}
