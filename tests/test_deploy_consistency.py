"""The deployment files (Dockerfiles, docker-compose.yml, deploy/k8s, deploy/nginx) agree with the tested setup.

They cannot run here (no container engine), so this reads them as YAML/text and checks them
against the code `make test-scale` runs: the same commands (runtime/servers.py), the same
environment variables (runtime/endpoints.py, runtime/rasa_server.py), the same ports and the same
nginx routing files; the action image pulls in neither Rasa nor TensorFlow.
"""
from __future__ import annotations

import ast
import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from tests.scale.stack import NGINX_CONFIG_DIR
from channels import session_ids
from runtime import endpoints, rasa_server
from runtime.servers import ACTION_READY_PATH, action_server_args, rasa_replica_args

PROJECT_DIR = Path(__file__).resolve().parent.parent
RASA_PORT, ACTION_PORT, NGINX_PORT = 5005, 5055, 80
RASA_COMMAND = ["python", *rasa_replica_args("0.0.0.0", RASA_PORT)]
ACTION_COMMAND = ["python", *action_server_args("0.0.0.0", ACTION_PORT)]
#: the SMS channel's settings from the environment (channels/twilio_sms.py; a test checks it reads them)
SMS_ENV_VARS = {"TWILIO_AUTH_TOKEN", "TWILIO_WEBHOOK_URL", "SMS_VALIDATE_SIGNATURE", "SMS_STORE_PATH"}
#: what the replicas may be given: the variables our launcher, endpoints module and channels read
RASA_ENV_VARS = {*endpoints.ENV_VARS, *rasa_server.ENV_VARS, "ANSWERS_PATH", *SMS_ENV_VARS, session_ids.SECRET_VAR}
SERVICE_ENV_VARS_REQUIRED = {
    "ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "DATABASE_URL", "REDIS_URL", "TWILIO_AUTH_TOKEN", "TWILIO_WEBHOOK_URL",
    "SOCKETIO_SESSION_SECRET",
}
SECRET_ENV_VARS = (
    "DATABASE_URL", "REDIS_URL", "RASA_JWT_SECRET", "TWILIO_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "SOCKETIO_SESSION_SECRET"
)


def read_yaml_documents(path: Path) -> List[Dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def k8s() -> Dict[str, Dict[str, Any]]:
    """Every manifest under deploy/k8s by "Kind/name"."""
    documents = {}
    for path in sorted((PROJECT_DIR / "deploy" / "k8s").glob("*.yaml")):
        for document in read_yaml_documents(path):
            documents[f"{document['kind']}/{document['metadata']['name']}"] = document
    return documents


def container(k8s: Dict[str, Dict[str, Any]], deployment: str) -> Dict[str, Any]:
    return k8s[f"Deployment/{deployment}"]["spec"]["template"]["spec"]["containers"][0]


def k8s_env(spec: Dict[str, Any]) -> Dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in spec.get("env", [])}


def dockerfile(name: str) -> str:
    return (PROJECT_DIR / "deploy" / "docker" / name).read_text(encoding="utf-8")


def dockerfile_cmd(text: str) -> List[str]:
    return json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))


def fill_compose_variables(value: str) -> str:
    """${VAR:?msg} / ${VAR:-default} -> a URL-safe stand-in, as compose would substitute."""
    return re.sub(r"\$\{[A-Z_]+(:[?-][^}]*)?\}", "placeholder", value)


def replica_services(compose: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {name: service for name, service in compose["services"].items() if name.startswith("rasa-")}


# --- commands -------------------------------------------------------------------------------

def test_the_images_run_the_commands_the_scale_test_runs() -> None:
    assert dockerfile_cmd(dockerfile("rasa.Dockerfile")) == RASA_COMMAND
    assert dockerfile_cmd(dockerfile("actions.Dockerfile")) == ACTION_COMMAND
    assert f"EXPOSE {RASA_PORT}" in dockerfile("rasa.Dockerfile")
    assert f"EXPOSE {ACTION_PORT}" in dockerfile("actions.Dockerfile")


def test_compose_and_kubernetes_run_the_same_commands(compose: Dict[str, Any], k8s: Dict[str, Any]) -> None:
    replicas = replica_services(compose)
    assert len(replicas) == 2
    for service in replicas.values():
        assert service["command"] == RASA_COMMAND
    assert compose["services"]["actions"]["command"] == ACTION_COMMAND
    assert container(k8s, "bliss-rasa")["command"] == RASA_COMMAND
    assert container(k8s, "bliss-actions")["command"] == ACTION_COMMAND
    assert k8s["Deployment/bliss-rasa"]["spec"]["replicas"] >= 2


# --- environment variables ------------------------------------------------------------------

def test_the_variables_allowed_for_the_replicas_are_read_by_the_code() -> None:
    sources = {
        "ANSWERS_PATH": PROJECT_DIR / "answer_book" / "store.py",
        **{name: PROJECT_DIR / "channels" / "twilio_sms.py" for name in SMS_ENV_VARS},
    }
    for name, path in sources.items():
        assert f'"{name}"' in path.read_text(encoding="utf-8"), f"{path.name} no longer reads {name}"


def test_compose_sets_the_variables_the_code_reads(compose: Dict[str, Any]) -> None:
    for name, service in replica_services(compose).items():
        env = service["environment"]
        assert set(env) <= RASA_ENV_VARS, f"{name} sets variables nothing reads: {set(env) - RASA_ENV_VARS}"
        assert SERVICE_ENV_VARS_REQUIRED <= set(env)
        config = endpoints.endpoints_config({key: fill_compose_variables(str(value)) for key, value in env.items()})
        postgres = compose["services"]["postgres"]["environment"]
        tracker = config["tracker_store"]
        assert (tracker["url"], tracker["port"]) == ("postgres", 5432)
        assert (tracker["db"], tracker["username"]) == (postgres["POSTGRES_DB"], postgres["POSTGRES_USER"])
        assert "${POSTGRES_PASSWORD" in env["DATABASE_URL"] and "${POSTGRES_PASSWORD" in postgres["POSTGRES_PASSWORD"]
        assert (config["lock_store"]["url"], config["lock_store"]["port"]) == ("redis", 6379)
        assert "${REDIS_PASSWORD" in env["REDIS_URL"]
        assert env["TWILIO_AUTH_TOKEN"].startswith("${TWILIO_AUTH_TOKEN"), "the Twilio token comes from the environment"
        assert str(env.get("SMS_VALIDATE_SIGNATURE", "true")).lower() != "false"
        action = urlsplit(config["action_endpoint"]["url"])
        assert (action.hostname, action.port, action.path) == ("actions", ACTION_PORT, "/webhook")


def test_the_action_server_knows_the_token_the_replicas_send(compose: Dict[str, Any], k8s: Dict[str, Any]) -> None:
    token = endpoints.ACTION_TOKEN_VAR
    for service in replica_services(compose).values():
        assert service["environment"][token] == compose["services"]["actions"]["environment"][token]
    assert compose["services"]["actions"]["environment"][token].startswith("${" + token + ":?")
    assert k8s_env(container(k8s, "bliss-actions"))[token] == k8s_env(container(k8s, "bliss-rasa"))[token]
    assert k8s_env(container(k8s, "bliss-actions"))[token]["secretKeyRef"]["name"] == "bliss-secrets"


def test_kubernetes_sets_the_variables_the_code_reads_with_secrets_from_a_secret(k8s: Dict[str, Any]) -> None:
    env = k8s_env(container(k8s, "bliss-rasa"))
    assert set(env) <= RASA_ENV_VARS, f"variables nothing reads: {set(env) - RASA_ENV_VARS}"
    assert SERVICE_ENV_VARS_REQUIRED <= set(env)
    assert "SMS_VALIDATE_SIGNATURE" not in env, "signatures are always checked in production"
    for secret in SECRET_ENV_VARS:
        assert env[secret]["secretKeyRef"]["name"] == "bliss-secrets", f"{secret} must come from the Secret"
    action = urlsplit(env["ACTION_SERVER_URL"])
    service = k8s["Service/bliss-actions"]
    assert (action.hostname, action.port) == (service["metadata"]["name"], service["spec"]["ports"][0]["port"])
    example = k8s["Secret/bliss-secrets"]["stringData"]
    config = endpoints.endpoints_config(example)
    assert config["tracker_store"]["url"] == k8s["Service/bliss-postgres"]["metadata"]["name"]
    assert config["tracker_store"]["port"] == k8s["Service/bliss-postgres"]["spec"]["ports"][0]["port"]
    assert config["lock_store"]["url"] == k8s["Service/bliss-redis"]["metadata"]["name"]
    assert config["lock_store"]["port"] == k8s["Service/bliss-redis"]["spec"]["ports"][0]["port"]


def test_the_example_secret_is_not_applied(k8s: Dict[str, Any]) -> None:
    kustomization = yaml.safe_load((PROJECT_DIR / "deploy" / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "k8s/secret.example.yaml" not in kustomization["resources"]
    listed = {Path(resource).name for resource in kustomization["resources"]}
    on_disk = {path.name for path in (PROJECT_DIR / "deploy" / "k8s").glob("*.yaml")} - {"secret.example.yaml"}
    assert listed == on_disk


# --- ports and probes -----------------------------------------------------------------------

def test_kubernetes_ports_and_probes_match(k8s: Dict[str, Any]) -> None:
    rasa, actions = container(k8s, "bliss-rasa"), container(k8s, "bliss-actions")
    assert rasa["ports"][0]["containerPort"] == RASA_PORT
    assert actions["ports"][0]["containerPort"] == ACTION_PORT
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert rasa[probe]["httpGet"]["path"] == "/"
    for probe in ("readinessProbe", "livenessProbe"):
        assert actions[probe]["httpGet"]["path"] == ACTION_READY_PATH
    for spec in (rasa, actions, container(k8s, "bliss-nginx")):
        assert spec["resources"]["requests"]["cpu"] and spec["resources"]["requests"]["memory"]
    assert k8s["Service/bliss-rasa-pods"]["spec"]["clusterIP"] == "None"
    assert k8s["Service/bliss-rasa-pods"]["spec"]["ports"][0]["port"] == RASA_PORT


def upstream_servers(config: str) -> List[str]:
    block = re.search(r"upstream rasa \{(.*?)\}", config, re.DOTALL).group(1)
    return re.findall(r"^\s*server (\S+)", block, re.MULTILINE)


def test_nginx_routes_to_the_replicas_with_the_tested_files(compose: Dict[str, Any], k8s: Dict[str, Any]) -> None:
    compose_conf = (PROJECT_DIR / "deploy" / "nginx" / "compose.conf").read_text(encoding="utf-8")
    k8s_conf = (PROJECT_DIR / "deploy" / "nginx" / "k8s.conf").read_text(encoding="utf-8")
    assert sorted(upstream_servers(compose_conf)) == sorted(f"{name}:{RASA_PORT}" for name in replica_services(compose))
    assert upstream_servers(k8s_conf) == [f"bliss-rasa-pods:{RASA_PORT}"]
    assert NGINX_CONFIG_DIR == PROJECT_DIR / "deploy" / "nginx"
    for config in (compose_conf, k8s_conf):
        assert "hash $bliss_route_key consistent;" in config
        assert "include /etc/nginx/bliss/route-key.conf;" in config
        assert "include /etc/nginx/bliss/routes.conf;" in config
        assert f"listen {NGINX_PORT};" in config
    nginx = compose["services"]["nginx"]
    assert "./deploy/nginx:/etc/nginx/bliss:ro" in nginx["volumes"]
    assert nginx["ports"] == [f"{NGINX_PORT}:{NGINX_PORT}"]
    generated = {entry["name"]: entry["files"] for entry in
                 yaml.safe_load((PROJECT_DIR / "deploy" / "kustomization.yaml").read_text())["configMapGenerator"]}
    assert set(generated["bliss-nginx"]) == {"nginx/route-key.conf", "nginx/routes.conf", "nginx/k8s.conf"}
    routes = (NGINX_CONFIG_DIR / "routes.conf").read_text(encoding="utf-8")
    for location in ("location /webhooks/", "location /socket.io/", "location = / ", "location / "):
        assert location in routes
    route_key = (NGINX_CONFIG_DIR / "route-key.conf").read_text(encoding="utf-8")
    assert re.search(r"~\^/webhooks/twilio_sms/\s+\"twilio_sms\";", route_key), "all SMS to one replica (per-replica SMS store)"


# --- security defaults ----------------------------------------------------------------------

def test_only_nginx_is_published_and_the_private_services_stay_private(compose: Dict[str, Any], k8s: Dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx"}
    assert compose["networks"]["private"]["internal"] is True
    for name in ("actions", "postgres", "redis"):
        assert compose["services"][name]["networks"] == ["private"]
    assert k8s["Service/bliss-actions"]["spec"]["type"] == "ClusterIP"
    policy = k8s["NetworkPolicy/bliss-actions-from-rasa-only"]["spec"]
    assert policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"] == {"app": "bliss-rasa"}


def test_no_command_turns_the_http_api_on_without_a_secret(compose: Dict[str, Any], k8s: Dict[str, Any]) -> None:
    texts = [dockerfile("rasa.Dockerfile"), (PROJECT_DIR / "docker-compose.yml").read_text()]
    texts += [path.read_text() for path in (PROJECT_DIR / "deploy" / "k8s").glob("*.yaml")]
    assert not any("--enable-api" in text for text in texts)
    for text in texts:
        assert not re.search(r"(PASSWORD|SECRET)\S*[:=]\s*['\"]?(?!\$|change-me|placeholder)\w{6,}", text), (
            "a secret written into a deployment file"
        )


# --- images and their requirements ----------------------------------------------------------

def requirement_names(path: Path) -> List[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[\[<>=!~ ]", line)[0])
    return names


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(names: Iterable[str]) -> Set[str]:
    """Installed distributions `names` pull in (their unconditional requirements, recursively)."""
    seen: Set[str] = set()
    todo = [canonical(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            # on this platform (Linux, Python 3.10), without extras: what pip would install
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonical(requirement.name))
    return seen


def local_module_file(module: str) -> Optional[Path]:
    """The project file of an importable project module (a.b -> a/b.py or a/b/__init__.py), or None."""
    base = PROJECT_DIR.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file() and (PROJECT_DIR / module.split(".")[0] / "__init__.py").is_file():
            return candidate
    return None


def local_import_closure(modules: Iterable[str]) -> Set[Path]:
    """Every project file the given modules import, directly or not (package __init__ files included)."""
    files: Set[Path] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__, a/b/__init__ too
            path = local_module_file(".".join(parts[:depth]))
            if path is None or path in files:
                continue
            files.add(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    todo.extend(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    todo.append(node.module)
                    todo.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return files


def copied_paths(text: str) -> List[str]:
    """The sources of a Dockerfile's COPY lines (directories end with /)."""
    sources: List[str] = []
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            sources.extend(line.split()[1:-1])
    return sources


def assert_copied(dockerfile_name: str, files: Iterable[Path]) -> None:
    sources = copied_paths(dockerfile(dockerfile_name))
    for path in sorted(files):
        relative = path.relative_to(PROJECT_DIR).as_posix()
        assert any(relative == source or (source.endswith("/") and relative.startswith(source)) for source in sources), (
            f"{dockerfile_name} does not copy {relative}, which the server imports"
        )


def test_the_rasa_image_has_every_module_the_server_loads() -> None:
    """The launcher, the lock store, the channels of credentials.yml and the components of config.yml."""
    lock_store = endpoints.endpoints_config({"REDIS_URL": "redis://r:6379/0"})["lock_store"]["type"]
    channels = [key for key in yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text()) if "." in key]
    config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())
    components = [step["name"] for step in config["pipeline"] + config.get("policies", []) if "." in step["name"]]
    roots = ["runtime.rasa_server", *[path.rsplit(".", 1)[0] for path in [lock_store, *channels, *components]]]
    assert_copied("rasa.Dockerfile", local_import_closure(roots))
    for step in config["pipeline"]:
        for key, value in step.items():
            if key.endswith("_file"):
                assert_copied("rasa.Dockerfile", [PROJECT_DIR / value])


def test_the_action_image_has_every_module_the_action_server_loads() -> None:
    actions = [f"actions.{path.stem}" for path in (PROJECT_DIR / "actions").glob("*.py")]
    assert_copied("actions.Dockerfile", local_import_closure(["runtime.action_server", *actions]))


#: Folders of code the servers never run: benchmarks, evaluation, developer and staff commands, tests.
NOT_SHIPPED = ("bench/", "eval/", "tools/", "tests/")


@pytest.mark.parametrize("name", ["rasa.Dockerfile", "actions.Dockerfile"])
def test_images_copy_whole_folders_of_runtime_code_only(name: str) -> None:
    for source in copied_paths(dockerfile(name)):
        if source.endswith(".py"):
            pytest.fail(f"{name} picks the single file {source}: copy its whole folder")
        assert not source.startswith(NOT_SHIPPED), f"{name} copies {source}, which no server runs"


def test_image_requirements_are_pinned_in_constraints() -> None:
    pins = {canonical(line.split("==")[0]) for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    for file in ("requirements-actions.txt", "requirements-rasa.txt"):
        assert "-c constraints.txt" in (PROJECT_DIR / file).read_text()
        for name in requirement_names(PROJECT_DIR / file):
            assert canonical(name) in pins, f"{file}: {name} has no pin in constraints.txt"
    main_requirements = {canonical(name) for name in requirement_names(PROJECT_DIR / "requirements.txt")}
    assert {canonical(name) for name in requirement_names(PROJECT_DIR / "requirements-rasa.txt")} <= main_requirements
    assert "constraints.txt" in dockerfile("actions.Dockerfile") and "requirements-actions.txt" in dockerfile("actions.Dockerfile")
    assert "constraints.txt" in dockerfile("rasa.Dockerfile") and "requirements-rasa.txt" in dockerfile("rasa.Dockerfile")


def test_the_action_image_has_no_rasa_and_no_tensorflow() -> None:
    closure = dependency_closure(requirement_names(PROJECT_DIR / "requirements-actions.txt"))
    assert "rasa-sdk" in closure and "pyyaml" in closure
    heavy = {name for name in closure if name == "rasa" or name.startswith("tensorflow") or name in {"spacy", "torch"}}
    assert not heavy, f"the action image would install {heavy}"


def imported_top_modules(paths: Iterable[Path]) -> Set[str]:
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def test_the_action_image_has_everything_the_actions_import() -> None:
    actions = [f"actions.{path.stem}" for path in (PROJECT_DIR / "actions").glob("*.py")]
    loaded = local_import_closure(["runtime.action_server", *actions])
    project_packages = {path.parent.name for path in PROJECT_DIR.glob("*/__init__.py")}
    third_party = imported_top_modules(loaded) - set(sys.stdlib_module_names) - project_packages - {"__future__"}
    closure = dependency_closure(requirement_names(PROJECT_DIR / "requirements-actions.txt"))
    providers = metadata.packages_distributions()
    for module in third_party:
        # Python 3.10 maps modules to distributions only from top_level.txt, which some wheels lack
        candidates = providers.get(module) or [module]
        assert any(canonical(dist) in closure for dist in candidates), (
            f"the actions import {module}, which requirements-actions.txt does not install"
        )
