"""Two versions of a CRM mapping, as an operator would ship a fix: the first refuses business customers."""

from adapters.builtin.simulated import CrmAdapter
from adapters.contracts import MappingError


class CrmAdapterWithBug(CrmAdapter):
    def map_record(self, stream, raw):
        if raw.get("SEG_CD") == "BUSI":
            raise MappingError("segment BUSI is not supported")
        return super().map_record(stream, raw)
