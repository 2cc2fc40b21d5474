"""``{% usage_chart metric %}``: a metric's last periods as inline SVG bars (``console.usage.chart``)."""

from django import template

from console.usage import chart

register = template.Library()


@register.inclusion_tag("console/_usage_chart.html")
def usage_chart(metric: dict) -> dict:
    return {"chart": chart(metric), "metric": metric}
