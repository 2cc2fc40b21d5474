"""The TM Forum Open APIs Overlay serves: one constant per API, with its name and base path.

The name is what events and listeners call the API (``domain`` in a TMF688 event, the hub a
listener registers on); the base path is where its resources live. Overlay's own extensions
(the 360° view, search, hand-off, checkout, sync runs, back-office pushes) are under ``EXTENSIONS``.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TMFApi:
    name: str
    version: int = 4
    base: str = field(init=False)  # "/tmf-api/<name>/v<version>", no trailing slash

    def __post_init__(self):
        object.__setattr__(self, "base", f"/tmf-api/{self.name}/v{self.version}")

    @property
    def prefix(self) -> str:
        """The base as a Django URL pattern prefix (no leading slash, a trailing one)."""
        return self.base.lstrip("/") + "/"


CATALOG = TMFApi("productCatalogManagement")  # TMF620
CUSTOMER = TMFApi("customerManagement")  # TMF629
PARTY = TMFApi("party")  # TMF632
INVENTORY = TMFApi("productInventory")  # TMF637
CART = TMFApi("shoppingCart")  # TMF663
QUALIFICATION = TMFApi("productOfferingQualification")  # TMF679
ORDERING = TMFApi("productOrderingManagement")  # TMF622

EXTENSIONS = "/api/v1"
