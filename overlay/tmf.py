"""The TM Forum Open APIs Overlay serves: one constant per API, with its name, base path and read scope.

The name is what events and listeners call the API (``domain`` in a TMF688 event, the hub a
listener registers on); the base path is where its resources live; the read scope is what a
caller needs to read its resources, and so to listen to its events. Overlay's own extensions
(the 360° view, search, hand-off, checkout, sync runs, back-office pushes) are under ``EXTENSIONS``.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TMFApi:
    name: str
    read_scope: str
    version: int = 4
    base: str = field(init=False)  # "/tmf-api/<name>/v<version>", no trailing slash

    def __post_init__(self):
        object.__setattr__(self, "base", f"/tmf-api/{self.name}/v{self.version}")

    @property
    def prefix(self) -> str:
        """The base as a Django URL pattern prefix (no leading slash, a trailing one)."""
        return self.base.lstrip("/") + "/"


CATALOG = TMFApi("productCatalogManagement", "catalog:read")  # TMF620
CUSTOMER = TMFApi("customerManagement", "customers:read")  # TMF629
PARTY = TMFApi("party", "customers:read")  # TMF632
INVENTORY = TMFApi("productInventory", "customers:read")  # TMF637
CART = TMFApi("shoppingCart", "carts:read")  # TMF663
QUALIFICATION = TMFApi("productOfferingQualification", "carts:read")  # TMF679
ORDERING = TMFApi("productOrderingManagement", "orders:read")  # TMF622
USAGE = TMFApi("usageManagement", "usage:read")  # TMF635
CONSUMPTION = TMFApi("usageConsumption", "usage:read")  # TMF677
TROUBLE_TICKET = TMFApi("troubleTicket", "tickets:read")  # TMF621
APIS = {
    api.name: api
    for api in (
        CATALOG,
        CUSTOMER,
        PARTY,
        INVENTORY,
        CART,
        QUALIFICATION,
        ORDERING,
        USAGE,
        CONSUMPTION,
        TROUBLE_TICKET,
    )
}

EXTENSIONS = "/api/v1"
