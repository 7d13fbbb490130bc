"""Semantic cross-check of a clean Python merge: what each side did right, together wrong.

The check stage proves that every change of both sides is in the output and that it
compiles. Two changes can still clash in meaning when they touch different lines:

- **arity**: one side removes a parameter from a function and updates every call; the
  other side adds a call with the old arity. The output calls ``f(a, b)`` where
  ``f`` takes one argument, and neither input did.
- **dead change**: one side changes how a local variable is computed; the other side
  removes the last read of that variable. The output computes the new value and never
  uses it, so the first side's change has no effect.

Both are reported as warnings (``MergeResult.warnings``): the outcome stays clean,
because both findings rest on a guess about how names resolve at run time (a decorator,
an instance attribute, a subclass). To keep false alarms rare, only what the stdlib
``ast`` shows without doubt is judged, and a finding is reported only when the output
has it and no input (base, left or right) had it already.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cached_property

from smartmerge import lazy_logging
from smartmerge.deadline import in_time
from smartmerge.errors import MergeTimeout
from smartmerge.parsing.python_scopes import syntax_tree
from smartmerge.records import field, mutable_record, record
from smartmerge.textlines import split_lines

log = lazy_logging.getLogger(__name__)  # logging is imported only if a record can be seen

# decorators that leave a method's call signature as ``ast`` shows it (any other
# decorator may add, remove or inject parameters: mock.patch, click, pytest fixtures)
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod"})
# calls that read a function's locals by name: its variables are all live (vars only
# without an argument: vars(obj) reads obj)
_DYNAMIC_READS = frozenset({"locals", "vars", "eval", "exec"})
# before a called name: no name or attribute goes on, and no def or class line defines it
_NOT_DEFINED_HERE = r"(?<![\w.])(?<!def )(?<!class )"
# the longest call text quoted in a warning
_MAX_QUOTE = 60

_Position = tuple[int, int]


@record
class _Signature:
    """What ``ast`` says a function accepts."""

    positional: tuple[str, ...]  # positional-only first, then positional-or-keyword
    positional_only: int
    defaults: int
    varargs: bool
    keyword_only: tuple[str, ...]
    required_keywords: frozenset[str]
    varkw: bool

    @classmethod
    def of(cls, args: ast.arguments) -> _Signature:
        positional = tuple(a.arg for a in (*args.posonlyargs, *args.args))
        required = frozenset(a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None)
        return cls(
            positional, len(args.posonlyargs), len(args.defaults), args.vararg is not None,
            tuple(a.arg for a in args.kwonlyargs), required, args.kwarg is not None,
        )

    def without_receiver(self) -> _Signature | None:
        """The signature as seen through ``self.m`` or ``cls.m`` (None: it takes no receiver)."""
        if not self.positional:
            return None
        return _Signature(
            self.positional[1:], max(0, self.positional_only - 1), min(self.defaults, len(self.positional) - 1),
            self.varargs, self.keyword_only, self.required_keywords, self.varkw,
        )

    def problem(self, call: ast.Call) -> str | None:
        """Why ``call`` cannot bind to this signature, in Python's own words, or None."""
        starred = any(isinstance(a, ast.Starred) for a in call.args)
        double_starred = any(k.arg is None for k in call.keywords)
        given = sum(not isinstance(a, ast.Starred) for a in call.args)
        if given > len(self.positional) and not self.varargs:
            takes = len(self.positional)
            were = "was" if given == 1 else "were"
            return f"takes {takes} positional argument{'' if takes == 1 else 's'} but {given} {were} given"
        by_keyword = [k.arg for k in call.keywords if k.arg is not None]
        for name in by_keyword:
            if name in self.positional[self.positional_only:]:
                if self.positional.index(name) < given:
                    return f"got multiple values for argument '{name}'"
            elif name not in self.keyword_only and not self.varkw:
                return f"got an unexpected keyword argument '{name}'"
        if starred or double_starred:
            return None  # how many arguments arrive is known only at run time
        required = self.positional[given: len(self.positional) - self.defaults]
        missing = [name for name in required if name not in by_keyword]
        missing += sorted(self.required_keywords - set(by_keyword))
        if missing:
            return f"missing {len(missing)} required argument{'' if len(missing) == 1 else 's'}: {', '.join(missing)}"
        return None


@mutable_record
class _Class:
    qualname: str
    bindings: Counter[str] = field(default_factory=Counter)
    # name -> signature and whether it is a staticmethod; None: decorated otherwise
    methods: dict[str, tuple[_Signature, bool] | None] = field(default_factory=dict)
    # attributes some method assigns on its receiver: they may shadow a method
    instance_attributes: set[str] = field(default_factory=set)

    def method(self, name: str) -> tuple[_Signature, bool] | None:
        if self.bindings[name] != 1 or name in self.instance_attributes:
            return None
        return self.methods.get(name)


@record
class _Store:
    """``name = value`` (or ``name: T = value``) as a statement of a function."""

    name: str
    statement: ast.Assign | ast.AnnAssign
    # the outermost loop around it within the function: a read anywhere in it may follow
    loop: ast.stmt | None


@mutable_record
class _Function:
    qualname: str
    owner: _Class | None = None  # the class whose body defines it (a method)
    receiver: str | None = None  # its first parameter, unless it is a staticmethod
    is_classmethod: bool = False
    bound: set[str] = field(default_factory=set)  # parameters and every name it binds
    assigned: set[str] = field(default_factory=set)  # names it binds other than parameters
    declared: set[str] = field(default_factory=set)  # global and nonlocal names
    reads: dict[str, list[_Position]] = field(default_factory=dict)
    closure_reads: set[str] = field(default_factory=set)  # read by a nested function or lambda
    stores: list[_Store] = field(default_factory=list)
    dynamic: bool = False  # calls locals(), vars(), eval() or exec()

    def stores_of(self, name: str) -> list[_Store]:
        return [s for s in self.stores if s.name == name]

    def is_read_after(self, store: _Store) -> bool:
        """Conservatively: may the value ``store`` assigns be read later?"""
        name = store.name
        if name in self.closure_reads or name in self.declared or self.dynamic:
            return True
        stmt = store.statement
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        loop = store.loop
        span = (loop.lineno, loop.end_lineno or loop.lineno) if loop is not None else None
        for position in self.reads.get(name, ()):
            if position > end or (span is not None and span[0] <= position[0] <= span[1]):
                return True
        return False


@record
class _Call:
    node: ast.Call
    scopes: tuple[_Function, ...]  # the functions around it, innermost last
    in_class_body: bool


@record
class _Mismatch:
    key: tuple[str, str]  # callee's qualified name, the call as ast.dump shows it
    line: int
    call: ast.Call
    callee: str
    problem: str


def _prefix(scopes: tuple[_Function, ...], cls: _Class | None) -> str:
    """The start of the qualified name of a function or class defined there."""
    return cls.qualname + "." if cls is not None else (scopes[-1].qualname + ".<locals>." if scopes else "")


def _bind_parameters(function: _Function, args: ast.arguments) -> None:
    function.bound.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
    function.bound.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)


class _Walker:
    """What a module (or one of its functions) says about functions, calls and local variables."""

    def __init__(self) -> None:
        self.bindings: Counter[str] = Counter()  # module-level bindings by name
        self.functions: dict[str, _Function] = {}
        self.repeated: set[str] = set()  # qualified names defined more than once
        self.defs: dict[str, _Signature | None] = {}  # module-level functions
        self.classes: dict[str, _Class] = {}  # module-level classes without decorators or metaclass
        self.calls: list[_Call] = []

    @classmethod
    def module(cls, tree: ast.Module) -> _Walker:
        walker = cls()
        walker._visit_body(tree.body, (), None, None)
        return walker

    @classmethod
    def function(cls, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str) -> _Walker:
        """One definition on its own: its local variables, not how its calls resolve."""
        walker = cls()
        walker._visit_function(node, (), None, qualname)
        return walker

    # --- collecting

    def _bind(self, name: str, scopes: tuple[_Function, ...], cls: _Class | None) -> None:
        if cls is not None:
            cls.bindings[name] += 1
        elif scopes:
            scopes[-1].bound.add(name)
            scopes[-1].assigned.add(name)
        else:
            self.bindings[name] += 1

    def _visit_body(self, body: list[ast.stmt], scopes: tuple[_Function, ...], cls: _Class | None, loop: ast.stmt | None) -> None:
        for stmt in body:
            self._visit(stmt, scopes, cls, loop)

    def _visit(self, node: ast.AST, scopes: tuple[_Function, ...], cls: _Class | None, loop: ast.stmt | None) -> None:
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self._visit_function(node, scopes, cls)
                return
            case ast.ClassDef():
                self._visit_class(node, scopes, cls)
                return
            case ast.Lambda():
                self._visit_lambda(node, scopes)
                return
            case ast.Name(id=name, ctx=ctx):
                if isinstance(ctx, ast.Load):
                    self._read(name, (node.lineno, node.col_offset), scopes)
                else:
                    self._bind(name, scopes, cls)
                return
            case ast.Attribute(value=ast.Name(id=receiver), attr=attr, ctx=ast.Store() | ast.Del()):
                # self.m = ... in a method (or a function nested in one) may shadow the method m
                for scope in scopes:
                    if scope.owner is not None and scope.receiver == receiver:
                        scope.owner.instance_attributes.add(attr)
            case ast.Call(func=ast.Name(id=callee), args=args) if callee in _DYNAMIC_READS and not (callee == "vars" and args):
                for scope in scopes:
                    scope.dynamic = True
                self.calls.append(_Call(node, scopes, cls is not None))
            case ast.Call():
                self.calls.append(_Call(node, scopes, cls is not None))
            case ast.Import() | ast.ImportFrom():
                for alias in node.names:
                    if alias.name != "*":
                        self._bind(alias.asname or alias.name.split(".")[0], scopes, cls)
                return
            case ast.Global() | ast.Nonlocal():
                if scopes:
                    scopes[-1].declared.update(node.names)
                if isinstance(node, ast.Global):
                    # a function may rebind these module names at any time
                    self.bindings.update({name: 2 for name in node.names})
                return
            case ast.AugAssign(target=ast.Name(id=name)):
                self._read(name, (node.lineno, node.col_offset), scopes)
            case ast.Assign(targets=[ast.Name(id=name)]) | ast.AnnAssign(target=ast.Name(id=name), value=ast.expr()) if (
                scopes and cls is None
            ):
                assert isinstance(node, ast.Assign | ast.AnnAssign)  # for mypy: the pattern says so
                scopes[-1].stores.append(_Store(name, node, loop))
            case ast.For() | ast.AsyncFor() | ast.While() if scopes and cls is None:
                loop = loop or node
        for child in ast.iter_child_nodes(node):
            self._visit(child, scopes, cls, loop)

    def _read(self, name: str, position: _Position, scopes: tuple[_Function, ...]) -> None:
        if not scopes:
            return
        scopes[-1].reads.setdefault(name, []).append(position)
        for outer in scopes[:-1]:
            outer.closure_reads.add(name)

    def _visit_arguments(self, args: ast.arguments, scopes: tuple[_Function, ...], cls: _Class | None) -> None:
        # defaults and annotations are evaluated where the function is defined
        for expr in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self._visit(expr, scopes, cls, None)

    def _register(self, function: _Function) -> None:
        if function.qualname in self.functions:
            self.repeated.add(function.qualname)
        self.functions[function.qualname] = function

    def _visit_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scopes: tuple[_Function, ...], cls: _Class | None,
        qualname: str | None = None,
    ) -> None:
        for decorator in node.decorator_list:
            self._visit(decorator, scopes, cls, None)
        self._visit_arguments(node.args, scopes, cls)
        self._bind(node.name, scopes, cls)
        decorators = {d.id if isinstance(d, ast.Name) else "" for d in node.decorator_list}
        plain = decorators <= _PLAIN_DECORATORS
        signature = _Signature.of(node.args) if plain else None
        function = _Function(qualname or _prefix(scopes, cls) + node.name)
        _bind_parameters(function, node.args)
        if cls is not None:
            function.owner = cls
            static = "staticmethod" in decorators
            function.is_classmethod = "classmethod" in decorators
            positional = [*node.args.posonlyargs, *node.args.args]
            function.receiver = positional[0].arg if positional and not static else None
            if node.name not in cls.methods or not plain:
                cls.methods[node.name] = (signature, static) if signature is not None else None
        elif not scopes:
            self.defs[node.name] = signature
        self._register(function)
        self._visit_body(node.body, (*scopes, function), None, None)

    def _visit_lambda(self, node: ast.Lambda, scopes: tuple[_Function, ...]) -> None:
        self._visit_arguments(node.args, scopes, None)
        # a lambda is a scope of its own, read when it is called: its reads are closure reads
        scope = _Function(f"<lambda:{node.lineno}>")
        _bind_parameters(scope, node.args)
        self._visit(node.body, (*scopes, scope), None, None)

    def _visit_class(self, node: ast.ClassDef, scopes: tuple[_Function, ...], cls: _Class | None) -> None:
        for expr in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self._visit(expr, scopes, cls, None)
        self._bind(node.name, scopes, cls)
        new = _Class(_prefix(scopes, cls) + node.name)
        if not scopes and cls is None and not node.decorator_list and not node.keywords:
            # calling it runs __init__, unless a decorator or metaclass says otherwise
            self.classes[node.name] = new
        self._visit_body(node.body, scopes, new, None)

    # --- judging

    def mismatches(self) -> list[_Mismatch]:
        """Calls that resolve to a function of this module by name and cannot bind to it."""
        found = []
        for call in self.calls:
            resolved = self._resolve(call)
            if resolved is None:
                continue
            callee, signature = resolved
            problem = signature.problem(call.node)
            if problem is not None:
                key = (callee, ast.dump(call.node))
                found.append(_Mismatch(key, call.node.lineno, call.node, callee, problem))
        return found

    def _resolve(self, call: _Call) -> tuple[str, _Signature] | None:
        if call.in_class_body:
            return None
        match call.node.func:
            case ast.Name(id=name):
                if any(name in scope.bound for scope in call.scopes) or self.bindings[name] != 1:
                    return None
                signature = self.defs.get(name)
                if signature is not None:
                    return name, signature
                return self._constructor(name)
            case ast.Attribute(value=ast.Name(id=receiver), attr=attr) if call.scopes:
                caller = call.scopes[-1]
                if caller.owner is None or caller.receiver != receiver or receiver in caller.assigned:
                    return None
                method = caller.owner.method(attr)
                if method is None:
                    return None
                signature, static = method
                if static:
                    return f"{caller.owner.qualname}.{attr}", signature
                target = self.functions.get(f"{caller.owner.qualname}.{attr}")
                if caller.is_classmethod and (target is None or not target.is_classmethod):
                    return None  # cls.m of an instance method: the caller passes the instance
                bound = signature.without_receiver()
                return (f"{caller.owner.qualname}.{attr}", bound) if bound is not None else None
        return None

    def _constructor(self, name: str) -> tuple[str, _Signature] | None:
        """``C(...)`` of a plain module-level class that defines ``__init__`` and no ``__new__``."""
        cls = self.classes.get(name)
        if cls is None or cls.bindings["__new__"]:
            return None
        init = cls.method("__init__")
        if init is None or init[1]:
            return None
        bound = init[0].without_receiver()
        return (f"{cls.qualname}.__init__", bound) if bound is not None else None



def _quote(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 3] + "..."


@record
class _Definition:
    """A function or method of a module (not one nested in a function), as written."""

    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    header: str  # decorators and signature
    text: str

    def called_in(self, side: _Side) -> bool:
        """Does the side call it the ways the check resolves calls: ``f(``, ``C(`` for
        ``C.__init__``, or ``self.m(`` through the method's receiver?"""
        *owners, name = self.qualname.split(".")
        if not owners:
            return name in side.called
        if name == "__init__":
            return owners[-1] in side.called
        positional = [*self.node.args.posonlyargs, *self.node.args.args]
        receivers = {"self", "cls"} | ({positional[0].arg} if positional else set())
        return any((receiver, name) in side.methods_called for receiver in receivers)


def _definitions(tree: ast.Module, text: str) -> dict[str, _Definition]:
    """Functions and methods by qualified name; a name defined twice is left out."""
    lines = split_lines(text)
    found: dict[str, _Definition] = {}
    repeated: set[str] = set()
    bodies: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while bodies:
        prefix, body = bodies.pop()
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                bodies.append((f"{prefix}{stmt.name}.", stmt.body))
            elif isinstance(stmt, ast.If | ast.Try | ast.With):
                # definitions under `if TYPE_CHECKING:`, `try:` or a `with` block: the
                # same names; a name defined in two branches counts as repeated
                for part in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                    bodies.append((prefix, part))
                bodies.extend((prefix, handler.body) for handler in getattr(stmt, "handlers", []))
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = prefix + stmt.name
                if qualname in found:
                    repeated.add(qualname)
                start = min((d.lineno for d in stmt.decorator_list), default=stmt.lineno)
                body_start = max(stmt.body[0].lineno, stmt.lineno + 1)
                end = stmt.end_lineno or stmt.lineno
                found[qualname] = _Definition(
                    qualname, stmt, "".join(lines[start - 1 : body_start - 1]), "".join(lines[start - 1 : end])
                )
    return {name: d for name, d in found.items() if name not in repeated}


def _arity_warnings(mismatches: list[_Mismatch], revisions: list[_Walker]) -> list[tuple[int, str]]:
    before: Counter[tuple[str, str]] = Counter()
    for revision in revisions:
        before |= Counter(m.key for m in revision.mismatches())  # | keeps the larger count
    seen: Counter[tuple[str, str]] = Counter()
    found = []
    for mismatch in mismatches:
        seen[mismatch.key] += 1
        if seen[mismatch.key] > before[mismatch.key]:
            found.append((mismatch.line, (
                f"line {mismatch.line}: {_quote(mismatch.call)} does not fit {mismatch.callee}(): {mismatch.problem}; "
                "one side changed the function, the other wrote this call for the old one"
            )))
    return found


@record
class _DeadStore:
    definition: str  # the qualified name of the module's definition that holds it
    function: str  # the qualified name of the function (the definition or one nested in it)
    store: _Store
    index: int  # among the function's stores to the same name


def _dead_stores(definition: _Definition) -> list[_DeadStore]:
    """Assignments in ``definition`` (and functions nested in it) whose value nothing reads afterwards."""
    walker = _Walker.function(definition.node, definition.qualname)
    found = []
    for qualname, function in walker.functions.items():
        if qualname in walker.repeated:
            continue
        counts: Counter[str] = Counter()
        for store in function.stores:
            index = counts[store.name]
            counts[store.name] += 1
            if store.name != "_" and not function.is_read_after(store):
                found.append(_DeadStore(definition.qualname, qualname, store, index))
    return found


def _dead_change_warnings(dead: list[_DeadStore], revisions: list[dict[str, _Definition]]) -> list[tuple[int, str]]:
    # each revision's definition walked once, however many candidates it holds (the
    # walk is only read afterwards)
    walkers: dict[tuple[int, str], _Walker | None] = {}

    def walked(index: int, qualname: str) -> _Walker | None:
        if (index, qualname) not in walkers:
            definition = revisions[index].get(qualname)
            walkers[(index, qualname)] = _Walker.function(definition.node, definition.qualname) if definition is not None else None
        return walkers[(index, qualname)]

    found = []
    for candidate in dead:
        functions = []
        for index in range(len(revisions)):
            walker = walked(index, candidate.definition)
            function = walker.functions.get(candidate.function) if walker is not None else None
            if walker is None or function is None or candidate.function in walker.repeated:
                break
            functions.append(function)
        else:
            found += _dead_change(candidate, functions[0], functions[1], functions[2])
    return found


def _dead_change(candidate: _DeadStore, base: _Function, left: _Function, right: _Function) -> list[tuple[int, str]]:
    """The warning when one side changed the value and the other removed its last read."""
    name, index = candidate.store.name, candidate.index
    stores = [f.stores_of(name) for f in (base, left, right)]
    if len({len(s) for s in stores}) != 1 or len(stores[0]) <= index:
        return []
    base_store, left_store, right_store = (s[index] for s in stores)
    value = ast.dump(candidate.store.statement)
    base_value = ast.dump(base_store.statement)
    if value == base_value or not base.is_read_after(base_store):
        return []
    for changer, (changed_fn, changed), other, (kept_fn, kept) in (
        ("left", (left, left_store), "right", (right, right_store)),
        ("right", (right, right_store), "left", (left, left_store)),
    ):
        if (
            ast.dump(changed.statement) == value and ast.dump(kept.statement) == base_value
            and changed_fn.is_read_after(changed) and not kept_fn.is_read_after(kept)
        ):
            line = candidate.store.statement.lineno
            return [(line, (
                f"line {line}: {changer} changed the value of {name!r} in {candidate.function}() and {other} "
                "removed its last read; the new value is never used"
            ))]
    return []


def semantic_warnings(base: str, left: str, right: str, merged: str) -> tuple[str, ...]:
    """Warnings about ``merged``, a clean merge of ``left`` and ``right`` from ``base``:
    calls that no longer fit their function, changes whose value nothing reads any more.
    Only what no input already had. Never raises: a text that does not parse has none."""
    try:
        return _warnings(base, left, right, merged)
    except MergeTimeout:
        raise  # the merge's time limit (deadline.py): the caller decides
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    except Exception:  # a warning is advice: a bug here must never cost the merge
        log.warning("the semantic cross-check failed", exc_info=True)
        return ()


def _warnings(base: str, left: str, right: str, merged: str) -> tuple[str, ...]:
    """The output is parsed and its definitions listed; the deeper walks, and the inputs'
    parses, happen only where cheap text tests leave a finding possible. Each of them
    only while the merge's time lasts (MergeTimeout)."""
    in_time(_WHAT, len(merged))
    out_tree = _parse(merged)
    out_defs = _definitions(out_tree, merged)
    trees: dict[str, ast.Module] = {}

    def parsed(text: str) -> ast.Module:
        if text not in trees:
            in_time(_WHAT, len(text))
            trees[text] = _parse(text)
        return trees[text]

    found: list[tuple[int, str]] = []
    sides = {side: _Side(side) for side in (left, right)}
    # a call can stop fitting only if a side's version of its function has another
    # signature than the output's, and that side mentions the function being called
    if any(not sides[side].holds(d.header) and d.called_in(sides[side]) for d in out_defs.values() for side in (left, right)):
        in_time(_WHAT, len(merged))
        mismatches = _Walker.module(out_tree).mismatches()
        if mismatches:
            found += _arity_warnings(mismatches, [_Walker.module(parsed(text)) for text in (base, left, right)])
    # a value and its last read changed by different sides: the definition's text is
    # neither side's; an assignment whose every line base holds was not changed
    merged_lines = split_lines(merged)
    dead = [
        store for d in out_defs.values() if not sides[left].holds(d.text) and not sides[right].holds(d.text)
        for store in _dead_stores(d) if not _in_text(store.store.statement, merged_lines, base)
    ]
    if dead:
        in_time(_WHAT)
        found += _dead_change_warnings(dead, [_definitions(parsed(text), text) for text in (base, left, right)])
    return tuple(message for _, message in sorted(found))


# a name called as ``name(`` (not a definition's own line), and ``receiver.name(``:
# every occurrence in one pass over the text (identifiers are whole ``\w+`` runs, so the
# name found at each place is the one a search for that name would find there)
_CALL = re.compile(rf"{_NOT_DEFINED_HERE}(\w+)\s*\(")
_METHOD_CALL = re.compile(r"(?<![\w.])(\w+)\s*\.\s*(\w+)\s*\(")


class _Side:
    """What the warnings ask of a side's text, in time linear in the text: searching
    the whole text once for each of a module's thousands of definitions (is its
    header there, is it called) took seconds on a 50,000-line file."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts: dict[str, list[int]] = {}
        for index, line in enumerate(self.lines):
            self.starts.setdefault(line, []).append(index)

    @cached_property
    def called(self) -> frozenset[str]:
        return frozenset(match.group(1) for match in _CALL.finditer(self.text))

    @cached_property
    def methods_called(self) -> frozenset[tuple[str, str]]:
        return frozenset((match.group(1), match.group(2)) for match in _METHOD_CALL.finditer(self.text))

    def holds(self, piece: str) -> bool:
        wanted = split_lines(piece)
        if wanted:
            for start in self.starts.get(wanted[0], ()):
                if self.lines[start : start + len(wanted)] == wanted:
                    return True  # the same lines, so the same characters
        # not as whole lines here: it may still sit inside a longer line
        return piece in self.text


_WHAT = "the semantic cross-check"


def _parse(text: str) -> ast.Module:
    # python_scopes.syntax_tree keeps the last few trees: the check parsed the same texts
    # (it also silences the input's SyntaxWarnings). The trees are shared: read them only.
    tree = syntax_tree(text)
    if tree is None:
        raise SyntaxError("does not parse")
    return tree


def _in_text(statement: ast.stmt, lines: list[str], text: str) -> bool:
    """Does ``text`` hold each line of the statement (without its indentation)?"""
    end = statement.end_lineno or statement.lineno
    return all(line.strip() in text for line in lines[statement.lineno - 1 : end])
