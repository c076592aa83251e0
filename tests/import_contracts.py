"""An import-linter contract that import-linter does not ship: no module imports itself back.

``acyclic_siblings`` checks packages (app.agreements against app.goals); this checks modules,
counting the imports made inside functions too, so an import hidden in a function to dodge a
cycle breaks it. A cycle is reported as the chain of imports that closes it.
"""

import itertools
from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _cycles(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = []

        def enter(module: str, work: list[tuple[str, list[str]]] = work) -> None:
            index[module] = low[module] = len(index)
            stack.append(module)
            on_stack.add(module)
            work.append((module, sorted(graph.find_modules_directly_imported_by(module)
                                        & modules)))

        enter(root)
        while work:
            module, todo = work[-1]
            if todo:
                imported = todo.pop()
                if imported not in index:
                    enter(imported)
                elif imported in on_stack:
                    low[module] = min(low[module], index[imported])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    containers = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules: set[str] = set()
        for container in self.containers:  # type: ignore[attr-defined]
            modules |= {container.name} | graph.find_descendants(container.name)
        cycles = []
        for component in _cycles(graph, modules):
            first = component[0]
            back = next(m for m in sorted(graph.find_modules_that_directly_import(first))
                        if m in component)
            chain = graph.find_shortest_chain(importer=first, imported=back) or (first, back)
            cycles.append((len(component), [*chain, first]))
        return ContractCheck(kept=not cycles, warnings=[], metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        cycles: list[Any] = check.metadata["cycles"]
        for size, chain in cycles:
            output.print_error(f"{size} modules import each other in a circle, e.g.:")
            for importer, imported in itertools.pairwise(chain):
                output.indent_cursor()
                output.print_error(f"{importer} -> {imported}", bold=False)
            output.new_line()
