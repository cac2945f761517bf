/*
 * fuzz_agent_json: armortop-agent answers as core decodes them
 * (json_agent.c: /v1/status, /v1/profiles, /v1/containers, /v1/denials, and
 * the agent pods of a PodList). An agent is a separate process on another
 * node, possibly compromised or answering garbage. Invariant: a failed decode
 * returns nothing. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../core/json_agent.h"
#include "../../core/kerr.h"
#include "../../core/model.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_agent_json)
{
    const char *body = (const char *)data;
    struct kerr err;
    kerr_clear(&err);

    struct agent_node node;
    memset(&node, 0, sizeof node);
    int64_t uptime = 0;
    (void)json_agent_decode_status(body, size, &node, &uptime, &err);
    agent_node_done(&node);

    struct agent_node_profile *profiles = NULL;
    size_t count = 0;
    int64_t revision = 0;
    int rc = json_agent_decode_profiles(body, size, &profiles, &count, &revision, &err);
    if (rc != 0 && (profiles || count))
        FUZZ_FAIL("failed profiles decode returned profiles");
    for (size_t i = 0; i < count; i++) {
        if (!profiles[i].name)
            FUZZ_FAIL("profile without a name");
        agent_node_profile_done(&profiles[i]);
    }
    free(profiles);

    struct agent_node_container *containers = NULL;
    count = 0;
    rc = json_agent_decode_containers(body, size, &containers, &count, &err);
    if (rc != 0 && (containers || count))
        FUZZ_FAIL("failed containers decode returned containers");
    for (size_t i = 0; i < count; i++) {
        if (!containers[i].container_id)
            FUZZ_FAIL("container without an ID");
        agent_node_container_done(&containers[i]);
    }
    free(containers);

    struct json_agent_denials den;
    memset(&den, 0, sizeof den);
    rc = json_agent_decode_denials(body, size, "node-1", &den, &err);
    if (rc != 0 && (den.records || den.count))
        FUZZ_FAIL("failed denials decode returned records");
    json_agent_denials_done(&den);

    struct json_agent_pod *pods = NULL;
    count = 0;
    rc = json_agent_decode_pods(body, size, &pods, &count, &err);
    if (rc != 0 && (pods || count))
        FUZZ_FAIL("failed pods decode returned pods");
    json_agent_pods_free(&pods, count);
    return 0;
}
