from __future__ import annotations

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.measure.history import attribute_layers, clean_created_by, history_keyword
from ci_optimizer.measure.history import chain_instructions as stage_chain
from ci_optimizer.model.image_model import Layer

DOCKERFILE = (
    "FROM local/busybox:1 AS builder\n"  # 1
    "RUN build\n"  # 2
    "FROM local/busybox:1 AS production\n"  # 3
    "COPY --from=builder /out/ /app/\n"  # 4
    "ARG LEVEL=3\n"  # 5
    "RUN dd if=/dev/urandom of=/app/tmp bs=1M count=3\n"  # 6
    "RUN rm /app/tmp\n"  # 7
    "ENV A=1\n"  # 8
    "CMD [\"/bin/sh\"]\n"  # 9
)

# The engine's history of the production image, newest first, as BuildKit writes it.
BUILDKIT_HISTORY = [
    {"CreatedBy": 'CMD ["/bin/sh"]', "Size": 0},
    {"CreatedBy": "ENV A=1", "Size": 0},
    {"CreatedBy": "RUN |1 LEVEL=3 /bin/sh -c rm /app/tmp # buildkit", "Size": 0},
    {"CreatedBy": "RUN |1 LEVEL=3 /bin/sh -c dd if=/dev/urandom of=/app/tmp bs=1M count=3 # buildkit", "Size": 3145728},
    {"CreatedBy": "COPY /out/ /app/ # buildkit", "Size": 1767687},
    {"CreatedBy": "", "Size": 1982445, "Comment": "Imported from -"},
]


def test_buildkit_history_is_attributed_to_dockerfile_lines() -> None:
    model = parse_dockerfile(DOCKERFILE)
    layers = attribute_layers(BUILDKIT_HISTORY, stage_chain(model, 1))
    assert layers == (
        Layer(size_bytes=1982445, created_by="Imported from -", instruction=None, line=None, from_base=True),
        Layer(size_bytes=1767687, created_by="COPY /out/ /app/", instruction="COPY", line=4),
        Layer(size_bytes=3145728, created_by="RUN dd if=/dev/urandom of=/app/tmp bs=1M count=3", instruction="RUN",
              line=6),
        Layer(size_bytes=0, created_by="RUN rm /app/tmp", instruction="RUN", line=7),
    )


def test_base_image_history_is_marked_as_base() -> None:
    model = parse_dockerfile("FROM python:3.12-slim\nRUN pip install app\n")
    history = [
        {"CreatedBy": "RUN /bin/sh -c pip install app # buildkit", "Size": 5_000_000},
        {"CreatedBy": 'CMD ["python3"]', "Size": 0},
        {"CreatedBy": "RUN /bin/sh -c set -eux; apt-get update # buildkit", "Size": 30_000_000},
        {"CreatedBy": "/bin/sh -c #(nop) ADD file:abc in / ", "Size": 74_000_000},
    ]
    layers = attribute_layers(history, stage_chain(model, 0))
    assert [(layer.line, layer.from_base, layer.size_bytes) for layer in layers] == [
        (None, True, 74_000_000),
        (None, True, 30_000_000),
        (2, False, 5_000_000),
    ]


def test_chained_stages_attribute_parent_lines() -> None:
    model = parse_dockerfile("FROM a AS builder\nRUN one\nFROM builder AS tester\nRUN two\n")
    history = [
        {"CreatedBy": "RUN /bin/sh -c two # buildkit", "Size": 10},
        {"CreatedBy": "RUN /bin/sh -c one # buildkit", "Size": 20},
        {"CreatedBy": "", "Size": 30},
    ]
    assert [layer.line for layer in attribute_layers(history, stage_chain(model, 1))] == [None, 2, 4]


def test_classic_builder_history() -> None:
    model = parse_dockerfile("FROM a\nCOPY app /app\nRUN make\nCMD [\"x\"]\n")
    history = [
        {"CreatedBy": '/bin/sh -c #(nop)  CMD ["x"]', "Size": 0},
        {"CreatedBy": "/bin/sh -c make", "Size": 100},
        {"CreatedBy": "/bin/sh -c #(nop) COPY dir:0123abc in /app ", "Size": 50},
        {"CreatedBy": "/bin/sh -c #(nop) ADD file:base in / ", "Size": 1000},
    ]
    layers = attribute_layers(history, stage_chain(model, 0))
    assert [(layer.instruction, layer.line, layer.created_by) for layer in layers] == [
        ("ADD", None, "ADD file:base in /"),
        ("COPY", 2, "COPY dir:0123abc in /app"),
        ("RUN", 3, "RUN make"),
    ]


def test_history_keyword_and_cleaning() -> None:
    assert history_keyword("RUN |2 A=1 B=2 /bin/sh -c x # buildkit") == "RUN"
    assert history_keyword("/bin/sh -c #(nop) WORKDIR /app") == "WORKDIR"
    assert history_keyword("|1 X=y /bin/sh -c make") == "RUN"
    assert history_keyword("") is None
    assert clean_created_by("RUN |2 A=1 B= /bin/sh -c make all # buildkit") == "RUN make all"
    assert clean_created_by("|1 X=y /bin/sh -c make") == "RUN make"
    assert clean_created_by('RUN ["/bin/app", "--build"] # buildkit') == 'RUN ["/bin/app", "--build"]'
    assert clean_created_by("RUN |2 X=1 Y=two words /bin/sh -c make # buildkit") == "RUN make"
    assert clean_created_by('RUN |1 TOKEN=s3cr3t ["/bin/app", "--x"] # buildkit') == 'RUN ["/bin/app", "--x"]'
    assert clean_created_by("/bin/sh -c #(nop)  ENV A=1") == "ENV A=1"
