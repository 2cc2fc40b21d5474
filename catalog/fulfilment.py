"""Fulfilment plans: the one check that a specification's steps form a plan that can run."""

from collections.abc import Iterable

# After-sales orders (a return, an exchange, a repair of a held product) choose their plan's steps by their
# kind; "loaner" steps run only for a repair that lends the customer a device meanwhile.
AFTERSALES_ACTIONS = ("return", "exchange", "repair")
LOANER = "loaner"
ITEM_ACTIONS = ("add", "modify", "delete", *AFTERSALES_ACTIONS, LOANER)


def plan_problems(steps: Iterable[dict]) -> list[str]:
    """What is wrong with a plan given as dicts with key, after (list) and actions (list); [] when fine.

    Keys are unique; actions are known; a step does not wait for itself; steps of the same plan
    do not wait for each other in a circle. ``after`` keys the plan lacks refer to other items of
    the order and are not checked here.
    """
    steps = list(steps)
    problems: list[str] = []
    keys = [step["key"] for step in steps]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        problems.append(f"Step keys must be unique: {', '.join(duplicates)}.")
    for step in steps:
        unknown = [action for action in step["actions"] if action not in ITEM_ACTIONS]
        if unknown or not step["actions"]:
            problems.append(f"Step '{step['key']}': actions must be among {', '.join(ITEM_ACTIONS)}.")
        if step["key"] in step["after"]:
            problems.append(f"Step '{step['key']}' cannot wait for itself.")
    graph = {step["key"]: [key for key in step["after"] if key in keys] for step in steps}
    visiting, done = set(), set()

    def cycle_from(key: str) -> bool:
        if key in done:
            return False
        if key in visiting:
            return True
        visiting.add(key)
        found = any(cycle_from(before) for before in graph.get(key, ()))
        visiting.discard(key)
        done.add(key)
        return found

    if any(cycle_from(key) for key in graph if key not in done):
        problems.append("Steps wait for each other in a circle; no step could ever start.")
    return problems
