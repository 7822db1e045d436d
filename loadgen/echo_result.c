/* The load generator's result as JSON and back: the agent's "loaded"
 * line (echo_load.h). Reading takes what is there; the controller checks
 * the figures as a peer's data before it uses them (echo_remote.c). */
#include "echo_load.h"

json_t *echo_result_json(const struct echo_client_result *r)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:i}", "round_trips",
                     (json_int_t)r->round_trips, "bytes_verified", (json_int_t)r->bytes_verified,
                     "warm_up_trips", (json_int_t)r->warm_up_trips, "min_per_conn",
                     (json_int_t)r->min_per_conn, "max_per_conn", (json_int_t)r->max_per_conn,
                     "p50_us", r->p50_us, "p90_us", r->p90_us, "p99_us", r->p99_us, "p999_us",
                     r->p999_us, "max_us", r->max_us, "mean_us", r->mean_us, "connected",
                     (int)r->connected);
}

static uint64_t u64_of(const json_t *j, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(j, key));
    return v > 0 ? (uint64_t)v : 0;
}

void echo_result_from_json(const json_t *j, struct echo_client_result *r)
{
    r->round_trips = u64_of(j, "round_trips");
    r->bytes_verified = u64_of(j, "bytes_verified");
    r->warm_up_trips = u64_of(j, "warm_up_trips");
    r->min_per_conn = u64_of(j, "min_per_conn");
    r->max_per_conn = u64_of(j, "max_per_conn");
    r->p50_us = json_number_value(json_object_get(j, "p50_us"));
    r->p90_us = json_number_value(json_object_get(j, "p90_us"));
    r->p99_us = json_number_value(json_object_get(j, "p99_us"));
    r->p999_us = json_number_value(json_object_get(j, "p999_us"));
    r->max_us = json_number_value(json_object_get(j, "max_us"));
    r->mean_us = json_number_value(json_object_get(j, "mean_us"));
    r->connected = (unsigned)u64_of(j, "connected");
}
