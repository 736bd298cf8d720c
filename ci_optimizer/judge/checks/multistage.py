"""multi-stage: production does not inherit the builder's toolchain. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.dockerfile.roles import BUILDER_NAMES
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding
from ci_optimizer.judge.checks.minimal_base import classify, family_of, parse_ref

# Full images of these families carry a compiler toolchain (buildpack-deps, SDKs, JDKs).
TOOLCHAIN_FAMILIES = frozenset({"python", "node", "ruby", "golang", "rust", "eclipse-temurin", "openjdk", "maven",
                                "gradle", "dotnet/sdk"})


def check_multi_stage(inputs: CheckInputs) -> Sequence[Finding]:
    roles, chain = inputs.roles, inputs.chain
    # The builder role is never in production's chain (roles.py), so a build stage there is found by name too.
    named = {s.index for s in inputs.model.stages if s.name in BUILDER_NAMES}
    build_stages = {i for i in (roles.builder, roles.tester, *named) if i is not None and i != roles.production}
    inherited = next((s for s in chain if s.index in build_stages), None)
    if inherited is not None:
        child = chain[chain.index(inherited) + 1]  # production itself is never a build stage, so it follows
        return (Finding(
            passed=False, line=child.line,
            message=f"{child.target_name} is built FROM {inherited.target_name} (line {child.line}) and so ships "
                    f"everything that stage installed, toolchain included; start it from a runtime base and "
                    f"`COPY --from={inherited.target_name}` only the artifacts",
        ),)
    root = chain[0]
    ref = parse_ref(root.base)
    family = family_of(ref)
    toolchain = family is not None and classify(ref) == "full" and TOOLCHAIN_FAMILIES.intersection(family.names)
    if len(inputs.model.stages) == 1 and toolchain and family is not None:
        return (Finding(
            passed=False, line=root.line,
            message=f"single-stage build on {root.base} ({family.kind}): the build toolchain ships in production; "
                    "build in a builder stage and copy the result onto a runtime base",
        ),)
    sources = sorted({inputs.model.stages[i].target_name for s in chain for i in s.needs})
    if sources:
        return (Finding(passed=True, line=inputs.stage.line,
                        message=f"{inputs.target} starts from {root.base} and copies from {', '.join(sources)}"),)
    return (Finding(passed=True, line=inputs.stage.line,
                    message=f"{inputs.target} starts from {root.base} and inherits no build stage"),)
