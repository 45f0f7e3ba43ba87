"""A seeded generator of realistic Kubernetes manifests for the benchmarks.

`generate(n, seed)` returns `n` JSON-shaped objects of mixed kinds (workloads,
Pods, Services, ConfigMaps, Secrets, Ingresses, ...), about 2 KB of YAML per
document on average, with a share of them breaking the rules in bench/rules
(missing limits, unpinned images, root users, host namespaces, ...). The same
seed always gives the same objects.

    python bench/corpus.py --objects 100 --seed 1 > corpus.yaml
"""

from __future__ import annotations

import argparse
import random
import sys

import yaml

NAMESPACES = ["prod", "prod-eu", "prod-us", "staging", "dev", "default", "team-a", "team-b",
              "kube-system", "monitoring", "ingress-nginx"]
NS_WEIGHTS = [14, 8, 8, 12, 10, 6, 8, 8, 4, 3, 2]

WORDS = ["api", "web", "auth", "billing", "cart", "search", "catalog", "checkout", "gateway", "orders",
         "payments", "users", "inventory", "reports", "notifier", "scheduler", "worker", "cache", "proxy",
         "metrics", "ledger", "profile", "media", "events", "audit"]
TEAMS = ["platform", "storefront", "payments", "data", "identity", "sre", "growth"]
SYSTEMS = ["shop", "backoffice", "observability", "identity", "data-platform"]

REGISTRIES = ["registry.example.com/", "registry.example.com/", "gcr.io/acme/", "ghcr.io/acme/",
              "docker.io/library/", "quay.io/", ""]
IMAGES = ["nginx", "envoy", "redis", "postgres", "python", "node", "golang-app", "java-service",
          "fluent-bit", "busybox", "alpine", "otel-collector", "haproxy", "memcached"]
KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "Service", "ConfigMap",
         "Secret", "Ingress", "ServiceAccount", "HorizontalPodAutoscaler"]
KIND_WEIGHTS = [28, 7, 5, 6, 3, 12, 15, 12, 4, 4, 2, 2]

CPU = ["50m", "100m", "250m", "500m", "1", "2", "4"]
MEMORY = ["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"]
CAPS_ADD = ["NET_BIND_SERVICE", "NET_ADMIN", "SYS_ADMIN", "CHOWN", "SYS_PTRACE"]
PROTOCOLS = ["TCP"] * 12 + ["UDP", "SCTP", "HTTP"]


class _Gen:
    """One generator state: the random stream and the current app context."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.serial = 0

    # ------------------------------------------------------------ helpers
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, seq, weights=None):
        if weights is None:
            return self.r.choice(seq)
        return self.r.choices(seq, weights)[0]

    def name(self) -> str:
        self.serial += 1
        return f"{self.pick(WORDS)}-{self.pick(WORDS)}-{self.serial:05d}"

    def version(self) -> str:
        return f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"

    def hexid(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def metadata(self, name: str, ns: str, app: str) -> dict:
        labels = {
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/part-of": self.pick(SYSTEMS),
            "app.kubernetes.io/version": self.version(),
            "team": self.pick(TEAMS),
        }
        for key in ("app.kubernetes.io/part-of", "team", "app.kubernetes.io/name"):
            if self.chance(0.08):
                del labels[key]
        if self.chance(0.4):
            labels["tier"] = self.pick(["frontend", "backend", "data"])
        meta: dict = {"name": name, "namespace": ns, "labels": labels}
        annotations = {
            "meta.example.com/owner": f"{self.pick(TEAMS)}@example.com",
            "meta.example.com/runbook": f"https://runbooks.example.com/{app}",
        }
        if self.chance(0.5):
            annotations["deployment.kubernetes.io/revision"] = str(self.r.randint(1, 40))
        if self.chance(0.3):
            annotations["prometheus.io/scrape"] = "true"
            annotations["prometheus.io/port"] = str(self.pick([8080, 9090, 9102]))
        meta["annotations"] = annotations
        return meta

    # ---------------------------------------------------------- containers
    def image(self) -> str:
        base = self.pick(REGISTRIES) + self.pick(IMAGES)
        roll = self.r.random()
        if roll < 0.08:
            return base  # no tag
        if roll < 0.16:
            return base + ":latest"
        if roll < 0.26:
            return f"{base}@sha256:{self.hexid(64)}"
        return f"{base}:{self.version()}"

    def resources(self) -> dict:
        # Limits are at least the requests, except for a few broken manifests.
        cpu_i, mem_i = self.r.randint(0, 4), self.r.randint(0, 4)
        res: dict = {}
        if not self.chance(0.1):
            res["requests"] = {"cpu": CPU[cpu_i], "memory": MEMORY[mem_i]}
            if self.chance(0.1):
                del res["requests"]["cpu"]
        if not self.chance(0.12):
            limits = {"cpu": CPU[self.r.randint(cpu_i, 6)], "memory": MEMORY[self.r.randint(mem_i, 6)]}
            if self.chance(0.03):
                limits["memory"] = self.pick(["12Gi", "16Gi", "10000Mi"])
            elif self.chance(0.03):
                limits["memory"] = "32Mi"  # below every request
            if self.chance(0.15):
                del limits["cpu"]
            elif self.chance(0.04):
                limits["cpu"] = "10m"  # below every request
            res["limits"] = limits
        return res

    def probe(self, port: int) -> dict:
        if self.chance(0.7):
            handler = {"httpGet": {"path": self.pick(["/healthz", "/ready", "/livez", "/status"]),
                                   "port": port}}
        elif self.chance(0.5):
            handler = {"tcpSocket": {"port": port}}
        else:
            handler = {"exec": {"command": ["/bin/sh", "-c", "test -f /tmp/healthy"]}}
        handler.update({"initialDelaySeconds": self.pick([0, 5, 10, 15, 30]),
                        "periodSeconds": self.pick([5, 10, 20]),
                        "timeoutSeconds": self.pick([1, 2, 5]),
                        "failureThreshold": self.pick([3, 5])})
        return handler

    def security_context(self) -> dict | None:
        if self.chance(0.15):
            return None
        sc: dict = {"allowPrivilegeEscalation": self.chance(0.1),
                    "readOnlyRootFilesystem": not self.chance(0.3)}
        if not self.chance(0.2):
            sc["runAsNonRoot"] = True
        if self.chance(0.5):
            sc["runAsUser"] = self.pick([1000, 1001, 65534, 10001]) if not self.chance(0.08) else 0
        caps: dict = {}
        if not self.chance(0.25):
            caps["drop"] = ["ALL"]
        if self.chance(0.15):
            caps["add"] = self.r.sample(CAPS_ADD, self.r.randint(1, 2))
        if caps:
            sc["capabilities"] = caps
        if self.chance(0.02):
            sc["privileged"] = True
        return sc

    def container(self, app: str, index: int, init: bool = False) -> dict:
        c: dict = {"name": app if index == 0 and not init else f"{self.pick(WORDS)}-{index}",
                   "image": self.image()}
        if self.chance(0.4):
            c["imagePullPolicy"] = self.pick(["IfNotPresent", "Always", "IfNotPresent"])
        if init:
            c["command"] = ["/bin/sh", "-c", f"until nslookup {self.pick(WORDS)}; do sleep 2; done"]
        elif self.chance(0.3):
            c["args"] = [f"--port={self.pick([8080, 8443, 9090])}",
                         f"--log-level={self.pick(['info', 'debug'])}"]
        ports = []
        if not init and not self.chance(0.25):
            for j in range(self.pick([1, 1, 1, 2])):
                port = self.pick([8080, 8443, 9090, 3000, 5432, 6379]) if not self.chance(0.08) else 80
                ports.append({"name": ["http", "metrics"][j], "containerPort": port + j,
                              "protocol": "TCP"})
            c["ports"] = ports
        env = [{"name": "APP_NAME", "value": app},
               {"name": "LOG_LEVEL", "value": self.pick(["info", "warn", "debug"])}]
        for _ in range(self.r.randint(0, 3)):
            if self.chance(0.3):
                env.append({"name": f"{self.pick(WORDS).upper()}_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": f"{app}-secrets", "key": "password"}}})
            else:
                env.append({"name": f"{self.pick(WORDS).upper()}_URL",
                            "value": f"http://{self.pick(WORDS)}.{self.pick(NAMESPACES)}.svc:8080"})
        c["env"] = env
        c["resources"] = self.resources()
        if ports and not init:
            if not self.chance(0.2):
                c["livenessProbe"] = self.probe(ports[0]["containerPort"])
            if not self.chance(0.15):
                c["readinessProbe"] = self.probe(ports[0]["containerPort"])
        sc = self.security_context()
        if sc is not None:
            c["securityContext"] = sc
        c["volumeMounts"] = [{"name": "config", "mountPath": "/etc/app", "readOnly": True}]
        if self.chance(0.5):
            c["volumeMounts"].append({"name": "tmp", "mountPath": "/tmp"})
        return c

    def pod_spec(self, app: str, restart: str = "Always") -> dict:
        n = self.pick([1, 1, 1, 2, 2, 3])
        spec: dict = {"containers": [self.container(app, i) for i in range(n)]}
        if self.chance(0.2):
            spec["initContainers"] = [self.container(app, 9, init=True)]
        if restart != "Always":
            spec["restartPolicy"] = restart
        spec["serviceAccountName"] = app
        if self.chance(0.6):
            spec["securityContext"] = {"runAsNonRoot": True, "fsGroup": 2000}
            if self.chance(0.5):
                spec["securityContext"]["runAsUser"] = 1000
        volumes: list = [{"name": "config", "configMap": {"name": f"{app}-config"}},
                         {"name": "tmp", "emptyDir": {}}]
        if self.chance(0.05):
            volumes.append({"name": "host-logs", "hostPath": {"path": "/var/log", "type": "Directory"}})
        spec["volumes"] = volumes
        if self.chance(0.03):
            spec["hostNetwork"] = True
        if self.chance(0.01):
            spec["hostPID"] = True
        if self.chance(0.3):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux",
                                    "node.kubernetes.io/pool": self.pick(["general", "memory", "spot"])}
        if self.chance(0.2):
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": self.pick(TEAMS),
                                    "effect": "NoSchedule"}]
        if self.chance(0.15):
            spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100,
                "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}}},
            }]}}
        return spec

    def template(self, meta: dict, app: str, restart: str = "Always") -> dict:
        labels = {"app.kubernetes.io/name": app}
        if "team" in meta["labels"]:
            labels["team"] = meta["labels"]["team"]
        return {"metadata": {"labels": labels}, "spec": self.pod_spec(app, restart)}

    # --------------------------------------------------------------- kinds
    def object(self) -> dict:
        kind = self.pick(KINDS, KIND_WEIGHTS)
        ns = self.pick(NAMESPACES, NS_WEIGHTS)
        app = self.pick(WORDS)
        name = self.name()
        meta = self.metadata(name, ns, app)
        return getattr(self, "_" + kind)(meta, app)

    def _workload(self, kind: str, meta: dict, app: str, api: str = "apps/v1") -> dict:
        return {"apiVersion": api, "kind": kind, "metadata": meta,
                "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                         "template": self.template(meta, app)}}

    def _Deployment(self, meta: dict, app: str) -> dict:
        obj = self._workload("Deployment", meta, app)
        if not self.chance(0.1):
            obj["spec"]["replicas"] = self.pick([1, 2, 3, 3, 5, 10, 20]) if not self.chance(0.02) else 80
        obj["spec"]["strategy"] = {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
        obj["spec"]["revisionHistoryLimit"] = 5
        return obj

    def _StatefulSet(self, meta: dict, app: str) -> dict:
        obj = self._workload("StatefulSet", meta, app)
        obj["spec"]["replicas"] = self.pick([1, 3, 3, 5])
        obj["spec"]["serviceName"] = app
        obj["spec"]["volumeClaimTemplates"] = [{
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "ssd",
                     "resources": {"requests": {"storage": self.pick(["10Gi", "50Gi", "200Gi"])}}},
        }]
        return obj

    def _DaemonSet(self, meta: dict, app: str) -> dict:
        obj = self._workload("DaemonSet", meta, app)
        obj["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
        return obj

    def _job_spec(self, meta: dict, app: str) -> dict:
        spec: dict = {"template": self.template(meta, app, self.pick(["Never", "OnFailure"]))}
        spec["backoffLimit"] = self.pick([0, 2, 4, 6]) if not self.chance(0.05) else 20
        if not self.chance(0.3):
            spec["ttlSecondsAfterFinished"] = self.pick([300, 3600, 86400])
        if self.chance(0.3):
            spec["activeDeadlineSeconds"] = 3600
        return spec

    def _Job(self, meta: dict, app: str) -> dict:
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": self._job_spec(meta, app)}

    def _CronJob(self, meta: dict, app: str) -> dict:
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
                "spec": {"schedule": f"{self.r.randint(0, 59)} {self.r.randint(0, 23)} * * *",
                         "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3,
                         "jobTemplate": {"spec": self._job_spec(meta, app)}}}

    def _Pod(self, meta: dict, app: str) -> dict:
        meta["labels"].pop("app.kubernetes.io/version", None)
        if self.chance(0.3):
            meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "controller": True,
                                        "name": f"{meta['name']}-{self.hexid(10)}", "uid": self.hexid(32)}]
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": self.pod_spec(app)}
        if self.chance(0.5):
            ip = f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"
            obj["status"] = {"phase": "Running", "podIP": ip,
                             "containerStatuses": [{"name": c["name"], "ready": True, "restartCount": 0,
                                                    "image": c["image"], "state": {"running": {
                                                        "startedAt": "2024-05-01T10:00:00Z"}}}
                                                   for c in obj["spec"]["containers"]]}
        return obj

    def _Service(self, meta: dict, app: str) -> dict:
        stype = self.pick(["ClusterIP"] * 6 + ["NodePort", "LoadBalancer"])
        ports = []
        for j in range(self.pick([1, 1, 2, 3])):
            port = self.pick([80, 443, 8080, 9090]) + j
            if self.chance(0.02):
                port = 70000
            p: dict = {"name": f"port-{j}", "port": port, "targetPort": self.pick([8080, 8443, "http"]),
                       "protocol": self.pick(PROTOCOLS)}
            if stype == "NodePort" and self.chance(0.5):
                p["nodePort"] = self.r.randint(30000, 32767)
            ports.append(p)
        spec: dict = {"type": stype, "selector": {"app.kubernetes.io/name": app}, "ports": ports}
        if stype == "ClusterIP" and self.chance(0.5):
            spec["clusterIP"] = f"10.96.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"
        if self.chance(0.3):
            spec["sessionAffinity"] = "ClientIP"
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}

    def _ConfigMap(self, meta: dict, app: str) -> dict:
        data: dict = {}
        for _ in range(self.r.randint(2, 6)):
            key = self.pick(["app.properties", "log.level", "config.yaml", "features.json", "nginx.conf",
                             "settings.ini", "routes.txt", "LOG_FORMAT", "timeout_seconds"])
            if self.chance(0.02):
                key = "bad key!"
            lines = [f"{self.pick(WORDS)}.{self.pick(WORDS)} = {self.r.randint(0, 10000)}"
                     for _ in range(self.r.randint(1, 24))]
            data[key] = "\n".join(lines) + "\n"
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}

    def _Secret(self, meta: dict, app: str) -> dict:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
                "data": {k: self.hexid(self.r.randint(16, 96)) for k in ("username", "password", "token")}}

    def _Ingress(self, meta: dict, app: str) -> dict:
        host = f"{app}.{self.pick(['example.com', 'shop.example.com', 'internal.example.net'])}"
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
                "spec": {"ingressClassName": "nginx",
                         "tls": [{"hosts": [host], "secretName": f"{app}-tls"}],
                         "rules": [{"host": host, "http": {"paths": [
                             {"path": p, "pathType": "Prefix",
                              "backend": {"service": {"name": app, "port": {"number": 8080}}}}
                             for p in ("/", "/api", "/static")[: self.r.randint(1, 3)]]}}]}}

    def _ServiceAccount(self, meta: dict, app: str) -> dict:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta,
                "automountServiceAccountToken": self.chance(0.3)}

    def _HorizontalPodAutoscaler(self, meta: dict, app: str) -> dict:
        return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
                         "minReplicas": 2, "maxReplicas": self.pick([5, 10, 20]),
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def generate(n: int, seed: int = 0) -> list[dict]:
    """`n` manifests of mixed kinds; the same seed gives the same list."""
    gen = _Gen(seed)
    return [gen.object() for _ in range(n)]


def dump(objects: list[dict]) -> str:
    """The objects as one multi-document YAML stream."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all(objects, Dumper=dumper, sort_keys=False, default_flow_style=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objects", type=int, default=100, help="how many manifests (default 100)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stats", action="store_true", help="print kinds and sizes instead of the YAML")
    args = ap.parse_args(argv)
    objects = generate(args.objects, args.seed)
    text = dump(objects)
    if args.stats:
        kinds: dict[str, int] = {}
        for obj in objects:
            kinds[obj["kind"]] = kinds.get(obj["kind"], 0) + 1
        print(f"{len(objects)} objects, {len(text)} bytes, {len(text) / max(len(objects), 1):.0f} bytes/doc")
        for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<24} {count}")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
