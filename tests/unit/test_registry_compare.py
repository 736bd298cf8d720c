"""The registry baseline, pure: references, indexes, manifests and the compressed comparison."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ci_optimizer.adapters.registry_auth import parse_challenge
from ci_optimizer.compare.registry_compare import all_in, compare_with_image
from ci_optimizer.errors import RegistryError
from ci_optimizer.measure.oci_manifest import Platform, parse_reference, pick_platform, remote_image
from ci_optimizer.model.image_model import ImageAnalysis, ImageStats, Layer, LayerAnalysis
from ci_optimizer.model.remote_image import RemoteImage, RemoteLayer
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import BuildResult, LayerChange

AMD64 = Platform(os="linux", architecture="amd64")


@pytest.mark.parametrize(("text", "expected"), [
    ("ghcr.io/acme/app:main-production", ("ghcr.io", "acme/app", "main-production")),
    ("localhost:5000/app", ("localhost:5000", "app", "latest")),
    ("debian:bookworm", ("docker.io", "library/debian", "bookworm")),
    ("acme/app@sha256:" + "a" * 64, ("docker.io", "acme/app", "sha256:" + "a" * 64)),
])
def test_references_read_as_docker_reads_them(text: str, expected: tuple[str, str, str]) -> None:
    name = parse_reference(text)
    assert (name.registry, name.repository, name.reference) == expected


def test_a_bad_reference_is_named() -> None:
    with pytest.raises(RegistryError) as caught:
        parse_reference("ghcr.io/Acme/app:main")
    assert caught.value.one_line() == ("ghcr.io/Acme/app:main: not an image reference "
                                       "(lower-case repository, optional :tag or @digest)")


def test_the_platform_is_picked_and_attestations_passed_over() -> None:
    index = {"manifests": [
        {"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}},
        {"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}},
    ]}
    assert pick_platform(index, AMD64, image="i") == ("sha256:amd", "linux/amd64")
    assert pick_platform(index, Platform(os="linux", architecture="arm64"), image="i") == ("sha256:arm",
                                                                                          "linux/arm64/v8")
    with pytest.raises(RegistryError) as caught:
        pick_platform(index, Platform(os="linux", architecture="riscv64"), image="i")
    assert caught.value.one_line() == ("baseline image i: no linux/riscv64 image in its index "
                                       "(platforms: linux/arm64/v8, linux/amd64)")


def test_a_manifest_whose_config_does_not_match_is_malformed() -> None:
    manifest = {"config": {"digest": "sha256:c"}, "layers": [{"digest": "sha256:l1", "size": 10}]}
    with pytest.raises(RegistryError) as caught:
        remote_image(manifest, {"rootfs": {"diff_ids": []}}, image="i", digest="sha256:m")
    assert caught.value.one_line() == "baseline image i: malformed config (its diff IDs do not match the layers)"
    with pytest.raises(RegistryError):
        remote_image({"layers": []}, {}, image="i", digest="sha256:m")


def test_history_names_the_layers_when_it_lines_up() -> None:
    manifest = {"config": {"digest": "sha256:c"},
                "layers": [{"digest": "sha256:l1", "size": 10}, {"digest": "sha256:l2", "size": 20}]}
    config = json.loads(json.dumps({
        "os": "linux", "architecture": "amd64", "rootfs": {"diff_ids": ["sha256:d1", "sha256:d2"]},
        "history": [{"created_by": "import"}, {"created_by": "ENV A=1", "empty_layer": True},
                    {"created_by": "RUN /bin/sh -c make # buildkit"}],
    }))
    image = remote_image(manifest, config, image="i", digest="sha256:m")
    assert image.layers == (RemoteLayer(diff_id="sha256:d1", compressed_bytes=10, created_by="import"),
                            RemoteLayer(diff_id="sha256:d2", compressed_bytes=20, created_by="RUN make"))
    assert (image.platform, image.compressed_bytes) == ("linux/amd64", 30)


def _analysed(layers: list[tuple[str, int, int | None, str]]) -> TargetResult:
    analysis = ImageAnalysis(
        total_bytes=0, visible_bytes=0, wasted_bytes=0, own_bytes=0, own_wasted_bytes=0, efficiency=1.0,
        base_layers=1, files=0, compressed_bytes=sum(c for _d, c, _l, _b in layers), compressed_exact=True,
        layers=tuple(LayerAnalysis(index=i, diff_id=d, from_base=i == 0, tar_bytes=c, file_bytes=c,
                                   compressed_bytes=c, compressed_exact=True, files_added=0, files_modified=0,
                                   files_deleted=0, wasted_bytes=0) for i, (d, c, _l, _b) in enumerate(layers)),
    )
    stats = ImageStats(image_id="sha256:" + "1" * 64, size_bytes=0, layers=len(layers),
                       layer_details=tuple(Layer(size_bytes=c, created_by=b, line=ln, from_base=ln is None)
                                           for _d, c, ln, b in layers), base_image="b", base_image_bytes=None)
    return TargetResult(name="production", dockerfile="Dockerfile", role="production", stage_line=5,
                        build=BuildResult(status="built"), image=stats, analysis=analysis)


def test_layers_match_by_diff_id_and_the_delta_is_compressed_to_compressed() -> None:
    head = _analysed([("sha256:base", 999, None, "import"), ("sha256:copy", 50, 6, "COPY app /app"),
                      ("sha256:new", 300, 7, "RUN make")])
    base = RemoteImage(reference="r", digest="sha256:m", platform="linux/amd64", layers=(
        RemoteLayer(diff_id="sha256:base", compressed_bytes=1000, created_by="import"),
        RemoteLayer(diff_id="sha256:copy", compressed_bytes=51, created_by="COPY app /app"),
        RemoteLayer(diff_id="sha256:old", compressed_bytes=200, created_by="RUN make old"),
    ))
    compared = compare_with_image(head, base)
    # matched layers count at the registry's exact size, the new one at the head's gzip measure
    assert compared.compressed_bytes == 1000 + 51 + 300
    assert (compared.base_size_bytes, compared.delta_bytes, compared.basis) == (1251, 100, "compressed")
    assert compared.layer_changes == (
        LayerChange(kind="new", created_by="RUN make", base_bytes=None, head_bytes=300, delta_bytes=300, line=7),
        LayerChange(kind="gone", created_by="RUN make old", base_bytes=200, head_bytes=None, delta_bytes=-200),
    )


def test_a_target_not_analysed_is_compared_by_diff_id_when_every_layer_is_the_bases() -> None:
    analysed = _analysed([("sha256:base", 999, None, "import"), ("sha256:copy", 50, 6, "COPY app /app")])
    head = replace(analysed, analysis=None)
    base = RemoteImage(reference="r", digest="sha256:m", platform="linux/amd64", layers=(
        RemoteLayer(diff_id="sha256:base", compressed_bytes=1000, created_by="import"),
        RemoteLayer(diff_id="sha256:copy", compressed_bytes=51, created_by="COPY app /app"),
        RemoteLayer(diff_id="sha256:old", compressed_bytes=200, created_by="RUN make old"),
    ))
    compared = compare_with_image(head, base, ("sha256:base", "sha256:copy"))
    # the registry's exact sizes, no estimate: nothing was exported or compressed here
    assert (compared.compressed_bytes, compared.compressed_exact) == (1051, True)
    assert (compared.base_size_bytes, compared.delta_bytes, compared.basis) == (1251, -200, "compressed")
    assert compared.layer_changes == (
        LayerChange(kind="gone", created_by="RUN make old", base_bytes=200, head_bytes=None, delta_bytes=-200),
    )
    # one layer the base lacks (or a layer counted twice that the base has once): no size without the analysis
    for layers in (("sha256:base", "sha256:new"), ("sha256:base", "sha256:base")):
        unsized = compare_with_image(head, base, layers)
        assert (unsized.compressed_bytes, unsized.delta_bytes, unsized.base_size_bytes) == (None, None, 1251)
    assert all_in(("sha256:copy", "sha256:base"), base)
    assert not all_in(("sha256:x",), base)


def test_bearer_challenges_are_read_with_quoted_params() -> None:
    challenge = parse_challenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",'
                                'scope="repository:acme/app:pull"')
    assert challenge is not None
    assert (challenge.scheme, dict(challenge.params)) == ("bearer", {
        "realm": "https://ghcr.io/token", "service": "ghcr.io", "scope": "repository:acme/app:pull"})
