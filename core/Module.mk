# core/libcore.a: explicit object list. Owners add their own lines.
CORE_OBJS += core/xalloc.o core/kerr.o core/strbuf.o core/log.o
CORE_OBJS += core/cluster.o core/actions.o
CORE_OBJS += core/model.o core/json_k8s.o
CORE_OBJS += core/http.o core/kube_client.o
CORE_OBJS += core/kubeconfig.o core/json_exec.o
CORE_OBJS += core/confinement.o core/views.o core/json_views.o core/findings.o
CORE_OBJS += core/cgroup.o core/procscan.o core/aafs.o
CORE_OBJS += core/apparmor.o core/denial.o core/aa_label.o
CORE_OBJS += core/kube_authn.o core/json_authn.o
CORE_OBJS += core/agent_client.o core/json_agent.o core/json_agent_reply.o
CORE_OBJS += core/suggest.o
