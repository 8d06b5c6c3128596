"""The Kubernetes chart (helm/consortium) as the real helm renders it, with its defaults and with
ci/production-values.yaml (existingSecret, Ingress, HPAs): the manifests match the Kubernetes
schemas, every pod is locked down, the migration is a pre-install/pre-upgrade hook Job run as the
tables' owner, the Secret holds what the pods read (or is left to existingSecret), and the
NetworkPolicies allow what each process needs and nothing else. Then the rendered commands run
as the pods would: the migration Job's against a real PostgreSQL, the Deployments' far enough
to load the app. helm comes with `make install` (helm/tools/install_helm.py)."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import ADMIN_URL, APP_ROLE, REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "consortium"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"
BIN = Path(sys.executable).parent
HELM = BIN / "helm"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest bundled.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
EXISTING_SECRET = "consortium-production"
COMPONENT = "app.kubernetes.io/component"
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")

Doc = dict[str, Any]


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), "helm comes with make install (helm/tools/install_helm.py)"
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False)


def render(*args: str) -> list[Doc]:
    result = helm("template", "consortium", str(CHART), *args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def defaults() -> list[Doc]:
    return render()


@pytest.fixture(scope="module")
def production() -> list[Doc]:
    return render("-f", str(PRODUCTION_VALUES))


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    """The documents of `kind`, by their component label."""
    return {d["metadata"]["labels"][COMPONENT]: d for d in docs if d["kind"] == kind}


def workloads(docs: list[Doc]) -> dict[str, Doc]:
    """Every Deployment and Job, by component."""
    return {**of_kind(docs, "Deployment"), **of_kind(docs, "Job")}


def container(workload: Doc) -> Doc:
    (only,) = workload["spec"]["template"]["spec"]["containers"]
    return only


def env_names(workload: Doc) -> set[str]:
    return {e["name"] for e in container(workload)["env"]}


def secret_refs(workload: Doc) -> list[Doc]:
    return [e["valueFrom"]["secretKeyRef"] for e in container(workload)["env"] if "valueFrom" in e]


def hook(doc: Doc) -> tuple[str, int]:
    annotations = doc["metadata"].get("annotations", {})
    return annotations.get("helm.sh/hook", ""), int(annotations.get("helm.sh/hook-weight", 0))


def test_helm_is_the_real_binary_make_install_put_in_the_virtualenv() -> None:
    result = helm("version", "--short")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("v3."), result.stdout


@pytest.mark.parametrize("values", [[], ["-f", str(PRODUCTION_VALUES)]], ids=["defaults", "prod"])
def test_helm_lint_passes_strictly(values: list[str]) -> None:
    result = helm("lint", "--strict", str(CHART), *values)
    assert result.returncode == 0, result.stdout + result.stderr


def schema_leaves(schema: Doc, prefix: str = "") -> list[str]:
    """The dotted keys values.schema.json declares that hold a value, not more keys."""
    paths = []
    for key, sub in schema.get("properties", {}).items():
        paths.extend(
            schema_leaves(sub, f"{prefix}{key}.") if "properties" in sub else [prefix + key]
        )
    return paths


def documented_paths() -> set[str]:
    """The dotted keys of values.yaml with a `# --` comment right above them."""
    documented: set[str] = set()
    stack: list[tuple[int, str]] = []
    commented = False
    for line in (CHART / "values.yaml").read_text().splitlines():
        if re.match(r"\s*# -- ", line):
            commented = True
            continue
        if re.match(r"\s*#", line) or not line.strip():
            continue
        key = re.match(r"(\s*)([A-Za-z]\w*):", line)
        if not key:
            continue
        indent = len(key.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key.group(2)))
        if commented:
            documented.add(".".join(k for _, k in stack))
        commented = False
    return documented


def test_every_value_is_documented_in_values_yaml_and_the_readme() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    documented = documented_paths()
    readme = (CHART / "README.md").read_text()
    for path in schema_leaves(schema):
        if path == "global":
            continue  # Helm's values from a parent chart, declared so the schema admits them
        ancestors = {".".join(path.split(".")[: n + 1]) for n in range(path.count(".") + 1)}
        if not ancestors & documented:
            raise AssertionError(f"{path} has no `# --` comment in values.yaml")
    for path in documented:
        assert f"| `{path}` |" in readme, f"{path} is missing from README.md's values table"


def test_the_values_schema_refuses_a_mistyped_value() -> None:
    result = helm("template", "consortium", str(CHART), "--set", "web.wokers=4")
    assert result.returncode != 0
    assert "wokers" in result.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_matches_the_kubernetes_schemas_strictly(
    version: str, defaults: list[Doc], production: list[Doc]
) -> None:
    for doc in defaults + production:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_deployments_run_the_projects_processes(defaults: list[Doc]) -> None:
    deployments = of_kind(defaults, "Deployment")
    assert set(deployments) == {"web", "worker", "scheduler"}
    web = container(deployments["web"])
    assert web["args"][0] == "gunicorn"
    assert web["args"][-1] == "wsgi:app"
    # As the image's CMD runs it (tests/deploy/test_image.py checks why).
    assert {"--no-control-socket", "--worker-tmp-dir=/dev/shm"} <= set(web["args"])
    assert "--bind=0.0.0.0:8000" in web["args"]
    assert container(deployments["worker"])["args"] == ["flask", "--app", "wsgi", "worker"]
    assert container(deployments["scheduler"])["args"] == ["flask", "--app", "wsgi", "scheduler"]
    scheduler = deployments["scheduler"]["spec"]
    assert scheduler["replicas"] == 1, "two schedulers enqueue every periodic job twice"
    assert scheduler["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("render_name", ["defaults", "production"])
def test_every_pod_is_locked_down(render_name: str, request: pytest.FixtureRequest) -> None:
    docs: list[Doc] = request.getfixturevalue(render_name)
    pods = workloads(docs)
    assert set(pods) == {"web", "worker", "scheduler", "migrate"}
    for name, workload in pods.items():
        spec = workload["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for box in spec["containers"]:
            context = box["securityContext"]
            assert context["runAsNonRoot"] is True and context["runAsUser"] == 10001, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert {"requests", "limits"} <= set(box["resources"]), name
            (tmp,) = [m for m in box["volumeMounts"] if m["mountPath"] == "/tmp"]
            (volume,) = [v for v in spec["volumes"] if v["name"] == tmp["name"]]
            assert "emptyDir" in volume, f"{name}: the root filesystem is read-only"


def test_web_probes_ask_the_app_s_health_routes(defaults: list[Doc], client: FlaskClient) -> None:
    web = container(of_kind(defaults, "Deployment")["web"])
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    (port,) = web["ports"]
    assert port["name"] == "http" and f"--bind=0.0.0.0:{port['containerPort']}" in web["args"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert client.get(web[probe]["httpGet"]["path"]).status_code == 200
    for name in ("worker", "scheduler"):
        assert "livenessProbe" not in container(of_kind(defaults, "Deployment")[name])


def test_the_migration_is_a_hook_job_run_as_the_owner(defaults: list[Doc]) -> None:
    job = of_kind(defaults, "Job")["migrate"]
    phases, weight = hook(job)
    assert phases == "pre-install,pre-upgrade"
    assert container(job)["command"][-1].endswith("exec flask --app wsgi db upgrade")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    refs = {ref["key"]: ref for ref in secret_refs(job)}
    assert (
        refs["MIGRATION_DATABASE_URL"]["name"]
        == of_kind(defaults, "Secret")["config"]["metadata"]["name"]
    )
    assert "optional" not in refs["MIGRATION_DATABASE_URL"]
    # It also gets the runtime role's URL: `db upgrade` grants that role its table access.
    assert "DATABASE_URL" in refs
    # What the Job needs exists before it, even on a first install: hooks of a lower weight.
    secret = of_kind(defaults, "Secret")["config"]
    account = of_kind(defaults, "ServiceAccount")["migrate"]
    policy = of_kind(defaults, "NetworkPolicy")["migrate"]
    for before in (secret, account, policy):
        assert hook(before)[0] == phases and hook(before)[1] < weight, before["kind"]
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
    # Only the Job ever holds the owner's credentials.
    for name, workload in of_kind(defaults, "Deployment").items():
        assert "MIGRATION_DATABASE_URL" not in env_names(workload), name


def test_the_chart_s_secret_holds_every_key_the_pods_read() -> None:
    values = {
        "secrets.secretKey": "k" * 48,
        "secrets.databaseUrl": "postgresql://app@db/consortium",
        "secrets.migrationDatabaseUrl": "postgresql://owner@db/consortium",
        "secrets.redisUrl": "redis://redis:6379/0",
        "secrets.mailUrl": "smtp://relay:587",
    }
    docs = render(
        *[arg for key, value in values.items() for arg in ("--set-string", f"{key}={value}")]
    )
    secret = of_kind(docs, "Secret")["config"]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {
        "SECRET_KEY": "k" * 48,
        "DATABASE_URL": "postgresql://app@db/consortium",
        "MIGRATION_DATABASE_URL": "postgresql://owner@db/consortium",
        "REDIS_URL": "redis://redis:6379/0",
        "MAIL_URL": "smtp://relay:587",
    }
    for name, workload in workloads(docs).items():
        for ref in secret_refs(workload):
            assert ref["name"] == secret["metadata"]["name"], name
            assert ref["key"] in data or ref.get("optional"), f"{name}: {ref['key']}"
        assert (
            "checksum/secret" in workload["spec"]["template"]["metadata"].get("annotations", {})
            or name == "migrate"
        ), f"{name} rolls when the Secret changes"


def test_existing_secret_suppresses_the_chart_s_secret(production: list[Doc]) -> None:
    assert not of_kind(production, "Secret")
    for name, workload in workloads(production).items():
        refs = secret_refs(workload)
        assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= {r["key"] for r in refs}, name
        assert {r["name"] for r in refs} == {EXISTING_SECRET}, name
        annotations = workload["spec"]["template"]["metadata"].get("annotations") or {}
        assert "checksum/secret" not in annotations, name


def rules_by_port(policy: Doc) -> dict[tuple[str, int], list[Doc]]:
    """(protocol, port) → the `to` peers of the egress rules allowing it."""
    out: dict[tuple[str, int], list[Doc]] = {}
    for rule in policy["spec"]["egress"]:
        for port in rule["ports"]:
            out.setdefault((port.get("protocol", "TCP"), port["port"]), []).extend(
                rule.get("to", [{"everywhere": True}])
            )
    return out


def public(peers: list[Doc]) -> bool:
    """Whether the peers are the internet without the private ranges."""
    ipv4 = [p["ipBlock"] for p in peers if p.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"]
    if len(ipv4) != 1:
        return False
    excluded = [ipaddress.ip_network(c) for c in ipv4[0].get("except", [])]
    return all(ipaddress.ip_network(r) in excluded for r in PRIVATE_RANGES)


DNS = {("UDP", 53), ("TCP", 53)}


def test_network_policies_allow_each_process_only_what_it_needs(defaults: list[Doc]) -> None:
    policies = of_kind(defaults, "NetworkPolicy")
    pods = workloads(defaults)
    assert set(policies) == set(pods)
    for name, policy in policies.items():
        selector = policy["spec"]["podSelector"]["matchLabels"]
        labels = pods[name]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"{name}'s policy selects its pods"
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"], name
    ports = {name: set(rules_by_port(p)) for name, p in policies.items()}
    assert ports["worker"] == DNS | {("TCP", 5432), ("TCP", 6379), ("TCP", 443)}
    assert ports["web"] == DNS | {("TCP", 5432), ("TCP", 6379), ("TCP", 443)}
    assert ports["scheduler"] == DNS | {("TCP", 5432), ("TCP", 6379)}
    assert ports["migrate"] == DNS | {("TCP", 5432)}
    for name in ("worker", "web"):
        assert public(rules_by_port(policies[name])[("TCP", 443)]), name
    # The database and Redis are private addresses, never the internet.
    for port in (5432, 6379):
        for peer in rules_by_port(policies["worker"])[("TCP", port)]:
            assert ipaddress.ip_network(peer["ipBlock"]["cidr"]).is_private
    # Only the web pods take connections, and only from the ingress controller, on gunicorn's port.
    (web_in,) = policies["web"]["spec"]["ingress"]
    assert web_in["ports"] == [{"protocol": "TCP", "port": 8000}]
    (controller,) = web_in["from"]
    assert controller["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    for name in ("worker", "scheduler", "migrate"):
        assert not policies[name]["spec"]["ingress"], name


def test_network_policy_peers_are_configurable(production: list[Doc]) -> None:
    policies = of_kind(production, "NetworkPolicy")
    worker = rules_by_port(policies["worker"])
    assert worker[("TCP", 5432)] == [{"ipBlock": {"cidr": "10.20.0.5/32"}}]
    assert worker[("TCP", 587)] == [{"ipBlock": {"cidr": "203.0.113.25/32"}}], "SMTP relay"
    assert ("TCP", 587) not in rules_by_port(policies["web"])
    web = rules_by_port(policies["web"])
    assert web[("TCP", 8443)] == [{"ipBlock": {"cidr": "10.99.0.10/32"}}], "a private IdP"
    assert ("TCP", 8443) not in worker
    assert len(policies["web"]["spec"]["ingress"]) == 2, "the controller and monitoring"


def test_no_autoscaler_by_default(defaults: list[Doc]) -> None:
    assert not of_kind(defaults, "HorizontalPodAutoscaler")
    for name, deployment in of_kind(defaults, "Deployment").items():
        assert deployment["spec"]["replicas"] >= 1, name


def test_autoscalers_own_the_web_and_worker_replica_counts(production: list[Doc]) -> None:
    autoscalers = of_kind(production, "HorizontalPodAutoscaler")
    deployments = of_kind(production, "Deployment")
    assert set(autoscalers) == {"web", "worker"}
    for name, hpa in autoscalers.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": deployments[name]["metadata"]["name"],
        }
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA sets it"
    assert autoscalers["web"]["spec"]["minReplicas"] == 3
    assert deployments["scheduler"]["spec"]["replicas"] == 1


def test_the_service_and_the_optional_ingress_reach_gunicorn(
    defaults: list[Doc], production: list[Doc]
) -> None:
    assert not of_kind(defaults, "Ingress")
    service = of_kind(production, "Service")["web"]
    web = of_kind(production, "Deployment")["web"]
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == container(web)["ports"][0]["name"]
    ingress = of_kind(production, "Ingress")["web"]["spec"]
    (rule,) = ingress["rules"]
    assert rule["host"] == "mentoring.example.org", "the host of config.publicBaseUrl"
    assert ingress["tls"] == [
        {"hosts": ["mentoring.example.org"], "secretName": "mentoring-example-org-tls"}
    ]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert container(web)["image"].startswith("registry.example.org/consortium@sha256:")


def test_disruption_budgets_cover_web_and_worker(defaults: list[Doc]) -> None:
    budgets = of_kind(defaults, "PodDisruptionBudget")
    assert set(budgets) == {"web", "worker"}, (
        "the scheduler is one pod: a budget would block drains"
    )
    for name, budget in budgets.items():
        labels = of_kind(defaults, "Deployment")[name]["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert budget["spec"]["maxUnavailable"] == 1


def test_service_accounts_mount_no_token(defaults: list[Doc]) -> None:
    accounts = of_kind(defaults, "ServiceAccount")
    assert set(accounts) == {"app", "migrate"}
    for account in accounts.values():
        assert account["automountServiceAccountToken"] is False
    for name, deployment in of_kind(defaults, "Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == accounts["app"]["metadata"]["name"], name


# The rendered commands, run as the pods would run them: the image's environment (its ENV lines)
# under the container's, secrets resolved from the rendered Secret.


@pytest.fixture(scope="module")
def chart_database(worker_id: str) -> Iterator[tuple[str, str]]:
    """An empty database for the migration Job: (owner URL, runtime role URL)."""
    name = f"{os.environ.get('TEST_DATABASE_PREFIX', 'consortium_test')}_chart_{worker_id}"
    admin_url = make_url(ADMIN_URL)
    admin = create_engine(
        admin_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
        if not c.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).first():
            with contextlib.suppress(ProgrammingError):  # another worker made it first
                c.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    owner = admin_url.set(database=name).render_as_string(hide_password=False)
    runtime = admin_url.set(database=name, username=APP_ROLE, password=None).render_as_string(
        hide_password=False
    )
    yield owner, runtime
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def render_for(owner: str, runtime: str, *, migration: str | None = None) -> list[Doc]:
    secrets = {
        "secretKey": "chart-test-secret-key-that-is-long-enough-for-production",
        "databaseUrl": runtime,
        "migrationDatabaseUrl": owner if migration is None else migration,
        "redisUrl": REDIS_URL,
    }
    return render(
        *[a for key, value in secrets.items() for a in ("--set-string", f"secrets.{key}={value}")]
    )


def run_as_pod(docs: list[Doc], component: str, tmp_path: Path, *extra: str) -> Any:
    """Run `component`'s container command in the checkout with the pod's environment."""
    box = container(workloads(docs)[component])
    secret = of_kind(docs, "Secret")["config"]["data"]
    env = {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    for variable in box["env"]:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif (key := variable["valueFrom"]["secretKeyRef"]["key"]) in secret:
            env[variable["name"]] = base64.b64decode(secret[key]).decode()
    return subprocess.run(
        [*box.get("command", []), *box["args"], *extra] if "args" in box else box["command"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_the_migration_job_migrates_as_the_owner_and_the_app_role_owns_nothing(
    chart_database: tuple[str, str], tmp_path: Path
) -> None:
    owner, runtime = chart_database
    result = run_as_pod(render_for(owner, runtime), "migrate", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Granted table access to the application role {APP_ROLE}" in result.stdout
    engine = create_engine(make_url(owner).set(drivername="postgresql+psycopg"))
    with engine.connect() as c:
        owners = set(
            c.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
        can_read = c.execute(
            text("SELECT has_table_privilege(:r, 'organisations', 'SELECT')"), {"r": APP_ROLE}
        ).scalar()
    engine.dispose()
    assert owners == {make_url(owner).username}, "the tables belong to the owner alone"
    assert can_read is True


@pytest.mark.slow
def test_the_web_command_loads_the_app_in_production(
    chart_database: tuple[str, str], tmp_path: Path
) -> None:
    owner, runtime = chart_database
    # gunicorn with the rendered arguments and environment checks its configuration and loads
    # the production app (settings checked, the database role checked), then exits.
    result = run_as_pod(render_for(owner, runtime), "web", tmp_path, "--check-config")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_flask_commands_the_chart_runs_are_the_app_s(defaults: list[Doc], app: Flask) -> None:
    pods = workloads(defaults)
    for name in ("worker", "scheduler"):
        args = container(pods[name])["args"]
        assert args[:3] == ["flask", "--app", "wsgi"]
        assert args[3] in app.cli.commands, f"{name}: flask {args[3]} is no command of the app"
    migrate = container(pods["migrate"])["command"][-1].split("exec ")[-1].split()
    assert migrate[:3] == ["flask", "--app", "wsgi"]
    group, command = migrate[3:]
    assert command in app.cli.commands[group].commands


def test_a_missing_secret_fails_the_migration_job_naming_it(tmp_path: Path) -> None:
    docs = render(
        "--set-string", "secrets.migrationDatabaseUrl=postgresql://owner@db.invalid/consortium"
    )
    result = run_as_pod(docs, "migrate", tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be" in result.stderr


def test_the_migration_job_refuses_to_migrate_as_the_runtime_role(tmp_path: Path) -> None:
    docs = render_for("unused", "postgresql://app@db.invalid/consortium", migration="")
    result = run_as_pod(docs, "migrate", tmp_path)
    assert result.returncode == 1
    assert "MIGRATION_DATABASE_URL is empty" in result.stderr
