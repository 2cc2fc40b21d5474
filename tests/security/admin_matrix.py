"""The admin's permission matrix, per staff role: agent, supervisor, catalog manager."""

ROLES = ("agent", "supervisor", "catalog_manager")

# What each role may do with each model: l list, v view an object, a add, c change, d delete ("-": nothing).
# Agents and supervisors look at the catalog, catalog managers run it; customers, carts, orders and events
# change through the services (the API, the console, the supervisors' order actions), never in a form.
MODELS_TABLE = """
                                agent   supervisor catalog_manager
adapters.backofficesystem       -       lv      -
adapters.quarantinedrecord      -       lv      -
adapters.synccursor             -       lv      -
adapters.syncrun                -       lv      -
auth.group                      -       -       -
auth.user                       -       -       -
cart.handoff                    lv      lv      -
cart.shoppingcart               lv      lv      -
care.troubleticket              lv      lv      -
catalog.campaign                lv      lv      lvacd
catalog.category                lv      lv      lvacd
catalog.channel                 lv      lv      lvacd
catalog.characteristicspec      lv      lv      lvacd
catalog.marketsegment           lv      lv      lvacd
catalog.productoffering         lv      lv      lvacd
catalog.productofferingprice    lv      lv      lvacd
catalog.productspecification    lv      lv      lvacd
catalog.recommendation          lv      lv      lvacd
catalog.usagemetric             lv      lv      lvacd
customers.billingaccount        lv      lv      -
customers.customer              lv      lv      -
customers.heldproduct           lv      lv      -
customers.linksuggestion        lvc     lvc     -
events.eventdelivery            -       lvc     -
events.eventsubscription        -       lvd     -
events.outboxevent              -       lv      -
knowledge.article               lv      lv      lvacd
knowledge.ticketcategory        lv      lv      lvacd
orchestration.fulfilmenttask    -       lv      -
orchestration.productorder      lv      lv      -
overlay.apiclient               -       lv      -
usage.consumption               lv      lv      -
usage.usagealert                lv      lv      -
usage.usagerecord               lv      lv      -
"""

MODELS = {line.split()[0]: line.split()[1:] for line in MODELS_TABLE.strip().splitlines()[1:]}

# Actions: who is offered each (the others are not; the admin refuses them too).
ACTIONS: dict[str, tuple[str, ...]] = {
    "adapters.backofficesystem.sync_now": (),
    "adapters.quarantinedrecord.retry": (),
    "catalog.productoffering.make_launched": ("catalog_manager",),
    "catalog.productoffering.make_retired": ("catalog_manager",),
    "catalog.productoffering.make_in_design": ("catalog_manager",),
    "customers.linksuggestion.confirm": ("agent", "supervisor"),
    "customers.linksuggestion.split": ("agent", "supervisor"),
    "events.eventdelivery.redeliver": ("supervisor",),
    "overlay.apiclient.revoke": (),
}

# Console pages: what each role gets (ok: the page, or the action done and a redirect).
CONSOLE: dict[str, tuple[str, str, str]] = {
    "GET customer-console": ("ok", "ok", "403"),
    "GET customer-console-customer": ("ok", "ok", "403"),
    "POST customer-console-contact": ("ok", "ok", "403"),
    "POST customer-console-decide": ("ok", "ok", "403"),
    # Start the plan change a right-sizing proposal makes: whoever sells (carts:write) and sees the customer.
    "POST customer-console-plan-change": ("ok", "ok", "403"),
    # Start a return, an exchange or a repair of a customer's device: whoever orders (orders:write) for them.
    "POST customer-console-aftersales": ("ok", "ok", "403"),
    "POST cart-console-claim": ("ok", "ok", "403"),
    "POST cart-console-start": ("ok", "ok", "403"),
    "GET cart-console-cart": ("ok", "ok", "403"),
    "POST cart-console-edit": ("ok", "ok", "403"),
    # Trouble tickets: whoever works on tickets (tickets:write) opens, changes and claims them; reads need tickets:read.
    "POST care-console-claim": ("ok", "ok", "403"),
    "POST care-console-open": ("ok", "ok", "403"),
    "GET care-console-ticket": ("ok", "ok", "403"),
    "POST care-console-ticket-change": ("ok", "ok", "403"),
    # Retry, cancel and complete an order by hand: supervisors only (as cancelProductOrder in the API).
    "POST orchestration_productorder_supervise": ("403", "ok", "403"),
}

# Personal data shown masked unless the viewer holds customers.view_pii (tests/customers/test_admin.py).
MASKED = {
    "customers.customer": ("email", "phone", "birth date", "national id", "street"),
    "customers.customer (links)": ("national id", "email", "phone"),
    "customers.customer (products)": ("characteristics: MSISDN, ICCID, IMEI, installation address",),
    "customers.heldproduct": ("characteristics: MSISDN, ICCID, IMEI, installation address",),
}
