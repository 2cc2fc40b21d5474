from django.db import models


class TicketCategory(models.Model):
    """What a trouble ticket is about ("no service", "slow connection", "damaged device"): catalog data.

    Tickets (``care``) carry one as their TMF621 ``ticketType``; knowledge articles are linked to the
    categories they answer, so a customer describing a fault sees them before opening a ticket.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "ticket categories"

    def __str__(self) -> str:
        return self.name
