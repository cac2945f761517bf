/*
 * yaml_pod: a test-only bridge from Kubernetes manifests (YAML, multi-document,
 * or JSON admission requests) to the JSON text json_k8s_decode_pod() reads, so
 * the confinement tests can run on the real examples of the corpus. Uses
 * libyaml and cJSON (allowed in tests, never in core's public headers).
 */
#ifndef ARMORTOP_TESTS_UNIT_YAML_POD_H
#define ARMORTOP_TESTS_UNIT_YAML_POD_H

#include <stddef.h>

/* Every pod in the file at path, as owned JSON strings in *docs (owned array):
 * kind Pod as is; Deployment, DaemonSet, StatefulSet, ReplicaSet and Job through
 * spec.template, CronJob through spec.jobTemplate.spec.template (the pod takes
 * the workload's name); an AdmissionRequest (or AdmissionReview) through
 * (request.)object. A missing metadata.namespace becomes "default", as kubectl
 * does. Other documents are skipped. Returns 0, or -1 when the file cannot be
 * read or parsed. Free with yaml_pods_free(). */
int yaml_pods_load(const char *path, char ***docs, size_t *count);
void yaml_pods_free(char **docs, size_t count);

#endif
