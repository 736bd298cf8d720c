"""The least-squares fit behind the compressed-size estimate: gzip ratio ~ a + b * binary + c * zeros. Pure."""

from __future__ import annotations


def fit(features: list[tuple[float, float]], ratios: list[float]) -> tuple[float, float, float] | None:
    """Least squares ratio ~ a + b * binary + c * zeros (a small ridge keeps a flat feature harmless)."""
    n = len(ratios)
    xs = [(1.0, x, z) for x, z in features]
    matrix = [[sum(row[i] * row[j] for row in xs) + (1e-6 * n if i == j and i else 0.0) for j in range(3)]
              for i in range(3)]
    vector = [sum(row[i] * y for row, y in zip(xs, ratios, strict=True)) for i in range(3)]
    return _solve3(matrix, vector)


def r_squared(model: tuple[float, float, float], features: list[tuple[float, float]], ratios: list[float]) -> float:
    a, b, c = model
    mean = sum(ratios) / len(ratios)
    total = sum((y - mean) ** 2 for y in ratios)
    residual = sum((y - (a + b * x + c * z)) ** 2 for (x, z), y in zip(features, ratios, strict=True))
    return 1.0 - residual / total if total else 1.0


def _solve3(m: list[list[float]], v: list[float]) -> tuple[float, float, float] | None:
    """Gaussian elimination with partial pivoting; None when singular."""
    a = [[*row, value] for row, value in zip(m, v, strict=True)]
    for col in range(3):
        pivot = max(range(col, 3), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(3):
            if r != col:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]
