from rest_framework.routers import SimpleRouter


class TMFRouter(SimpleRouter):
    """TMF paths answer with and without a trailing slash, and have no PUT."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"

    def get_method_map(self, viewset, method_map):
        method_map = {method: action for method, action in method_map.items() if method != "put"}
        return super().get_method_map(viewset, method_map)
