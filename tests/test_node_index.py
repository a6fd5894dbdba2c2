"""The module's one shared walk (auditor/analysis/nodeindex.py) and the readers moved onto it.

Each reader used to walk the module itself; these tests hold the index to what those walks saw:
the same nodes (names, constants and aliases aside), in source order, with the parent, the
enclosing def/class/lambda and the scope each walk gave, on realistic code and on code deep enough
to exhaust a recursive walk."""

from __future__ import annotations

import ast
import textwrap

import pytest

from auditor.analysis import modindex
from auditor.analysis.configfields import _attribute_sets
from auditor.analysis.nodeindex import LEAVES, NodeIndex, children, node_index, scope_in
from auditor.analysis.resolve import Resolver
from auditor.config.catalog import load_catalog

SOURCE = textwrap.dedent(
    '''
    import functools
    from openai import OpenAI

    client = OpenAI()
    retry = functools.partial(client.chat.completions.create, model="gpt-4o")


    def log(fn):
        return fn


    @log
    def summarise(texts, model="gpt-4o-mini", **params):
        prompts = [f"Summarise: {t.strip()}" for t in texts if t]
        pick = lambda r: r.choices[0].message.content.strip()

        class Local:
            size = len(prompts)

            def ask(self, p):
                return client.chat.completions.create(model=model, messages=[{"role": "user", "content": p}], **params)

        out = {p: pick(Local().ask(p)) for p in prompts}
        match out:
            case {"a": value}:
                print(value.upper())
            case _:
                pass
        return out


    async def stream(prompt):
        async with client.with_options(timeout=30) as c:
            async for chunk in await c.chat.completions.create(model="gpt-4o", messages=[prompt], stream=True):
                yield chunk.choices[0].delta


    class Service:
        default = OpenAI(max_retries=2)

        def run(self, items):
            return [self.call(i) for i in sorted(items, key=lambda x: x.rank())]

        def call(self, item):
            return self.default.responses.create(model="o3", input=str(item))
    '''
)


def _preorder(tree: ast.AST) -> list[ast.AST]:
    """The reference: a recursive pre-order walk through ``ast.iter_child_nodes``, leaves and the
    shared context/operator singletons left out."""
    out: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if type(child) not in LEAVES and not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)):
                visit(child)

    visit(tree)
    return out


def _resolver(src: str) -> Resolver:
    return Resolver(ast.parse(src), "app.llm", load_catalog().providers(), src.splitlines())


def _call(idx: NodeIndex, text: str, tree_src: str) -> ast.Call:
    hits = [c for c in idx.of_type(ast.Call) if ast.get_source_segment(tree_src, c) == text]
    assert len(hits) == 1, (text, len(hits))
    return hits[0]


def test_nodes_in_source_order_with_parents():
    tree = ast.parse(SOURCE)
    idx = NodeIndex(tree)
    ref = _preorder(tree)
    assert [id(n) for n in idx.nodes] == [id(n) for n in ref]
    for i, node in enumerate(idx.nodes[1:], 1):
        assert node in list(ast.iter_child_nodes(idx.nodes[idx.parent[i]]))
    calls = idx.of_type(ast.Call)
    assert {id(c) for c in calls} == {id(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    body = [c for c in calls if c.lineno > 13]  # past the decorated def: its decorators come after its body (the fields' order)
    assert [(c.lineno, c.col_offset) for c in body] == sorted((c.lineno, c.col_offset) for c in body)
    both = idx.of_type(ast.FunctionDef, ast.AsyncFunctionDef)
    assert [f.name for f in both] == ["log", "summarise", "ask", "stream", "run", "call"]  # merged in source order


def test_subtree_is_what_ast_walk_sees():
    tree = ast.parse(SOURCE)
    idx = NodeIndex(tree)
    for fn in idx.of_type(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.DictComp):
        walked = {id(n) for n in ast.walk(fn) if type(n) not in LEAVES and not isinstance(n, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop))}
        assert {id(n) for n in idx.subtree(fn)} == walked
        assert all(idx.contains(fn, n) for n in idx.subtree(fn))
        calls = idx.below(fn, ast.Call)
        assert {id(idx.nodes[i]) for i in calls} == {id(n) for n in ast.walk(fn) if isinstance(n, ast.Call)}
        assert idx.holds(fn, ast.Call) == bool(calls)
    stream = next(f for f in idx.of_type(ast.AsyncFunctionDef))
    summarise = next(f for f in idx.of_type(ast.FunctionDef) if f.name == "summarise")
    assert not idx.contains(stream, summarise) and not idx.contains(summarise, stream)
    assert idx.holds(ast.Name(id="x"), ast.Call) is False  # a leaf holds nothing
    built = ast.Call(func=ast.Name(id="f"), args=[], keywords=[])
    assert idx.holds(built, ast.Call) and idx.subtree(built)[0] is built  # not of this tree: walked as asked


def test_owners_are_the_nearest_def_class_or_lambda():
    tree = ast.parse(SOURCE)
    idx = NodeIndex(tree)
    owner = {id(c): o for c, o in idx.with_owner(ast.Call)}
    assert owner[id(_call(idx, "OpenAI()", SOURCE))] is None  # module level
    assert owner[id(_call(idx, "r.choices[0].message.content.strip()", SOURCE))].__class__ is ast.Lambda
    assert owner[id(_call(idx, "len(prompts)", SOURCE))].name == "Local"  # a class inside a function
    ask = _call(idx, 'client.chat.completions.create(model=model, messages=[{"role": "user", "content": p}], **params)', SOURCE)
    assert owner[id(ask)].name == "ask"
    assert [o.name for o in idx.owner_chain(owner[id(ask)])] == ["ask", "Local", "summarise"]
    assert owner[id(_call(idx, "t.strip()", SOURCE))].name == "summarise"  # a comprehension is not an owner
    assert owner[id(_call(idx, "x.rank()", SOURCE))].__class__ is ast.Lambda
    assert owner[id(_call(idx, 'OpenAI(max_retries=2)', SOURCE))].name == "Service"
    assert owner[id(_call(idx, "value.upper()", SOURCE))].name == "summarise"  # inside a match case


def test_scope_in_matches_the_resolver():
    r = _resolver(SOURCE)
    idx = node_index(r)
    assert node_index(r) is idx  # built once per module
    scopes = {id(c): scope_in(r, o) for c, o in idx.with_owner(ast.Call)}
    assert scopes[id(_call(idx, "OpenAI()", SOURCE))] is r.module_scope
    pick = _call(idx, "r.choices[0].message.content.strip()", SOURCE)
    assert scopes[id(pick)].name == "summarise"  # lambdas have no scope of their own: the one around
    ask = _call(idx, 'client.chat.completions.create(model=model, messages=[{"role": "user", "content": p}], **params)', SOURCE)
    assert scopes[id(ask)].name == "ask" and scopes[id(ask)].cls.name == "Local"
    call = _call(idx, 'self.default.responses.create(model="o3", input=str(item))', SOURCE)
    assert scopes[id(call)].self_name == "self" and scopes[id(call)].cls.name == "Service"


def test_deep_code_does_not_exhaust_the_stack():
    depth = 700  # about what CPython's parser itself accepts
    src = "x = " + " + ".join(f"f{i}(a)" for i in range(depth)) + "\n"
    src += "def g():\n" + "".join("    " * (k + 1) + "if a:\n" for k in range(90)) + "    " * 91 + "return h(a)\n"
    tree = ast.parse(src)
    idx = NodeIndex(tree)
    calls = idx.of_type(ast.Call)
    assert len(calls) == depth + 1
    assert [c.func.id for c in calls[:3]] == ["f0", "f1", "f2"]  # source order, however deep the BinOp chain
    g = idx.of_type(ast.FunctionDef)[0]
    assert [idx.nodes[i].func.id for i in idx.below(g, ast.Call)] == ["h"]
    assert idx.owner_of(calls[-1]) is g
    # deeper than any recursive walk survives (a generated tree: the parser stops earlier)
    expr: ast.expr = ast.Call(func=ast.Name(id="f"), args=[], keywords=[])
    for _ in range(50_000):
        expr = ast.Call(func=ast.Attribute(value=expr, attr="then"), args=[], keywords=[])
    deep = NodeIndex(ast.Module(body=[ast.Expr(value=expr)], type_ignores=[]))
    assert len(deep.of_type(ast.Call)) == 50_001
    assert deep.end[0] == len(deep.nodes) and deep.contains(expr, deep.of_type(ast.Call)[-1])


def test_leaves_are_not_indexed():
    idx = NodeIndex(ast.parse(SOURCE))
    with pytest.raises(AssertionError):
        idx.of_type(ast.Name)
    assert all(type(n) not in LEAVES for n in idx.nodes)
    assert children(ast.parse("a.b(c, *d, k=1)").body[0].value)[0].__class__ is ast.Attribute


def test_leaf_calls_from_the_index_equal_the_walk():
    """ModuleIndex's leaf-statement calls (the comprehension flag, compound headers only) read from the
    index are the ones, in the order, its own walk gave."""
    src = SOURCE + textwrap.dedent(
        '''
        for row in [load(p) for p in paths if ok(p)]:
            send(row, retries=[r for r in range(3)])
        while poll(client.jobs.retrieve(job_id)) and {k: v() for k, v in hooks}:
            time.sleep(backoff(1))
        with open(path) as f, lock(timeout=tick()):
            data = [json.loads(l) for l in f]
        '''
    )
    tree = ast.parse(src)
    idx = NodeIndex(tree)
    checked = 0
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.stmt):
            header = modindex._HEADERS.get(type(stmt))
            walked = modindex._calls_in(stmt, header)
            indexed = modindex._calls_in(stmt, header, idx)
            assert [(id(c), comp) for c, comp in indexed] == [(id(c), comp) for c, comp in walked]
            checked += bool(walked)
    assert checked > 12
    lines = src.splitlines()
    mi = modindex.ModuleIndex(tree, lines, idx)
    line = next(i for i, l in enumerate(lines, 1) if l.startswith("for row"))
    assert [(modindex.call_name(c), comp) for c, comp in mi.leaf_calls(line)] == [("ok", True), ("load", True)]  # the walk's order: later siblings first


def test_attribute_sets_answer_every_name_of_a_function_from_one_walk():
    src = textwrap.dedent(
        '''
        def build(extra):
            config = GenerateContentConfig(temperature=0)
            config.max_output_tokens = 512
            other = Options()
            other.num_predict = 64
            other.update(extra)
            def inner():
                config.top_k = 3  # a nested function's: not this one's
            return config, other
        '''
    )
    r = _resolver(src)
    fn = r.tree.body[0]
    scope = r.scope_of[fn]
    sets = _attribute_sets(scope, "config")
    assert [(a, ast.unparse(v)) for a, v in sets] == [("max_output_tokens", "512")]
    assert _attribute_sets(scope, "other") is None  # changed another way: its content is unknown
    assert _attribute_sets(scope, "missing") == []
    sets.append(("x", None))
    assert len(_attribute_sets(scope, "config")) == 1  # callers get their own list
