"""Reading and writing the permission matrix's table (``matrix.py``): one line per operation, one column per caller."""

# The callers' columns, in ``world.CALLERS`` order.
COLUMNS = "an ca cb cr cw sy ur uw up ut rg kr kw or ow oc mr mw tr tw ag su cm".split()
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
PATH_WIDTH = 36


def parse(table: str) -> dict[str, str]:
    """{"METHOD /full/path": "outcome outcome ..."} from the table's text."""
    expected, base = {}, ""
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "an ")):
            continue
        if not line.startswith(" "):
            base = line.strip()
            continue
        method, path, *outcomes = line.split()
        expected[f"{method} {base}{path}"] = " ".join(outcomes)
    return expected


def render(observed: dict[str, str], bases: list[str]) -> str:
    """The table for ``observed`` outcomes, grouped under their API's base path."""
    lines = [" " * (2 + 7 + PATH_WIDTH) + " ".join(f"{column:<3}" for column in COLUMNS).rstrip()]
    for base in bases:
        rows = [key.split(" ", 1) for key in observed if key.split(" ", 1)[1].startswith(base + "/")]
        rows.sort(key=lambda row: (row[1].replace("/{", "/~"), METHOD_ORDER[row[0]]))
        lines.append(base)
        for method, path in rows:
            cells = " ".join(f"{cell:<3}" for cell in observed[f"{method} {path}"].split()).rstrip()
            lines.append(f"  {method:<7}{path[len(base) :]:<{PATH_WIDTH}}{cells}")
    return "\n".join(lines) + "\n"
