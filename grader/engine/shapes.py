"""Static shapes of expressions over tensors, and the limits that bound their cost.

A shape is a tuple of sizes per sample point: ``()`` for a number, ``(3,)`` for a vector,
``(2, 3)`` for a matrix. Every expression is checked once, when it is read, so evaluating it
can never fail on a shape and never builds a tensor larger than ``MAX_ENTRIES`` entries per
point: the work of any check is bounded by the answer's length times that size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .expr import Apply, BinOp, Call, Expr, Index, Literal, Name, Neg, Num, Transpose

Shape = tuple[int, ...]

MAX_RANK = 3  # dimensions of a tensor (a batch of matrices at most)
MAX_SIZE = 64  # entries along one dimension
MAX_ENTRIES = 256  # entries of any tensor, declared or computed


class ShapeError(ValueError):
    """An operation that does not fit the shapes of its operands."""


def describe(shape: Shape) -> str:
    """``a 2×3 matrix``, ``a vector of 3``, ``a number``: how feedback names a shape."""
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    dims = "\u00d7".join(str(d) for d in shape)
    return f"a {dims} matrix" if len(shape) == 2 else f"a {dims} tensor"


def entry_name(index: tuple[int, ...]) -> str:
    """An entry as a person names it, counting from one: ``entry 3`` of a vector, ``row 2,
    column 3`` of a matrix, ``row 2, column 3 of block 1`` of a 3-dimensional tensor."""
    one = [i + 1 for i in index]
    if len(one) == 1:
        return f"entry {one[0]}"
    if len(one) == 2:
        return f"row {one[0]}, column {one[1]}"
    return f"row {one[-2]}, column {one[-1]} of block " + ", ".join(map(str, one[:-2]))


def entries(shape: Shape) -> int:
    return math.prod(shape)


def check_declared(shape: object) -> str | None:
    """Why a declared ``shape: [...]`` is not allowed, or None."""
    if not isinstance(shape, list | tuple) or not shape:
        return "a shape is a list of 1 to 3 sizes, such as [2, 3]"
    if len(shape) > MAX_RANK:
        return f"at most {MAX_RANK} dimensions"
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        return "sizes are whole numbers"
    if not all(1 <= d <= MAX_SIZE for d in shape):
        return f"each size is between 1 and {MAX_SIZE}"
    if entries(tuple(shape)) > MAX_ENTRIES:
        return f"at most {MAX_ENTRIES} entries ({entries(tuple(shape))} here)"
    return None


def _result(shape: Shape, what: str) -> Shape:
    if len(shape) > MAX_RANK or entries(shape) > MAX_ENTRIES:
        raise ShapeError(
            f"{what} would be {describe(shape)}, larger than the grader allows "
            f"(at most {MAX_ENTRIES} entries and {MAX_RANK} dimensions)"
        )
    return shape


def broadcast(a: Shape, b: Shape, op: str) -> Shape:
    """Torch broadcasting: sizes match from the right; a size 1 stretches."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            hint = " (for the matrix product write @)" if op == "*" else ""
            raise ShapeError(
                f"'{op}' works entry by entry and cannot combine {describe(a)} with "
                f"{describe(b)}{hint}"
            )
        out.append(max(x, y))
    return _result(tuple(reversed(out)), f"'{op}'")


def matmul(a: Shape, b: Shape) -> Shape:
    if not a or not b:
        raise ShapeError("'@' multiplies vectors and matrices; use * for a number")
    if len(a) > 2 or len(b) > 2:
        raise ShapeError("'@' multiplies vectors and matrices (at most 2 dimensions)")
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        hint = ""
        if len(a) == 2 and a[0] == inner_b:
            hint = " — transpose the first (A^T @ B)?"
        elif len(b) == 2 and b[-1] == inner_a:
            hint = " — transpose the second (A @ B^T)?"
        raise ShapeError(
            f"'@' cannot multiply {describe(a)} by {describe(b)}: the inner sizes "
            f"{inner_a} and {inner_b} differ{hint}"
        )
    out = a[:-1] + (b[1:] if len(b) == 2 else ())
    return _result(out, "'@'")


def _dim(node: Expr, shape: Shape, fn: str) -> int:
    if not (isinstance(node, Num) and float(node.value).is_integer()):
        raise ShapeError(f"the dimension of {fn}(..., dim) is a whole number: 0, 1, ... or -1")
    d = int(node.value)
    if not shape or not -len(shape) <= d < len(shape):
        raise ShapeError(f"{fn}: {describe(shape)} has no dimension {d}")
    return d % len(shape)


def infer(node: Expr, shapes: Mapping[str, Shape]) -> Shape:
    """The shape of ``node``'s value per point; names missing from ``shapes`` are numbers."""
    if isinstance(node, Num):
        return ()
    if isinstance(node, Name):
        return shapes.get(node.name, ())
    if isinstance(node, Neg | Call):
        return infer(node.arg, shapes)
    if isinstance(node, BinOp):
        left, right = infer(node.left, shapes), infer(node.right, shapes)
        if node.op == "@":
            return matmul(left, right)
        if node.op == "^" and right:
            raise ShapeError("an exponent is a number, not a tensor (W^T is the transpose)")
        if not left and not right:
            return ()
        return broadcast(left, right, node.op)
    if isinstance(node, Transpose):
        shape = infer(node.arg, shapes)
        if not shape:
            raise ShapeError("^T transposes a vector or matrix; this is a number")
        return shape if len(shape) == 1 else shape[:-2] + (shape[-1], shape[-2])
    if isinstance(node, Index):
        shape = infer(node.base, shapes)
        if len(node.indices) > len(shape):
            raise ShapeError(
                f"{len(node.indices)} indices for {describe(shape)} (one per dimension)"
            )
        for i, size in zip(node.indices, shape, strict=False):
            if not -size <= i < size:
                raise ShapeError(
                    f"index {i} is out of range for a size of {size} (0 to {size - 1})"
                )
        return shape[len(node.indices) :]
    if isinstance(node, Literal):
        rows = [infer(item, shapes) for item in node.items]
        odd = next((i for i, r in enumerate(rows) if r != rows[0]), None)
        if odd is not None:
            first = _row_size(rows[0]).replace(
                " entries", ""
            )  # row 2 has 4 entries but row 1 has 3
            raise ShapeError(
                f"row {odd + 1} {_row_size(rows[odd])} but row 1 {first}: "
                "every row needs the same number of entries"
            )
        return _result((len(rows), *rows[0]), "the tensor written out")
    assert isinstance(node, Apply)
    return _apply(node, [infer(a, shapes) for a in node.args])


def _row_size(shape: Shape) -> str:
    """``has 3 entries`` (a row of numbers), ``is a number``, ``is a 2×2 matrix``."""
    if len(shape) == 1:
        return f"has {shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"
    return f"is {describe(shape)}"


def _apply(node: Apply, args: list[Shape]) -> Shape:
    fn = node.fn
    first = args[0]
    if fn in ("sum", "mean"):
        if len(args) == 1:
            return ()
        d = _dim(node.args[1], first, fn)
        return first[:d] + first[d + 1 :]
    if fn in ("softmax", "log_softmax"):
        if not first:
            raise ShapeError(f"{fn} needs a vector (of scores), not a number")
        if len(args) == 2:
            _dim(node.args[1], first, fn)
        return first
    if fn == "outer":
        if len(first) != 1 or len(args[1]) != 1:
            raise ShapeError(
                f"outer(u, v) takes two vectors, not {describe(first)} and {describe(args[1])}"
            )
        return _result((first[0], args[1][0]), "outer")
    if fn == "mse":
        broadcast(first, args[1], "mse")
        if first != args[1]:
            raise ShapeError(
                f"mse(y, t) compares tensors of one shape, not {describe(first)} "
                f"and {describe(args[1])}"
            )
        return ()
    # cross_entropy(logits, k)
    if not first or len(first) > 2:
        raise ShapeError("cross_entropy(logits, k) takes a vector of logits (or a batch: N×C)")
    want = first[:-1]
    k = node.args[1]
    if isinstance(k, Num) and not (k.value.is_integer() and 0 <= k.value < first[-1]):
        raise ShapeError(
            f"cross_entropy: the class index is a whole number from 0 to {first[-1] - 1} "
            f"(there are {first[-1]} classes), not {k.value:g}"
        )
    if args[1] != want:
        raise ShapeError(
            f"cross_entropy: the class index k must be {describe(want)} for logits of "
            f"{describe(first)}, not {describe(args[1])}"
        )
    return ()
