"""One walk over every node of a module, shared by the per-module analyses that used to walk it each.

The call-site finder, the parameter-caller lookups, the create-method hand-offs and the options-object
reads each walked the whole module (``ast.walk`` / ``ast.iter_child_nodes``, several times per module,
some once per question). :class:`NodeIndex` walks it once, iteratively (deep code must not exhaust the
stack), reading each node type's child fields from a table (no ``ast.iter_fields`` generators, and
never the shared ``Load``/``Store``/operator singletons), and keeps:

* every node in pre-order (source order, but for a def's decorators, which its fields list after the
  body), each with the index of its parent and its subtree's end, so a
  subtree is a slice (:meth:`NodeIndex.subtree`) and an ancestor test is two comparisons;
* the nodes of each type in that order with their *owner*: the nearest enclosing def, class or lambda
  (a def's decorators, defaults and annotations are owned by the def itself, as the walks it replaces
  scoped them).

:func:`node_index` builds it once per resolver (one per analysed module) and memoises it there.
"""

from __future__ import annotations

import ast
import bisect

OWNERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# shared singletons (ast.Load(), ast.Add()) never are what a reader looks for; the rest hold no node
_SKIP = {"ctx", "op", "ops", "id", "name", "attr", "arg", "level", "module", "conversion", "is_async", "simple", "type_comment", "asname", "kind"}
_FIELDS: dict[type, tuple[str, ...]] = {}
# not indexed: half the nodes of real code, and no reader looks for them here (read them from the nodes above)
LEAVES = frozenset({ast.Name, ast.Constant, ast.alias})


def _fields(t: type) -> tuple[str, ...]:
    fields = _FIELDS.get(t)
    if fields is None:
        fields = _FIELDS[t] = () if t is ast.Constant else tuple(f for f in t._fields if f not in _SKIP)
    return fields


class NodeIndex:
    """Every node of one tree, in source order, by type, with parents, owners and subtree ends."""

    def __init__(self, tree: ast.AST):
        self.tree = tree
        nodes: list[ast.AST] = []
        parent: list[int] = []
        owner: list[ast.AST | None] = []
        pos: dict[int, int] = {}
        by_type: dict[type, list[int]] = {}
        AST, OWN, fields_of, known, leaves = ast.AST, OWNERS, _fields, _FIELDS, LEAVES
        stack: list[tuple[ast.AST, int, ast.AST | None]] = [(tree, -1, None)]
        pop, push = stack.pop, stack.append
        while stack:
            node, up, own = pop()
            i = len(nodes)
            nodes.append(node)
            parent.append(up)
            owner.append(own)
            pos[id(node)] = i
            t = type(node)
            lst = by_type.get(t)
            if lst is None:
                by_type[t] = [i]
            else:
                lst.append(i)
            inner = node if t in OWN else own
            children: list[ast.AST] = []
            fields = known.get(t)
            if fields is None:
                fields = fields_of(t)
            for f in fields:
                v = getattr(node, f, None)
                if v.__class__ is list:
                    children += v
                elif v is not None:
                    children.append(v)
            for child in reversed(children):  # Dict keys and kw_defaults hold None
                if child.__class__ not in leaves and isinstance(child, AST):
                    push((child, i, inner))
        end = list(range(1, len(nodes) + 1))
        for i in range(len(nodes) - 1, 0, -1):  # children come after their parent: one pass back
            p = parent[i]
            if end[i] > end[p]:
                end[p] = end[i]
        self.nodes = nodes
        self.parent = parent
        self.owner = owner
        self.end = end
        self._pos = pos
        self._by_type = by_type

    def of_type(self, *types: type) -> list[ast.AST]:
        """The nodes of exactly these types (not subclasses, not :data:`LEAVES`), in source order."""
        return [self.nodes[i] for i in self._indices(types)]

    def with_owner(self, *types: type) -> list[tuple[ast.AST, ast.AST | None]]:
        """(node, its nearest enclosing def, class or lambda; None at module level), in source order."""
        nodes, owner = self.nodes, self.owner
        return [(nodes[i], owner[i]) for i in self._indices(types)]

    def _indices(self, types: tuple[type, ...]) -> list[int]:
        assert not LEAVES.intersection(types), "names, constants and aliases are not indexed"
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        out: list[int] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        out.sort()
        return out

    def holds(self, node: ast.AST, t: type) -> bool:
        """Is there a node of type ``t`` (exactly, not one of :data:`LEAVES`) in ``node``'s subtree (``node`` included)?"""
        i = self._pos.get(id(node))
        if i is None:
            return node.__class__ not in LEAVES  # not indexed: a leaf holds nothing; a node not of this tree, maybe
        found = self._by_type.get(t)
        if not found:
            return False
        k = bisect.bisect_left(found, i)
        return k < len(found) and found[k] < self.end[i]

    def position(self, node: ast.AST) -> int | None:
        """``node``'s place in :attr:`nodes` (None: not indexed)."""
        return self._pos.get(id(node))

    def below(self, node: ast.AST, t: type) -> list[int] | None:
        """Positions of the nodes of type ``t`` in ``node``'s subtree, in source order (None: ``node`` is not indexed)."""
        i = self._pos.get(id(node))
        if i is None:
            return None
        found = self._by_type.get(t) or []
        return found[bisect.bisect_left(found, i) : bisect.bisect_left(found, self.end[i])]

    def subtree(self, node: ast.AST) -> list[ast.AST]:
        """``node`` and everything below it but :data:`LEAVES`, in source order (``ast.walk``'s nodes, in another order)."""
        i = self._pos.get(id(node))
        if i is None:
            return list(ast.walk(node))  # not of this tree (a node built by the analysis)
        return self.nodes[i : self.end[i]]

    def contains(self, outer: ast.AST, inner: ast.AST) -> bool:
        """Is ``inner`` ``outer`` or below it?"""
        i, j = self._pos.get(id(outer)), self._pos.get(id(inner))
        if i is None or j is None:
            return any(n is inner for n in ast.walk(outer))
        return i <= j < self.end[i]

    def parent_of(self, node: ast.AST) -> ast.AST | None:
        i = self._pos.get(id(node))
        if i is None or self.parent[i] < 0:
            return None
        return self.nodes[self.parent[i]]

    def owner_of(self, node: ast.AST) -> ast.AST | None:
        i = self._pos.get(id(node))
        return self.owner[i] if i is not None else None

    def owner_chain(self, own: ast.AST | None):
        """``own`` and the defs, classes and lambdas around it, innermost first."""
        while own is not None:
            yield own
            own = self.owner_of(own)


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` as a list, without the shared context and operator singletons."""
    out: list[ast.AST] = []
    for f in _fields(type(node)):
        v = getattr(node, f, None)
        if v.__class__ is list:
            out.extend(x for x in v if isinstance(x, ast.AST))
        elif isinstance(v, ast.AST):
            out.append(v)
    return out


def node_index(r) -> NodeIndex:
    """The node index of the resolver's module, built on first use."""
    idx = r.__dict__.get("_node_index")
    if idx is None:
        idx = r.__dict__["_node_index"] = NodeIndex(r.tree)
    return idx


def scope_in(r, own: ast.AST | None, kinds: tuple[type, ...] = OWNERS):
    """The resolver's scope for a node owned by ``own``: the nearest enclosing def/class (of ``kinds``)
    that has a scope, else the module's."""
    idx = node_index(r)
    scope_of = r.scope_of
    for o in idx.owner_chain(own):
        if isinstance(o, kinds):
            s = scope_of.get(o)
            if s is not None:
                return s
    return r.module_scope
