"""--baseline-image against real registries (docker-registry on 127.0.0.1): anonymous, htpasswd Basic,
token auth with a test issuer, a two-platform index, and every failure mode as a warning."""

from __future__ import annotations

import io
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.adapters.registry_auth import Credentials
from ci_optimizer.adapters.registry_client import RegistryClient
from ci_optimizer.cli.main import main
from ci_optimizer.errors import RegistryError
from ci_optimizer.measure.oci_manifest import Platform
from tests.integration import registries
from tests.integration.conftest import write_project
from tests.integration.git_helpers import pull_request

AMD64 = Platform(os="linux", architecture="amd64")
BASE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS builder
RUN echo built > /built
FROM builder AS tester
RUN test -f /built
FROM ${BASE_IMAGE} AS production
COPY --from=builder /built /app/built
"""
HEAD = BASE + "RUN head -c 20000 /dev/urandom > /app/extra\n"


@dataclass(frozen=True)
class Pushed:
    host: str
    repository: str  # holds main-production (one platform) and multi (an index: arm64 first, then amd64)
    storage: Path
    workdir: Path
    engine_layers: tuple[str, ...]  # the production image's diff IDs as the engine has them
    amd64_digest: str


@pytest.fixture(scope="module")
def pushed(
    tmp_path_factory: pytest.TempPathFactory, tag_prefix: str, busybox: str, docker_client: Any
) -> Iterator[Pushed]:
    workdir = tmp_path_factory.mktemp("registry")
    storage = workdir / "storage"
    project = write_project(workdir / "base", BASE)
    code = main(["run", "--tag-prefix", tag_prefix, "--build-arg", f"BASE_IMAGE={busybox}", "--context", str(project),
                 "--analyze", "none", "--no-hadolint", "--quiet", "--json", str(workdir / "base.json")],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    production = next(t for t in json.loads((workdir / "base.json").read_text())["targets"]
                      if t["name"] == "production")
    repository = f"{tag_prefix}/app"
    with registries.registry(storage, workdir) as anonymous:
        main_tag = f"{anonymous.host}/{repository}:main-production"
        arm = f"{anonymous.host}/{repository}:arm64-only"
        made = [main_tag, arm]
        try:
            docker_client.images.get(production["image_id"]).tag(main_tag)
            registries.tiny_rootfs_image(arm)
            registries.push(main_tag)
            registries.push(arm)
            amd64 = registries.manifest_digest(anonymous.host, repository, "main-production")
            arm64 = registries.manifest_digest(anonymous.host, repository, "arm64-only")
            registries.put_index(anonymous.host, repository, "multi", [(arm64, "linux/arm64"), (amd64, "linux/amd64")])
            layers = tuple(docker_client.api.inspect_image(production["image_id"])["RootFS"]["Layers"])
            yield Pushed(host=anonymous.host, repository=repository, storage=storage, workdir=workdir,
                         engine_layers=layers, amd64_digest=amd64)
        finally:
            for tag in made:
                subprocess.run(["docker", "rmi", tag], capture_output=True, check=False)


def client(config_dir: Path) -> RegistryClient:
    return RegistryClient(Credentials(config_dir=config_dir))


def test_anonymous_reads_manifest_and_config_in_well_under_half_a_second(pushed: Pushed, tmp_path: Path) -> None:
    started = time.monotonic()
    image = client(tmp_path).fetch(f"{pushed.host}/{pushed.repository}:main-production", AMD64)
    seconds = time.monotonic() - started
    assert tuple(layer.diff_id for layer in image.layers) == pushed.engine_layers
    assert image.digest == pushed.amd64_digest
    assert all(layer.compressed_bytes > 0 for layer in image.layers)
    assert image.layers[-1].created_by == "COPY /built /app/built"
    assert seconds < 0.5


def test_an_index_gives_the_engines_platform_not_the_first_entry(pushed: Pushed, tmp_path: Path) -> None:
    image = client(tmp_path).fetch(f"{pushed.host}/{pushed.repository}:multi", AMD64)
    assert (image.digest, image.platform) == (pushed.amd64_digest, "linux/amd64")
    with pytest.raises(RegistryError) as caught:
        client(tmp_path).fetch(f"{pushed.host}/{pushed.repository}:multi", Platform(os="linux", architecture="s390x"))
    assert caught.value.one_line() == (f"baseline image {pushed.host}/{pushed.repository}:multi: no linux/s390x "
                                       "image in its index (platforms: linux/arm64, linux/amd64)")


def test_a_missing_tag_and_an_unreachable_registry_name_the_image_and_the_cause(pushed: Pushed, tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as caught:
        client(tmp_path).fetch(f"{pushed.host}/{pushed.repository}:nope", AMD64)
    assert caught.value.one_line() == (f"baseline image {pushed.host}/{pushed.repository}:nope: manifest: "
                                       "404 Not Found (MANIFEST_UNKNOWN: manifest unknown)")
    closed = f"localhost:{registries.free_port()}"
    with pytest.raises(RegistryError) as caught:
        client(tmp_path).fetch(f"{closed}/app:main", AMD64)
    assert caught.value.one_line() == (f"baseline image {closed}/app:main: cannot reach {closed}: "
                                       "connection refused or no route")


def test_htpasswd_basic_auth_uses_the_docker_configs_login(pushed: Pushed, tmp_path: Path) -> None:
    with registries.registry(pushed.storage, tmp_path, auth=registries.htpasswd_auth(tmp_path)) as basic:
        reference = f"{basic.host}/{pushed.repository}:main-production"
        with pytest.raises(RegistryError) as caught:
            client(tmp_path / "nologin").fetch(reference, AMD64)
        assert caught.value.one_line() == (f"baseline image {reference}: 401 Unauthorized and no credentials for "
                                           f"{basic.host} (docker login {basic.host})")
        login = tmp_path / "login"
        login.mkdir()
        auth = __import__("base64").b64encode(f"{registries.USER}:{registries.PASSWORD}".encode()).decode()
        (login / "config.json").write_text(json.dumps({"auths": {f"http://{basic.host}/v2/": {"auth": auth}}}))
        image = client(login).fetch(reference, AMD64)
        assert tuple(layer.diff_id for layer in image.layers) == pushed.engine_layers


def test_token_auth_follows_the_bearer_challenge_to_the_issuer(pushed: Pushed, tmp_path: Path) -> None:
    issuer = registries.TokenIssuer(tmp_path)
    try:
        with registries.registry(pushed.storage, tmp_path, auth=issuer.auth_config()) as token:
            reference = f"{token.host}/{pushed.repository}:multi"
            image = client(tmp_path).fetch(reference, AMD64)  # anonymous pull token, as for a public package
            assert image.digest == pushed.amd64_digest
            assert issuer.requests[0]["query"] == {"scope": [f"repository:{pushed.repository}:pull"],
                                                   "service": ["cio-test-registry"]}
            assert len(issuer.requests) == 1  # the token is kept for the index, the manifest and the config
            wrong = tmp_path / "wrong"
            wrong.mkdir()
            (wrong / "config.json").write_text(json.dumps({"auths": {token.host: {"username": "cio",
                                                                                  "password": "wrong"}}}))
            with pytest.raises(RegistryError) as caught:
                client(wrong).fetch(reference, AMD64)
            assert caught.value.one_line() == (f"baseline image {reference}: the token service refused a pull "
                                               "token with the configured credentials: 401 Unauthorized")
            assert "wrong" not in caught.value.one_line()
    finally:
        issuer.close()


def test_run_compares_compressed_to_compressed_and_attributes_the_new_layer(
    pushed: Pushed, run_cli: Any, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "head", HEAD)
    report_path = tmp_path / "report.json"
    template = f"{pushed.host}/{pushed.repository}:main-{{target}}"
    result = run_cli("--context", str(project), "--no-hadolint", "--baseline-image", template,
                     "--json", str(report_path))
    assert result.code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["baseline"] == {"source": "image", "ref": None, "commit": None, "path": None, "fetched": [],
                                  "image": template, "platform": "linux/amd64"}
    production = next(t for t in report["targets"] if t["name"] == "production")
    assert production["basis"] == "compressed"
    [new] = production["layer_changes"]
    assert (new["kind"], new["line"], new["created_by"]) == ("new", 8, "RUN head -c 20000 /dev/urandom > /app/extra")
    assert production["delta_bytes"] == new["head_bytes"] > 20000
    assert production["compressed_bytes"] == production["base_size_bytes"] + production["delta_bytes"]
    # builder and tester have no image in the registry: a warning each, the run goes on
    assert any(w.startswith(f"baseline image {pushed.host}/{pushed.repository}:main-builder: manifest: 404")
               for w in report["warnings"])
    assert "compressed" in result.stdout


def test_an_unreadable_baseline_image_falls_back_to_a_saved_report(
    pushed: Pushed, run_cli: Any, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "head", HEAD)
    saved = tmp_path / "saved.json"
    assert run_cli("--context", str(project), "--analyze", "none", "--no-hadolint", "--write-baseline",
                   str(saved)).code == 0
    missing = f"{pushed.host}/{pushed.repository}:gone-{uuid.uuid4().hex[:6]}"
    report_path = tmp_path / "report.json"
    result = run_cli("--context", str(project), "--analyze", "none", "--no-hadolint", "--baseline-image", missing,
                     "--baseline", str(saved), "--json", str(report_path))
    assert result.code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["baseline"]["source"] == "file"
    assert f"baseline image {missing}: manifest: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown); compared " \
           f"with {saved} instead" in report["warnings"]


@pytest.mark.parametrize("where", ["missing tag", "unreachable registry"])
def test_an_unreadable_baseline_image_falls_back_to_building_the_base_ref(
    pushed: Pushed, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # a PR whose base commit holds BASE and whose branch holds HEAD: one 20 000-byte layer more
    repo, base_commit = pull_request(tmp_path / "repo", {"Dockerfile": BASE}, {"Dockerfile": HEAD})
    monkeypatch.chdir(repo)
    if where == "missing tag":
        image = f"{pushed.host}/{pushed.repository}:gone-{uuid.uuid4().hex[:6]}"
        cause = "manifest: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)"
    else:
        closed = f"localhost:{registries.free_port()}"
        image, cause = f"{closed}/app:main", f"cannot reach {closed}: connection refused or no route"
    report_path = tmp_path / "report.json"
    result = run_cli("--analyze", "none", "--no-hadolint", "--baseline-image", image, "--base-ref", "main",
                     "--json", str(report_path), "--quiet")
    assert result.code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert (report["baseline"]["source"], report["baseline"]["commit"]) == ("ref", base_commit)
    assert report["warnings"] == [f"baseline image {image}: {cause}; compared with main instead"]
    production = next(t for t in report["targets"] if t["name"] == "production")
    # built here, so compared on the engine's sizes: the head's one extra layer, exactly
    assert (production["basis"], production["base_status"]) == ("size", "built")
    assert production["delta_bytes"] == 20000
    assert [(c["kind"], c["line"]) for c in production["layer_changes"]] == [("new", 8)]


def test_a_target_the_pr_left_alone_is_compared_by_diff_id_without_an_export(
    pushed: Pushed, run_cli: Any, tmp_path: Path, docker_client: Any
) -> None:
    # main pushed its builder too; the PR changes production only
    base = write_project(tmp_path / "base", BASE)
    assert run_cli("--context", str(base), "--analyze", "none", "--no-hadolint", "--quiet", "--json",
                   str(tmp_path / "base.json")).code == 0
    builder = next(t for t in json.loads((tmp_path / "base.json").read_text())["targets"] if t["name"] == "builder")
    pushed_builder = f"{pushed.host}/{pushed.repository}:main-builder"
    docker_client.images.get(builder["image_id"]).tag(pushed_builder)
    try:
        registries.push(pushed_builder)
    finally:
        subprocess.run(["docker", "rmi", pushed_builder], capture_output=True, check=False)
    project = write_project(tmp_path / "head", HEAD)
    report_path = tmp_path / "report.json"
    result = run_cli("--context", str(project), "--no-hadolint", "--baseline-image",
                     f"{pushed.host}/{pushed.repository}:main-{{target}}", "--json", str(report_path))
    assert result.code == 0, result.stderr
    targets = {t["name"]: t for t in json.loads(report_path.read_text())["targets"]}
    builder_now = targets["builder"]
    # every layer is main's: the registry's exact sizes, nothing exported or estimated
    assert builder_now["analysis"] is None
    assert "analysing the layers of builder" not in result.stderr
    assert (builder_now["basis"], builder_now["delta_bytes"], builder_now["layer_changes"]) == ("compressed", 0, [])
    assert (builder_now["compressed_bytes"], builder_now["compressed_exact"]) == (builder_now["base_size_bytes"], True)
    # production has a new layer: analysed, its shared layers at the registry's size (not estimated)
    production = targets["production"]
    assert production["analysis"] is not None
    registry_sizes = {layer.diff_id: layer.compressed_bytes for layer in client(tmp_path).fetch(
        f"{pushed.host}/{pushed.repository}:main-production", AMD64).layers}
    shared = {layer["diff_id"]: (layer["compressed_bytes"], layer["compressed_exact"])
              for layer in production["analysis"]["layers"] if layer["diff_id"] in registry_sizes}
    assert shared == {d: (size, True) for d, size in registry_sizes.items()}
    assert production["compressed_bytes"] == production["base_size_bytes"] + production["delta_bytes"]
